import { describe, expect, it } from "vitest";
import { generateVmPassword, openSecret, sealSecret } from "./secret-box";

const key = Buffer.alloc(32, 9).toString("base64");

describe("secret box (I9)", () => {
  it("round-trips and never contains the plaintext", () => {
    const sealed = sealSecret("hunter2-but-longer", key);
    expect(sealed).not.toContain("hunter2");
    expect(openSecret(sealed, key)).toBe("hunter2-but-longer");
  });

  it("uses a fresh IV each time", () => {
    expect(sealSecret("same", key)).not.toBe(sealSecret("same", key));
  });

  it("refuses a tampered ciphertext or the wrong key", () => {
    const sealed = sealSecret("secret", key);
    const parts = sealed.split(".");
    parts[3] = Buffer.from("XXXXXX").toString("base64url");
    expect(() => openSecret(parts.join("."), key)).toThrow();
    expect(() => openSecret(sealed, Buffer.alloc(32, 1).toString("base64"))).toThrow();
  });

  it("generates passwords of the asked length from the safe alphabet", () => {
    const passwords = new Set(Array.from({ length: 50 }, () => generateVmPassword()));
    expect(passwords.size).toBe(50);
    for (const p of passwords) expect(p).toMatch(/^[A-HJ-NP-Za-km-z2-9]{20}$/);
  });
});
