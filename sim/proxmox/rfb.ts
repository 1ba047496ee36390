// A small RFB (VNC) server: protocol 3.3/3.7/3.8, security type 2 (VNC Authentication) or, for
// the plain TCP port the console benchmark uses, type 1 (None); Raw encoding in whatever
// true-colour pixel format the client asks for.
import { createCipheriv, randomBytes, timingSafeEqual } from "node:crypto";
import { HEIGHT, PALETTE, TextScreen, WIDTH } from "./screen";

interface PixelFormat {
  bpp: number;
  bigEndian: boolean;
  max: [number, number, number];
  shift: [number, number, number];
}

const DEFAULT_FORMAT: PixelFormat = { bpp: 32, bigEndian: false, max: [255, 255, 255], shift: [16, 8, 0] };
const CLIENT_MSG_LEN: Record<number, number> = { 0: 20, 3: 10, 4: 8, 5: 6 };

function reverseBits(b: number): number {
  let r = 0;
  for (let i = 0; i < 8; i++) r |= ((b >> i) & 1) << (7 - i);
  return r;
}

/**
 * VNC Authentication's DES: the key is the password (8 bytes, zero padded) with each byte's
 * bits mirrored. OpenSSL 3 hides single DES in the legacy provider, but two-key 3DES with
 * K1 = K2 is exactly single DES.
 */
export function vncEncrypt(password: string, challenge: Buffer): Buffer {
  const key = Buffer.alloc(8);
  Buffer.from(password, "latin1").copy(key, 0, 0, 8);
  for (let i = 0; i < 8; i++) key[i] = reverseBits(key[i]);
  const cipher = createCipheriv("des-ede-ecb", Buffer.concat([key, key]), null);
  cipher.setAutoPadding(false);
  return Buffer.concat([cipher.update(challenge), cipher.final()]);
}

export interface RfbOptions {
  /** null: security type None (the benchmark's plain TCP port, like `vnc=…` without a password). */
  password: string | null;
  name: string;
  vmid: number;
  send: (data: Buffer) => void;
  close: (reason: string) => void;
  onAuth?: (ok: boolean) => void;
  /** Ctrl+Alt+Delete pressed together (what noVNC's sendCtrlAltDel sends). */
  onCtrlAltDel?: () => void;
}

const KEY_CONTROL = [0xffe3, 0xffe4];
const KEY_ALT = [0xffe9, 0xffea];
const KEY_DELETE = [0xffff, 0xff9f];

type State = "version" | "security" | "auth" | "init" | "normal" | "closed";

export class RfbSession {
  private buf = Buffer.alloc(0);
  private state: State = "version";
  private minor = 8;
  private challenge = randomBytes(16);
  private format = DEFAULT_FORMAT;
  private pending: { x: number; y: number; w: number; h: number } | null = null;
  private readonly held = new Set<number>();
  readonly screen: TextScreen;

  constructor(private readonly opts: RfbOptions) {
    this.screen = new TextScreen(opts.name, opts.vmid);
    opts.send(Buffer.from("RFB 003.008\n", "latin1"));
  }

  feed(data: Buffer) {
    this.buf = Buffer.concat([this.buf, data]);
    while (this.state !== "closed" && this.step());
  }

  private take(n: number): Buffer | undefined {
    if (this.buf.length < n) return undefined;
    const out = this.buf.subarray(0, n);
    this.buf = this.buf.subarray(n);
    return out;
  }

  private fail(reason: string): false {
    this.state = "closed";
    this.opts.close(reason);
    return false;
  }

