// The route wrapper's contract, with the session replaced: who is asking, what shape the request
// has, and which error becomes which status. The routes' own db tests prove it on real data.
import { beforeEach, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { NotFoundError, PaymentRequiredError, UserFacingError } from "@/lib/errors";

const session = vi.hoisted(() => ({ user: null as null | { id: string; email: string; name: string; role: "customer" } }));
vi.mock("server-only", () => ({}));
vi.mock("@/lib/auth/session", () => ({ getUser: async () => session.user }));
const { withUser } = await import("./with-user");

const customer = { id: "user_1", email: "a@example.test", name: "A", role: "customer" as const };
const call = (route: ReturnType<typeof withUser>, id: string, init: { query?: string; body?: string } = {}) =>
  route(new Request(`http://app.test/api/things/${id}${init.query ?? ""}`, init.body === undefined ? {} : { method: "POST", body: init.body }), {
    params: Promise.resolve({ id }),
  });

class ServiceDown extends UserFacingError {
  readonly status = 503;
}

beforeEach(() => {
  session.user = customer;
});

describe("withUser", () => {
  it("no session is a 401 whatever the id, and the handler never runs", async () => {
    session.user = null;
    const handler = vi.fn(async () => ({ ok: true }));
    const route = withUser(handler);
    const [known, unknown] = await Promise.all([call(route, "vm_1"), call(route, "no-such-thing")]);
    expect([known.status, unknown.status]).toEqual([401, 401]);
    expect(await known.json()).toEqual(await unknown.json());
    expect(known.headers.get("cache-control")).toBe("no-store");
    expect(handler).not.toHaveBeenCalled();
  });

  it("I5: a null answer, a NotFoundError and an id we never issue are the same 404", async () => {
    const answers = await Promise.all([
      call(
        withUser(async () => null),
        "vm_1",
      ),
      call(
        withUser(async () => {
          throw new NotFoundError("VM vm_1 belongs to user_2");
        }),
        "vm_1",
      ),
      call(
        withUser(async () => ({ ok: true })),
        "x".repeat(65),
      ),
    ]);
    expect(answers.map((r) => r.status)).toEqual([404, 404, 404]);
    const bodies = await Promise.all(answers.map((r) => r.json()));
    expect(bodies).toEqual([{ error: "Not found" }, { error: "Not found" }, { error: "Not found" }]);
  });

  it("the owner's answer is a 200 with the user and the params in the context, never cached", async () => {
    const route = withUser(async ({ user, params }) => ({ userId: user.id, id: params.id }));
    const response = await call(route, "vm_1");
    expect(response.status).toBe(200);
    expect(response.headers.get("cache-control")).toBe("no-store");
    expect(await response.json()).toEqual({ userId: "user_1", id: "vm_1" });
  });

  it("PaymentRequiredError is a 402 and a UserFacingError its own status or 409, each with its message", async () => {
    const failing = (error: Error) =>
      withUser(async () => {
        throw error;
      });
    const [paid, refused, down] = await Promise.all([
      call(failing(new PaymentRequiredError("Pay the open invoice first.")), "vm_1"),
      call(failing(new UserFacingError("A resize is already running.")), "vm_1"),
      call(failing(new ServiceDown("Graphs are not available right now.")), "vm_1"),
    ]);
    expect([paid.status, refused.status, down.status]).toEqual([402, 409, 503]);
    expect(await paid.json()).toEqual({ error: "Pay the open invoice first." });
    expect(await refused.json()).toEqual({ error: "A resize is already running." });
    expect(await down.json()).toEqual({ error: "Graphs are not available right now." });
  });

  it("I4: any other error is a 500 with a fixed sentence, never the upstream text", async () => {
    const route = withUser(async () => {
      throw new Error("connect ECONNREFUSED 10.0.0.7:8006 on pve-secret");
    });
    const response = await call(route, "vm_1");
    expect(response.status).toBe(500);
    const text = await response.text();
    expect(text).not.toMatch(/ECONNREFUSED|10\.0\.0\.7|8006|pve-secret/);
    expect(JSON.parse(text)).toEqual({ error: "Something went wrong on our side. Please try again." });
  });

  it("I10: the query and the body are validated with zod: 400 with field errors, the handler never runs", async () => {
    const handler = vi.fn(async ({ query, body }: { query: { timeframe: string }; body: { label: string } }) => ({ query, body }));
    const route = withUser(handler, {
      query: z.object({ timeframe: z.enum(["hour", "day"], { error: "Choose hour or day." }).default("hour") }),
      body: z.object({ label: z.string().min(1, "Name it.") }),
    });
    const badQuery = await call(route, "vm_1", { query: "?timeframe=year", body: JSON.stringify({ label: "a" }) });
    expect(badQuery.status).toBe(400);
    expect(await badQuery.json()).toMatchObject({ fieldErrors: { timeframe: "Choose hour or day." } });
    const badBody = await call(route, "vm_1", { body: JSON.stringify({ label: "" }) });
    expect(badBody.status).toBe(400);
    expect(await badBody.json()).toMatchObject({ fieldErrors: { label: "Name it." } });
    const notJson = await call(route, "vm_1", { body: "{label" });
    expect(notJson.status).toBe(400);
    expect(handler).not.toHaveBeenCalled();
    const good = await call(route, "vm_1", { body: JSON.stringify({ label: "web" }) });
    expect(good.status).toBe(200);
    expect(await good.json()).toEqual({ query: { timeframe: "hour" }, body: { label: "web" } });
  });
});
