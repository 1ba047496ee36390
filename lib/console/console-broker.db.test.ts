import fs from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { encode } from "next-auth/jwt";
import { Agent, fetch } from "undici";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { endSession, startSession } from "@/lib/auth/auth-session";
import { createAppConsoleBroker } from "@/lib/console/app-console-broker";
import { CONSOLE_BINDING_COOKIE, consoleCloseReasons } from "@/lib/console/console-rules";
import { issueConsoleToken, newSecret } from "@/lib/console/console-token";
import { countHeldConsoles } from "@/lib/console/console-slots";
import { db } from "@/lib/db";
import { env } from "@/lib/env";
import { cloneVm, getTaskStatus, vmPower } from "@/lib/proxmox/api";
import { findHypervisorLeaks } from "@/test/fixtures/hypervisor-leak";
import { transitionVm } from "@/lib/vms/vm-state";
import { createUser, createVmFixture, uniqueVmid } from "@/test/fixtures/vm";
import { type ConsoleSocket, openWebSocket } from "@/test/fixtures/console-rfb";

const simUrl = inject("simUrls").proxmox;
const agent = new Agent({ connect: { ca: fs.readFileSync(process.env.PROXMOX_CA_CERT_FILE!, "utf8") } });
const sim = async <T>(path: string, body?: unknown): Promise<T> => {
  const res = await fetch(`${simUrl}/_sim/${path}`, {
    method: body ? "POST" : "GET",
    dispatcher: agent,
    body: body ? JSON.stringify(body) : undefined,
    headers: { "content-type": "application/json" },
  });
  return (await res.json()) as T;
};
type Logged = { id: number; kind: string; method: string; path: string };
const lastLogId = async () => (await sim<Logged[]>("requests")).at(-1)?.id ?? 0;
const consoleCallsSince = async (id: number) => (await sim<Logged[]>(`requests?since=${id}`)).filter((r) => r.kind === "vnc" || r.path.endsWith("/vncproxy"));

async function waitTask(upid: string) {
  for (;;) {
    const task = await getTaskStatus("pve1", upid);
    if (task.status === "stopped") return task.exitstatus;
    await new Promise((r) => setTimeout(r, 20));
  }
}

let server: Server;
let broker: ReturnType<typeof createAppConsoleBroker>;
let wsBase: string;
const origin = new URL(env().APP_URL).origin;

