// What noVNC does on the console socket, in Node, for the broker's tests and bench/console: the
// RFB 3.8 client side (security None or VNC Authentication), ServerInit, Raw updates, key events.
import { WebSocket } from "ws";
import { vncAuthResponse } from "@/lib/console/rfb-handshake";

export const RGBX = Buffer.from([32, 24, 0, 1, 0, 255, 0, 255, 0, 255, 0, 8, 16, 0, 0, 0]);

/** An RFB byte stream over any transport (WebSocket here, plain TCP in bench/console). */
export abstract class RfbStream {
  private buf: Buffer = Buffer.alloc(0);
  private waiting: (() => void) | null = null;
  closed: { code: number; reason: string } | null = null;

  protected received(d: Buffer) {
    this.buf = this.buf.length ? Buffer.concat([this.buf, d]) : d;
    this.waiting?.();
  }

  protected ended(code: number, reason: string) {
    this.closed = { code, reason };
    this.waiting?.();
  }

  protected abstract write(data: Buffer): void;

  async read(n: number): Promise<Buffer> {
    while (this.buf.length < n) {
      if (this.closed) throw new Error(`closed ${this.closed.code} ${this.closed.reason} while waiting for ${n} bytes`);
      await new Promise<void>((r) => (this.waiting = r));
    }
    const out = this.buf.subarray(0, n);
    this.buf = this.buf.subarray(n);
    return out;
  }

  send(...parts: Array<Buffer | number[]>) {
    this.write(Buffer.concat(parts.map((p) => Buffer.from(p))));
  }

  /** Version, security (None, or VNC Authentication with `password`), ClientInit; returns ServerInit. */
  async handshake(password?: string): Promise<{ width: number; height: number; name: string }> {
    const version = (await this.read(12)).toString();
    if (version !== "RFB 003.008\n") throw new Error(`unexpected version ${JSON.stringify(version)}`);
    this.send(Buffer.from(version));
    const types = [...(await this.read((await this.read(1))[0]))];
    if (types.includes(1)) this.send([1]);
    else if (types.includes(2) && password !== undefined) {
      this.send([2]);
      this.send(vncAuthResponse(password, await this.read(16)));
    } else throw new Error(`no usable security type in ${types}`);
    if ((await this.read(4)).readUInt32BE(0) !== 0) throw new Error("security failed");
    this.send([1]);
    const init = await this.read(24);
    const name = (await this.read(init.readUInt32BE(20))).toString();
    this.send([0, 0, 0, 0], RGBX, [2, 0, 0, 1, 0, 0, 0, 0]);
    return { width: init.readUInt16BE(0), height: init.readUInt16BE(2), name };
  }

  /** Asks for (x, y, w, h) and reads one FramebufferUpdate into `fb` (RGBX, `width` wide). */
  async update(fb: Buffer, width: number, rect: [number, number, number, number], incremental = false): Promise<number> {
    const [x, y, w, h] = rect;
    this.send([3, incremental ? 1 : 0, x >> 8, x & 255, y >> 8, y & 255, w >> 8, w & 255, h >> 8, h & 255]);
    return this.readUpdate(fb, width);
  }

  async readUpdate(fb: Buffer, width: number): Promise<number> {
    const head = await this.read(4);
    if (head[0] !== 0) throw new Error(`expected FramebufferUpdate, got ${head[0]}`);
    let bytes = 4;
    for (let i = 0; i < head.readUInt16BE(2); i++) {
      const r = await this.read(12);
      const [x, y, w, h] = [r.readUInt16BE(0), r.readUInt16BE(2), r.readUInt16BE(4), r.readUInt16BE(6)];
      const pixels = await this.read(w * h * 4);
      for (let row = 0; row < h; row++) pixels.copy(fb, ((y + row) * width + x) * 4, row * w * 4, (row + 1) * w * 4);
      bytes += 12 + pixels.length;
    }
    return bytes;
  }

  key(keysym: number, down: boolean) {
    this.send([4, down ? 1 : 0, 0, 0, (keysym >>> 24) & 255, (keysym >> 16) & 255, (keysym >> 8) & 255, keysym & 255]);
  }

  type(text: string) {
    for (const ch of text) {
      const keysym = ch === "\n" ? 0xff0d : ch.charCodeAt(0);
      this.key(keysym, true);
      this.key(keysym, false);
    }
  }
}

export class ConsoleSocket extends RfbStream {
  readonly frames: Buffer[] = [];

  constructor(readonly ws: WebSocket) {
    super();
    ws.on("message", (d: Buffer) => {
      if (this.frames.length < 20) this.frames.push(d);
      this.received(d);
    });
    ws.on("close", (code, reason) => this.ended(code, reason.toString()));
  }

  protected write(data: Buffer) {
    this.ws.send(data);
  }

  /** Resolves with the close code (and reason) once the server closes. */
  whenClosed(): Promise<{ code: number; reason: string }> {
    if (this.closed) return Promise.resolve(this.closed);
    return new Promise((r) => this.ws.once("close", (code, reason) => r({ code, reason: reason.toString() })));
  }
}

/** Opens a WebSocket; resolves with the socket, or with the HTTP status of a refused upgrade. */
export function openWebSocket(url: string, opts: { headers?: Record<string, string>; ca?: string } = {}): Promise<ConsoleSocket | { status: number }> {
  const ws = new WebSocket(url, ["binary"], { headers: opts.headers, ca: opts.ca, perMessageDeflate: false });
  return new Promise((resolve, reject) => {
    const socket = new ConsoleSocket(ws); // listens from the start: no early frame is lost
    ws.once("open", () => resolve(socket));
    ws.once("unexpected-response", (_req, res) => resolve({ status: res.statusCode ?? 0 }));
    ws.once("error", reject);
  });
}