  private step(): boolean {
    switch (this.state) {
      case "version": {
        const v = this.take(12);
        if (!v) return false;
        const m = /^RFB 003\.(\d{3})\n$/.exec(v.toString("latin1"));
        if (!m) return this.fail("bad protocol version");
        this.minor = Number(m[1]) >= 8 ? 8 : Number(m[1]) >= 7 ? 7 : 3;
        const type = this.opts.password === null ? 1 : 2;
        if (this.minor === 3) {
          // 3.3: the server picks the security type (and sends the challenge) right away.
          this.opts.send(type === 1 ? u32(1) : Buffer.concat([u32(2), this.challenge]));
          this.state = type === 1 ? "init" : "auth";
        } else {
          this.opts.send(Buffer.from([1, type]));
          this.state = "security";
        }
        return true;
      }
      case "security": {
        const t = this.take(1);
        if (!t) return false;
        if (t[0] !== (this.opts.password === null ? 1 : 2)) return this.fail("unsupported security type");
        if (this.opts.password === null) {
          // 3.7 sends no SecurityResult for None; 3.8 does.
          if (this.minor === 8) this.opts.send(u32(0));
          this.state = "init";
          return true;
        }
        this.opts.send(this.challenge);
        this.state = "auth";
        return true;
      }
      case "auth": {
        const response = this.take(16);
        if (!response) return false;
        const ok = timingSafeEqual(response, vncEncrypt(this.opts.password ?? "", this.challenge));
        this.opts.onAuth?.(ok);
        if (!ok) {
          const reason = Buffer.from("Authentication failed", "latin1");
          this.opts.send(this.minor === 8 ? Buffer.concat([u32(1), u32(reason.length), reason]) : u32(1));
          return this.fail("authentication failed");
        }
        this.opts.send(u32(0));
        this.state = "init";
        return true;
      }
      case "init": {
        if (!this.take(1)) return false;
        const name = Buffer.from(this.opts.name, "utf8");
        this.opts.send(Buffer.concat([u16(WIDTH), u16(HEIGHT), encodeFormat(DEFAULT_FORMAT), u32(name.length), name]));
        this.state = "normal";
        return true;
      }
      case "normal":
        return this.message();
      default:
        return false;
    }
  }

  private message(): boolean {
    if (!this.buf.length) return false;
    const type = this.buf[0];
    let len = CLIENT_MSG_LEN[type];
    if (type === 2) len = this.buf.length >= 4 ? 4 + 4 * this.buf.readUInt16BE(2) : Infinity;
    if (type === 6) len = this.buf.length >= 8 ? 8 + this.buf.readUInt32BE(4) : Infinity;
    if (len === undefined) return this.fail(`unsupported client message ${type}`);
    const msg = this.take(len);
    if (!msg) return false;
    if (type === 0) this.setPixelFormat(msg.subarray(4));
    if (type === 3) this.updateRequest(msg[1] === 1, msg.readUInt16BE(2), msg.readUInt16BE(4), msg.readUInt16BE(6), msg.readUInt16BE(8));
    if (type === 4) this.keyEvent(msg[1] === 1, msg.readUInt32BE(4));
    return true;
  }

  private keyEvent(down: boolean, keysym: number) {
    if (!down) return void this.held.delete(keysym);
    this.held.add(keysym);
    const has = (keys: number[]) => keys.some((k) => this.held.has(k));
    if (KEY_DELETE.includes(keysym) && has(KEY_CONTROL) && has(KEY_ALT)) {
      this.opts.onCtrlAltDel?.();
      if (this.screen.ctrlAltDel()) this.flush();
      return;
    }
    // A chord with Ctrl or Alt is not text (the screen only echoes what a shell would echo).
    if (has(KEY_CONTROL) || has(KEY_ALT)) return;
    if (this.screen.key(keysym)) this.flush();
  }

  private setPixelFormat(pf: Buffer) {
    const bpp = pf[0];
    if (![8, 16, 32].includes(bpp) || pf[3] !== 1) {
      this.fail("only true-colour 8/16/32 bpp is supported");
      return;
    }
    this.format = { bpp, bigEndian: pf[2] === 1, max: [pf.readUInt16BE(4), pf.readUInt16BE(6), pf.readUInt16BE(8)], shift: [pf[10], pf[11], pf[12]] };
  }