beforeAll(async () => {
  broker = createAppConsoleBroker();
  server = createServer((_req, res) => res.writeHead(404).end());
  server.on("upgrade", (req, socket, head) => {
    if (!broker.handleUpgrade(req, socket, head)) socket.destroy();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  wsBase = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/console/ws`;
});
afterAll(async () => {
  broker.close();
  await new Promise((r) => server.close(r));
});

/** A running VM on the stand-in and its row for a fresh customer, plus that customer's browser cookies. */
async function runningConsoleVm() {
  const vmid = uniqueVmid();
  const name = `lab-c${vmid}`;
  expect(await waitTask(await cloneVm("pve1", 9000, { newid: vmid, name }))).toBe("OK");
  expect(await waitTask(await vmPower("pve1", vmid, "start"))).toBe("OK");
  const fixture = await createVmFixture({ vmid, nodeName: "pve1" });
  await db.vm.update({ where: { id: fixture.vm.id }, data: { name } });
  return { ...fixture, vmid, name, browser: await browserFor(fixture.userId) };
}

async function browserFor(userId: string) {
  const sid = await startSession(userId);
  const session = await encode({ token: { sub: userId, sid }, secret: env().AUTH_SECRET, salt: "authjs.session-token" });
  const binding = newSecret();
  return { binding, sid, cookie: (b = binding) => `authjs.session-token=${session}; ${CONSOLE_BINDING_COOKIE}=${b}` };
}

async function connect(token: string | null, cookie: string, headers: Record<string, string> = {}) {
  const url = token === null ? wsBase : `${wsBase}?t=${encodeURIComponent(token)}`;
  return openWebSocket(url, { headers: { origin, cookie, ...headers } });
}

async function issued(userId: string, vmId: string, binding: string, now?: Date) {
  const result = await issueConsoleToken({ userId, vmId, binding, now });
  if (result.kind !== "issued") throw new Error(`token not issued: ${result.kind}`);
  return result;
}

const asSocket = (s: ConsoleSocket | { status: number }) => {
  if (!("ws" in s)) throw new Error(`upgrade refused with ${s.status}`);
  return s;
};

describe.each([9, 8] as const)("console broker against PVE %i", (pveVersion) => {
  beforeAll(async () => {
    await sim("settings", { pveVersion });
  });
  afterAll(async () => {
    await sim("settings", { pveVersion: 9 });
  });

  it(`I4: the owner's console shows the VM, echoes keys, and the browser sees security None and nothing of Proxmox`, async () => {
    const { userId, vm, name, browser } = await runningConsoleVm();
    const { token } = await issued(userId, vm.id, browser.binding);
    const before = await lastLogId();
    const c = asSocket(await connect(token, browser.cookie()));
    const init = await c.handshake(); // throws unless the browser is offered None
    expect(init).toEqual({ width: 640, height: 400, name });
    const fb = Buffer.alloc(640 * 400 * 4);
    await c.update(fb, 640, [0, 0, 640, 400]);
    const shown = Buffer.from(fb);
    c.type("hello");
    await c.update(fb, 640, [0, 0, 640, 400], true);
    expect(fb.equals(shown)).toBe(false);
    const firstFrames = Buffer.concat(c.frames.slice(0, 4)).toString("latin1");
    expect(
      findHypervisorLeaks(firstFrames, {
        nodeNames: ["pve1"],
        proxmoxHost: process.env.PROXMOX_API_URL,
        internalPatterns: ["PVEVNC", "PVEAPIToken", env().PROXMOX_TOKEN_SECRET],
      }),
    ).toEqual([]);
    // The broker, not the browser, asked Proxmox: one vncproxy and one vncwebsocket.
    expect((await consoleCallsSince(before)).map((r) => r.kind)).toEqual(["api", "vnc"]);
    c.ws.close();
    await expect.poll(async () => (await db.consoleToken.findFirst({ where: { vmId: vm.id } }))?.closeReason).toBe("ended");
    const audit = await db.auditEvent.findMany({ where: { subjectId: vm.id, action: { startsWith: "console." } }, orderBy: { createdAt: "asc" } });
    expect(audit.map((a) => a.action)).toEqual(["console.token_issued", "console.opened", "console.closed"]);
    expect(JSON.stringify(audit)).not.toContain(token);
  });
});

