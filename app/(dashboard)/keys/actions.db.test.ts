// The SSH key actions through the real wrapper; only "who is signed in" is decided by the test.
import { beforeEach, describe, expect, it, vi } from "vitest";
import { idleState } from "@/lib/actions/form-state";
import { addSshKey } from "@/lib/ssh-keys/add-ssh-key";
import { createTestUser } from "@/test/fixtures/capacity";
import { makePublicKey } from "@/test/fixtures/ssh-keys";
import { countKeys, createKeyOwners } from "@/test/fixtures/key-owners";
import { formData as form } from "@/test/fixtures/vm";

const session = vi.hoisted(() => ({ user: null as null | { id: string; email: string; name: string; role: "customer" } }));
vi.mock("server-only", () => ({}));
vi.mock("next/cache", () => ({ revalidatePath: () => undefined }));
vi.mock("@/lib/auth/session", () => ({
  requireUser: async () => session.user ?? Promise.reject(new Error("signed out")),
  getUser: async () => session.user,
}));
const { addSshKeyAction, deleteSshKeyAction } = await import("./actions");

const keyLine = makePublicKey;

let ada: Awaited<ReturnType<typeof createTestUser>>;
let eve: typeof ada;
beforeEach(async () => {
  ({ ada, eve } = await createKeyOwners());
  session.user = { ...ada, role: "customer" };
});

describe("SSH key actions", () => {
  it("I10: the add action answers field errors, keeps what was typed and saves nothing", async () => {
    const state = await addSshKeyAction(idleState, form({ name: "", publicKey: "ssh-rsa AAAA" }));
    expect(state).toMatchObject({ status: "error", fieldErrors: { name: "Give the key a name." }, values: { publicKey: "ssh-rsa AAAA" } });
    const bad = await addSshKeyAction(idleState, form({ name: "x", publicKey: keyLine("rsa", 1024) }));
    expect(bad.fieldErrors).toEqual({ publicKey: "RSA keys must be at least 2048 bits; this one has 1024." });
    expect(await countKeys(ada.id)).toBe(0);
    const ok = await addSshKeyAction(idleState, form({ name: "laptop", publicKey: keyLine("ed25519") }));
    expect(ok).toEqual({ status: "success", message: "Saved “laptop”." });
    expect(await countKeys(ada.id)).toBe(1);
  });

  it("I5: deleting another user's key through the action is a 404 and deletes nothing", async () => {
    const theirs = await addSshKey(eve.id, { name: "theirs", publicKey: keyLine("ed25519") });
    const error = await deleteSshKeyAction(idleState, form({ id: theirs.id })).catch((e: unknown) => e);
    expect((error as { digest?: string }).digest).toBe("NEXT_HTTP_ERROR_FALLBACK;404");
    expect(await countKeys(eve.id)).toBe(1);
    session.user = { ...eve, role: "customer" };
    expect(await deleteSshKeyAction(idleState, form({ id: theirs.id }))).toEqual({ status: "success", message: "Key deleted." });
    expect(await countKeys(eve.id)).toBe(0);
  });
});
