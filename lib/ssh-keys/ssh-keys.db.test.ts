import { beforeEach, describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { FieldError } from "@/lib/errors";
import { createTestUser } from "@/test/fixtures/capacity";
import { addSshKey, addSshKeySchema } from "./add-ssh-key";
import { deleteSshKey } from "./delete-ssh-key";
import { listSshKeys } from "./list-ssh-keys";
import { makePublicKey } from "@/test/fixtures/ssh-keys";
import { countKeys, createKeyOwners } from "@/test/fixtures/key-owners";

const keyLine = makePublicKey;

let ada: Awaited<ReturnType<typeof createTestUser>>;
let eve: typeof ada;
beforeEach(async () => {
  ({ ada, eve } = await createKeyOwners());
});

describe("SSH keys", () => {
  it("adds ed25519, ecdsa and rsa keys and lists them newest first, stored without the comment", async () => {
    const ed = await addSshKey(ada.id, { name: "laptop", publicKey: keyLine("ed25519") });
    const ec = await addSshKey(ada.id, { name: "desktop", publicKey: keyLine("ecdsa", 384) });
    const rsa = await addSshKey(ada.id, { name: "old box", publicKey: keyLine("rsa", 2048) });
    const list = await listSshKeys(ada.id);
    expect(list.map((k) => k.name)).toEqual(["old box", "desktop", "laptop"]);
    expect(list.map((k) => [k.keyType, k.bits])).toEqual([
      ["ssh-rsa", 2048],
      ["ecdsa-sha2-nistp384", 384],
      ["ssh-ed25519", 256],
    ]);
    expect(list[2]).toEqual(ed);
    expect(list[1]!.id).toBe(ec.id);
    const stored = await db.sshKey.findUniqueOrThrow({ where: { id: rsa.id } });
    expect(stored.publicKey).toMatch(/^ssh-rsa [A-Za-z0-9+/]+=*$/);
    expect(stored.fingerprint).toMatch(/^SHA256:/);
  });

  it("I10: an invalid or too-weak key is a field error and saves nothing", async () => {
    await expect(addSshKey(ada.id, { name: "bad", publicKey: "ssh-ed25519 not*base64" })).rejects.toMatchObject({
      field: "publicKey",
      message: "The key data is not valid base64.",
    });
    await expect(addSshKey(ada.id, { name: "weak", publicKey: keyLine("rsa", 1024) })).rejects.toMatchObject({
      field: "publicKey",
      message: "RSA keys must be at least 2048 bits; this one has 1024.",
    });
    expect(await countKeys(ada.id)).toBe(0);
  });

  it("I10: the same key again (another comment) is a field error for that user, but another user may save it", async () => {
    const line = keyLine("ed25519");
    await addSshKey(ada.id, { name: "laptop", publicKey: line });
    const again = await addSshKey(ada.id, { name: "laptop 2", publicKey: line.replace("ada@laptop", "other comment") }).catch((e: unknown) => e);
    expect(again).toBeInstanceOf(FieldError);
    expect(again).toMatchObject({ field: "publicKey", message: "You already saved this key." });
    expect(await countKeys(ada.id)).toBe(1);
    await addSshKey(eve.id, { name: "shared", publicKey: line });
    expect(await countKeys(eve.id)).toBe(1);
  });

  it("I5: lists only the user's keys; deleting someone else's key is refused and keeps it", async () => {
    const mine = await addSshKey(ada.id, { name: "mine", publicKey: keyLine("ed25519") });
    const theirs = await addSshKey(eve.id, { name: "theirs", publicKey: keyLine("ed25519") });
    expect((await listSshKeys(ada.id)).map((k) => k.id)).toEqual([mine.id]);
    expect(await deleteSshKey(ada.id, theirs.id)).toBe(false);
    expect(await db.sshKey.findUnique({ where: { id: theirs.id } })).not.toBeNull();
    expect(await deleteSshKey(ada.id, mine.id)).toBe(true);
    expect(await deleteSshKey(ada.id, mine.id)).toBe(false);
    expect(await listSshKeys(ada.id)).toEqual([]);
  });

  it("I10: the add schema reports each bad field", () => {
    const result = addSshKeySchema.safeParse({ name: " ", publicKey: "" });
    expect(result.error?.issues.map((i) => i.path.join("."))).toEqual(["name", "publicKey"]);
  });
});
