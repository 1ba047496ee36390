import { describe, expect, it } from "vitest";
import { randomCryptSalt, sha512Crypt } from "./sha512-crypt";

describe("sha512Crypt ($6$)", () => {
  it("matches the specification's test vectors (and `openssl passwd -6`)", () => {
    expect(sha512Crypt("Hello world!", "saltstring")).toBe(
      "$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1",
    );
    // Expected values from `openssl passwd -6 -salt <salt> <password>`. A 100-byte password is
    // longer than one SHA-512 digest, which exercises the repeated-digest paths.
    expect(sha512Crypt("a".repeat(100), "longsalt.ABC")).toBe(
      "$6$longsalt.ABC$FMfZ1QyKnnMEr96rGhde.B0dHgOqNfAWw/pwUyAY.vyeC204rDUD.YUGurVgcjsfwdeOi7L2PCIZ0QKBNay580",
    );
    expect(sha512Crypt("kjR7pQ2xV9mN4bT6wZ3y", "saltstringsaltst")).toBe(
      "$6$saltstringsaltst$USMq4ZwN0MOfRy0qpOfXdhigUMJhL9XYBQITKrv9rRTr8MPIpFSIiakrGk44lbwHcRDJ0hiTrBuJCn2D1b3xv/",
    );
  });

  it("I9: uses a fresh random salt each time, so equal passwords give different hashes", () => {
    const a = sha512Crypt("same password");
    const b = sha512Crypt("same password");
    expect(a).not.toBe(b);
    expect(a).toMatch(/^\$6\$[./0-9A-Za-z]{16}\$[./0-9A-Za-z]{86}$/);
    expect(randomCryptSalt()).toMatch(/^[./0-9A-Za-z]{16}$/);
  });

  it("refuses a salt outside the crypt alphabet", () => {
    expect(() => sha512Crypt("x", "bad$salt")).toThrow(/salt/);
  });
});
