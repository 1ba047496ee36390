import { describe, expect, it } from "vitest";
import ssh2 from "ssh2";
import { parsePublicKey } from "./parse-public-key";
import { makeEd25519PublicKey } from "@/test/fixtures/ssh-keys";

const generate = (type: "ed25519" | "ecdsa" | "rsa", bits?: number) =>
  type === "ed25519"
    ? makeEd25519PublicKey("ada@laptop")
    : ssh2.utils.generateKeyPairSync(type, { bits: bits ?? (type === "rsa" ? 2048 : 256), comment: "ada@laptop" }).public.trim();

describe("parsePublicKey (I10)", () => {
  it.each([
    ["ed25519", undefined, "ssh-ed25519", 256],
    ["ecdsa", 256, "ecdsa-sha2-nistp256", 256],
    ["ecdsa", 384, "ecdsa-sha2-nistp384", 384],
    ["rsa", 2048, "ssh-rsa", 2048],
  ] as const)("accepts a real %s key", (kind, bits, type, expectedBits) => {
    const result = parsePublicKey(generate(kind, bits));
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.key).toMatchObject({ type, bits: expectedBits, comment: "ada@laptop" });
    expect(result.key.fingerprint).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
    expect(result.key.normalized).toBe(`${type} ${result.key.blob}`);
  });

  it("refuses RSA below 2048 bits with the size in the message", () => {
    expect(parsePublicKey(generate("rsa", 1024))).toEqual({ ok: false, error: "RSA keys must be at least 2048 bits; this one has 1024." });
  });

  it.each([
    ["", "Paste a public key."],
    ["-----BEGIN OPENSSH PRIVATE KEY-----", "That is a private key. Paste the public key (the .pub file) instead."],
    ["ssh-dss AAAAB3NzaC1kc3MAAACBAP", "Use an ed25519, ecdsa or rsa key (it starts with ssh-ed25519, ecdsa-sha2-… or ssh-rsa)."],
    ["ssh-ed25519 not*base64", "The key data is not valid base64."],
    ["ssh-ed25519 AAAAB3NzaC1yc2EAAAADAQABAAABAQ==", "The key data does not match its type; paste the whole line."],
    ["ssh-ed25519 AAAA; rm -rf /", "The key data is not valid base64."],
  ])("refuses %j", (line, error) => {
    expect(parsePublicKey(line)).toEqual({ ok: false, error });
  });

  it("refuses a key whose type label was swapped", () => {
    const ed = generate("ed25519").split(" ")[1];
    expect(parsePublicKey(`ssh-rsa ${ed}`)).toMatchObject({ ok: false });
  });

  it("refuses two keys pasted as one", () => {
    expect(parsePublicKey(`${generate("ed25519")}\n${generate("ed25519")}`)).toEqual({ ok: false, error: "Paste one key on a single line." });
  });
});