  private updateRequest(incremental: boolean, x: number, y: number, w: number, h: number) {
    this.pending = { x, y, w, h };
    if (!incremental) {
      this.screen.takeDirty();
      this.sendRect(x, y, w, h);
    } else {
      this.flush();
    }
  }

  /** Answers a waiting incremental request with the rows that changed. */
  private flush() {
    if (!this.pending) return;
    const dirty = this.screen.takeDirty();
    if (!dirty) return;
    const { x, w } = this.pending;
    const y = Math.max(dirty[0], this.pending.y);
    const bottom = Math.min(dirty[0] + dirty[1], this.pending.y + this.pending.h);
    if (bottom > y) this.sendRect(x, y, w, bottom - y);
  }

  private sendRect(x: number, y: number, w: number, h: number) {
    this.pending = null;
    w = Math.max(0, Math.min(w, WIDTH - x));
    h = Math.max(0, Math.min(h, HEIGHT - y));
    const bytes = this.format.bpp / 8;
    const colours = PALETTE.map((rgb) => encodePixel(this.format, rgb));
    const header = Buffer.alloc(16);
    header.writeUInt8(0, 0);
    header.writeUInt16BE(1, 2);
    header.writeUInt16BE(x, 4);
    header.writeUInt16BE(y, 6);
    header.writeUInt16BE(w, 8);
    header.writeUInt16BE(h, 10);
    header.writeInt32BE(0, 12);
    const body = Buffer.alloc(w * h * bytes);
    if (bytes === 4) {
      // One 32-bit word per pixel: the per-pixel Buffer.copy made full-screen updates the
      // benchmark's bottleneck instead of the relays it measures.
      const words = new Uint32Array(body.buffer, body.byteOffset, w * h);
      const lookup = colours.map((c) => c.readUInt32LE(0)); // bytes as encoded, read back on a little-endian host
      let i = 0;
      for (let row = y; row < y + h; row++) {
        for (let col = x, p = row * WIDTH + x; col < x + w; col++, p++) words[i++] = lookup[this.screen.pixels[p]];
      }
    } else {
      let o = 0;
      for (let row = y; row < y + h; row++) {
        for (let col = x; col < x + w; col++) {
          colours[this.screen.pixels[row * WIDTH + col]].copy(body, o);
          o += bytes;
        }
      }
    }
    this.opts.send(Buffer.concat([header, body]));
  }

  end() {
    this.state = "closed";
  }
}

function encodePixel(pf: PixelFormat, rgb: [number, number, number]): Buffer {
  let value = 0;
  for (let i = 0; i < 3; i++) value += Math.round((rgb[i] * pf.max[i]) / 255) * 2 ** pf.shift[i];
  const out = Buffer.alloc(pf.bpp / 8);
  if (pf.bpp === 8) out.writeUInt8(value & 0xff);
  else if (pf.bpp === 16) {
    if (pf.bigEndian) out.writeUInt16BE(value & 0xffff);
    else out.writeUInt16LE(value & 0xffff);
  } else if (pf.bigEndian) out.writeUInt32BE(value >>> 0);
  else out.writeUInt32LE(value >>> 0);
  return out;
}

function encodeFormat(pf: PixelFormat): Buffer {
  const b = Buffer.alloc(16);
  b.writeUInt8(pf.bpp, 0);
  b.writeUInt8(24, 1);
  b.writeUInt8(pf.bigEndian ? 1 : 0, 2);
  b.writeUInt8(1, 3);
  pf.max.forEach((m, i) => b.writeUInt16BE(m, 4 + i * 2));
  pf.shift.forEach((s, i) => b.writeUInt8(s, 10 + i));
  return b;
}

const u16 = (n: number) => Buffer.from([(n >> 8) & 0xff, n & 0xff]);
const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
};
