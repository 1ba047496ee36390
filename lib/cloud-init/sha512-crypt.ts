// SHA-512 crypt (`$6$`, Ulrich Drepper's specification, as glibc and `openssl passwd -6` do it).
// A custom cloud-init user-data replaces the one Proxmox generates from `cipassword`, so the VM
// password has to travel in our snippet; only this one-way hash does, never the clear text (I9).
import { createHash, randomBytes } from "node:crypto";

const ITOA64 = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const ROUNDS = 5000; // the specification's default: no "rounds=" field in the output
// The byte order of the final encoding, three bytes to four characters (from the specification).
const ORDER = [
  [0, 21, 42],
  [22, 43, 1],
  [44, 2, 23],
  [3, 24, 45],
  [25, 46, 4],
  [47, 5, 26],
  [6, 27, 48],
  [28, 49, 7],
  [50, 8, 29],
  [9, 30, 51],
  [31, 52, 10],
  [53, 11, 32],
  [12, 33, 54],
  [34, 55, 13],
  [56, 14, 35],
  [15, 36, 57],
  [37, 58, 16],
  [59, 17, 38],
  [18, 39, 60],
  [40, 61, 19],
  [62, 20, 41],
];

const sha512 = (...parts: Buffer[]) => {
  const hash = createHash("sha512");
  for (const part of parts) hash.update(part);
  return hash.digest();
};

/** `count` bytes taken from `block` repeated. */
function repeatTo(block: Buffer, count: number): Buffer {
  const out = Buffer.alloc(count);
  for (let i = 0; i < count; i += block.length) block.copy(out, i, 0, Math.min(block.length, count - i));
  return out;
}

function encode24(b2: number, b1: number, b0: number, chars: number): string {
  let w = (b2 << 16) | (b1 << 8) | b0;
  let out = "";
  for (let i = 0; i < chars; i++, w >>= 6) out += ITOA64[w & 0x3f];
  return out;
}

export function randomCryptSalt(length = 16): string {
  return [...randomBytes(length)].map((b) => ITOA64[b & 0x3f]).join("");
}

export function sha512Crypt(password: string, salt: string = randomCryptSalt()): string {
  if (!/^[./0-9A-Za-z]{1,16}$/.test(salt)) throw new Error("crypt salt must be 1-16 characters of [./0-9A-Za-z]");
  const p = Buffer.from(password, "utf8");
  const s = Buffer.from(salt, "ascii");

  const b = sha512(p, s, p);
  const a = createHash("sha512").update(p).update(s);
  let i = p.length;
  for (; i > 64; i -= 64) a.update(b);
  a.update(b.subarray(0, i));
  for (i = p.length; i > 0; i >>= 1) a.update(i & 1 ? b : p);
  let c = a.digest();

  const pBytes = repeatTo(sha512(...Array<Buffer>(p.length).fill(p)), p.length);
  const sBytes = repeatTo(sha512(...Array<Buffer>(16 + c[0]!).fill(s)), s.length);

  for (let round = 0; round < ROUNDS; round++) {
    const h = createHash("sha512");
    h.update(round & 1 ? pBytes : c);
    if (round % 3) h.update(sBytes);
    if (round % 7) h.update(pBytes);
    h.update(round & 1 ? c : pBytes);
    c = h.digest();
  }

  const body = ORDER.map(([x, y, z]) => encode24(c[x!]!, c[y!]!, c[z!]!, 4)).join("") + encode24(0, 0, c[63]!, 2);
  return `$6$${salt}$${body}`;
}