describe("console tokens are refused before any Proxmox call", () => {
  it("I5: a token used twice, older than 30 s, another user's, after sign-out, for a stopped VM, forged, or absent opens nothing on Proxmox", async () => {
    const { userId, vm, browser } = await runningConsoleVm();
    const other = await browserFor((await createUser()).id);

    const used = await issued(userId, vm.id, browser.binding);
    const first = asSocket(await connect(used.token, browser.cookie()));
    await first.handshake();
    first.ws.close();
    await expect.poll(() => countHeldConsoles({ vmId: vm.id })).toBe(0);

    const stale = await issued(userId, vm.id, browser.binding, new Date(Date.now() - 31_000));
    const stolen = await issued(userId, vm.id, browser.binding);
    const stolenWithCookie = await issued(userId, vm.id, browser.binding);
    const forStopped = await issued(userId, vm.id, browser.binding);

    const before = await lastLogId();
    const refused: Array<[string, ConsoleSocket | { status: number }]> = [];
    refused.push(["reused", await connect(used.token, browser.cookie())]);
    refused.push(["expired", await connect(stale.token, browser.cookie())]);
    // Another user's token: from their browser (no binding cookie of ours), and even with it.
    refused.push(["wrong_session", await connect(stolen.token, other.cookie())]);
    refused.push(["wrong_user", await connect(stolenWithCookie.token, other.cookie(browser.binding))]);
    refused.push(["unknown", await connect(newSecret(), browser.cookie())]);
    refused.push(["malformed", await connect("not-a-token", browser.cookie())]);
    // The owner's own token and cookies, after signing out (the session row is gone).
    const signedOut = await browserFor(userId);
    const afterSignOut = await issued(userId, vm.id, signedOut.binding);
    await endSession(signedOut.sid);
    refused.push(["signed_out", await connect(afterSignOut.token, signedOut.cookie())]);
    const codes = await Promise.all(refused.map(async ([, s]) => ("ws" in s ? (await s.whenClosed()).code : s.status)));
    expect(codes).toEqual(Array(7).fill(consoleCloseReasons.token_refused.code));

    await transitionVm(vm.id, "running", "stopped");
    const stopped = asSocket(await connect(forStopped.token, browser.cookie()));
    expect((await stopped.whenClosed()).code).toBe(consoleCloseReasons.vm_stopped.code);
    expect(await connect(null, browser.cookie())).toEqual({ status: 401 });
    expect(await connect(newSecret(), browser.cookie(), { origin: "https://evil.example" })).toEqual({ status: 403 });

    expect(await consoleCallsSince(before)).toEqual([]);
    const reasons = (await db.auditEvent.findMany({ where: { subjectId: vm.id, action: "console.refused" } })).map(
      (a) => (a.data as { reason: string }).reason,
    );
    expect(reasons.sort()).toEqual(["expired", "reused", "vm_not_running", "wrong_session", "wrong_user", "wrong_user"]);
    expect(await issueConsoleToken({ userId, vmId: vm.id, binding: browser.binding })).toEqual({ kind: "not_running" });
  });

  it("I6 I12: a VM suspended for its own unpaid invoice between the click and the opening gets 'payment required' (4008), before any Proxmox call", async () => {
    const { userId, vm, browser } = await runningConsoleVm();
    // Another VM of the same customer suspended for money owed: this VM's console is not its business (I12).
    const sibling = await db.billingEnforcement.create({
      data: {
        subscriptionId: `sub_row_sib_${vm.id}`,
        stripeSubscriptionId: `sub_sib_${vm.id}`,
        userId,
        orderId: `order_sib_${vm.id}`,
        state: "suspended",
        overdueSince: new Date(),
      },
    });
    const { orderId } = await db.vm.findUniqueOrThrow({ where: { id: vm.id }, select: { orderId: true } });
    const token = await issued(userId, vm.id, browser.binding);
    await db.billingEnforcement.delete({ where: { id: sibling.id } });
    const suspended = await db.billingEnforcement.create({
      data: { subscriptionId: `sub_row_${vm.id}`, stripeSubscriptionId: `sub_console_${vm.id}`, userId, orderId, state: "suspended", overdueSince: new Date() },
    });
    try {
      const before = await lastLogId();
      const socket = asSocket(await connect(token.token, browser.cookie()));
      expect(await socket.whenClosed()).toEqual({ code: consoleCloseReasons.payment_required.code, reason: consoleCloseReasons.payment_required.message });
      expect(await consoleCallsSince(before)).toEqual([]);
      // The refusal is audited beside the close, not before it: wait for the row.
      await expect
        .poll(async () =>
          (await db.auditEvent.findMany({ where: { subjectId: vm.id, action: "console.refused" } })).map((a) => (a.data as { reason: string }).reason),
        )
        .toEqual(["payment_required"]);
    } finally {
      await db.billingEnforcement.delete({ where: { id: suspended.id } });
    }
  });

  it("I5: another user cannot get a token for a VM that is not theirs (same answer as no VM)", async () => {
    const { vm } = await runningConsoleVm();
    const stranger = await createUser();
    expect(await issueConsoleToken({ userId: stranger.id, vmId: vm.id, binding: newSecret() })).toEqual({ kind: "not_found" });
    expect(await issueConsoleToken({ userId: stranger.id, vmId: "no-such-vm", binding: newSecret() })).toEqual({ kind: "not_found" });
  });

  it("rate-limits tokens per user and caps open consoles per VM", async () => {
    const { userId, vm, browser } = await runningConsoleVm();
    const open: ConsoleSocket[] = [];
    for (let i = 0; i < env().CONSOLE_MAX_PER_VM; i++) {
      const c = asSocket(await connect((await issued(userId, vm.id, browser.binding)).token, browser.cookie()));
      await c.handshake();
      open.push(c);
    }
    const extra = asSocket(await connect((await issued(userId, vm.id, browser.binding)).token, browser.cookie()));
    expect((await extra.whenClosed()).code).toBe(consoleCloseReasons.too_many.code);
    open.forEach((c) => c.ws.close());
    for (let i = env().CONSOLE_MAX_PER_VM + 1; i < env().CONSOLE_TOKENS_PER_MINUTE; i++) await issued(userId, vm.id, browser.binding);
    expect(await issueConsoleToken({ userId, vmId: vm.id, binding: browser.binding })).toEqual({ kind: "rate_limited" });
  });
});

