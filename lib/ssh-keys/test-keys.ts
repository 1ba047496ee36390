// Test helper: a valid OpenSSH ed25519 public key line built from node:crypto. (ssh2 1.17's
// generator sometimes drops a leading zero byte of ed25519 keys, making ~1 in 256 keys invalid.)
import { generateKeyPairSync } from "node:crypto";

function sshString(value: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(value.length);
  return Buffer.concat([length, value]);
}

export function makeEd25519PublicKey(comment = "test@lab"): string {
  const jwk = generateKeyPairSync("ed25519").publicKey.export({ format: "jwk" });
  const raw = Buffer.from(jwk.x!, "base64url");
  const blob = Buffer.concat([sshString(Buffer.from("ssh-ed25519")), sshString(raw)]);
  return `ssh-ed25519 ${blob.toString("base64")} ${comment}`;
}