describe("open consoles close when the VM stops or loses its console right", () => {
  it("our record going to stopped closes the console with the plain 'not running' code", async () => {
    const { userId, vm, browser } = await runningConsoleVm();
    const c = asSocket(await connect((await issued(userId, vm.id, browser.binding)).token, browser.cookie()));
    await c.handshake();
    await transitionVm(vm.id, "running", "stopped");
    expect(await c.whenClosed()).toEqual({ code: consoleCloseReasons.vm_stopped.code, reason: consoleCloseReasons.vm_stopped.message });
  });

  it("the guest stopping on Proxmox (before our record knows) closes it as 'not running' too", async () => {
    const { userId, vm, vmid, browser } = await runningConsoleVm();
    const c = asSocket(await connect((await issued(userId, vm.id, browser.binding)).token, browser.cookie()));
    await c.handshake();
    await waitTask(await vmPower("pve1", vmid, "stop"));
    expect((await c.whenClosed()).code).toBe(consoleCloseReasons.vm_stopped.code);
  });

  it("a close request written by another instance (only the row changes) closes this instance's console within a second", async () => {
    const { requestConsoleClose } = await import("@/lib/console/console-slots");
    const { userId, vm, browser } = await runningConsoleVm();
    const c = asSocket(await connect((await issued(userId, vm.id, browser.binding)).token, browser.cookie()));
    await c.handshake();
    expect(await requestConsoleClose({ vmId: vm.id }, "access_revoked")).toBe(1);
    expect((await c.whenClosed()).code).toBe(consoleCloseReasons.access_revoked.code);
    await expect.poll(async () => (await db.consoleToken.findFirst({ where: { vmId: vm.id } }))?.closeReason).toBe("access_revoked");
  });

  it("closeConsoles (the suspension hook) closes every console of the VM", async () => {
    const { closeConsoles } = await import("@/lib/console/open-consoles");
    const { userId, vm, browser } = await runningConsoleVm();
    const c = asSocket(await connect((await issued(userId, vm.id, browser.binding)).token, browser.cookie()));
    await c.handshake();
    expect(await closeConsoles({ vmId: vm.id }, "access_revoked")).toBe(1);
    expect((await c.whenClosed()).code).toBe(consoleCloseReasons.access_revoked.code);
    await expect.poll(async () => (await db.consoleToken.findFirst({ where: { vmId: vm.id } }))?.closeReason).toBe("access_revoked");
  });
});
