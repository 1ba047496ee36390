// A minimal RFB 3.8 viewer for tests: opens the stand-in's `vncwebsocket` with the `ws` package
// (token header + pinned CA, which a browser cannot do), answers VNC Authentication with noVNC's
// own DES, and reads Raw framebuffer updates. Used by vnc.test.ts and e2e/stand-ins.spec.ts.
import { createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { WebSocket } from "ws";

export interface VncProxyTicket {
  user: string;
  ticket: string;
  port: string;
  upid: string;
  cert: string;
  /** PVE 9 always; PVE 8 only with generate-password=1 (else the ticket is the password). */
  password?: string;
}

/** What VNC Authentication expects for a vncproxy answer: `password ?? ticket` (both PVE lines). */
export const vncPasswordOf = (proxy: VncProxyTicket) => proxy.password ?? proxy.ticket;

/** What opening a console needs from the stand-in's handle. */
export interface ConsoleTarget {
  apiBase: string;
  caCertPem: string;
  tokenId: string;
  tokenSecret: string;
}

/** noVNC's pixel format (32 bpp little-endian, red at shift 0): bytes arrive as R, G, B, pad. */
export const RGBX_PIXEL_FORMAT = Buffer.from([32, 24, 0, 1, 0, 255, 0, 255, 0, 255, 0, 8, 16, 0, 0, 0]);

type NoVncDes = { importKey(key: number[]): { encrypt(alg: unknown, data: Uint8Array): Uint8Array } };
let des: NoVncDes | undefined;

/** The VNC Authentication response, computed by noVNC's DES (an implementation independent of the stand-in's). */
export async function vncResponse(password: string, challenge: Buffer): Promise<Buffer> {
  if (!des) {
    // The package exports only core/rfb.js; des.js sits next to it.
    const file = path.join(path.dirname(createRequire(import.meta.url).resolve("@novnc/novnc")), "crypto/des.js");
    ({ DESECBCipher: des } = (await import(/* @vite-ignore */ pathToFileURL(file).href)) as { DESECBCipher: NoVncDes });
  }
  const key = des.importKey([...password].map((c) => c.charCodeAt(0)));
  return Buffer.from(key.encrypt({ name: "DES-ECB" }, new Uint8Array(challenge)));
}

/** A WebSocket with a byte-stream reader, as an RFB client needs. */
export class RfbClient {
  private buf = Buffer.alloc(0);
  private waiting: (() => void) | null = null;
  closed = false;

  constructor(readonly ws: WebSocket) {
    ws.on("message", (d: Buffer) => {
      this.buf = Buffer.concat([this.buf, d]);
      this.waiting?.();
    });
    ws.on("close", () => {
      this.closed = true;
      this.waiting?.();
    });
  }

  async read(n: number): Promise<Buffer> {
    while (this.buf.length < n) {
      if (this.closed) throw new Error(`socket closed while waiting for ${n} bytes`);
      await new Promise<void>((r) => (this.waiting = r));
    }
    const out = this.buf.subarray(0, n);
    this.buf = this.buf.subarray(n);
    return out;
  }

  send(...bytes: Array<Buffer | number[]>) {
    this.ws.send(Buffer.concat(bytes.map((b) => Buffer.from(b))));
  }
}

/** Opens `…/vncwebsocket` for a ticket from `vncproxy`; rejects with `HTTP <status>` when refused. */
export function openConsole(target: ConsoleTarget, node: string, vmid: number, proxy: VncProxyTicket, opts: { auth?: boolean } = {}): Promise<RfbClient> {
  const query = new URLSearchParams({ port: proxy.port, vncticket: proxy.ticket });
  const url = `${target.apiBase.replace(/^https/, "wss")}/nodes/${node}/qemu/${vmid}/vncwebsocket?${query}`;
  const headers = opts.auth === false ? {} : { authorization: `PVEAPIToken=${target.tokenId}=${target.tokenSecret}` };
  const ws = new WebSocket(url, ["binary"], { ca: target.caCertPem, headers });
  return new Promise((resolve, reject) => {
    ws.once("open", () => resolve(new RfbClient(ws)));
    ws.once("unexpected-response", (_req, res) => reject(new Error(`HTTP ${res.statusCode} ${res.statusMessage}`)));
    ws.once("error", reject);
  });
}

export interface Framebuffer {
  width: number;
  height: number;
  name: string;
  /** width × height × 4 bytes in RGBX_PIXEL_FORMAT (R, G, B, pad). */
  pixels: Buffer;
}

/**
 * Version + VNC auth + ClientInit + SetPixelFormat(RGBX) + one full, non-incremental update.
 * Throws on anything unexpected, so a caller's assertion sees a real framebuffer or nothing.
 */
export async function captureFramebuffer(c: RfbClient, password: string): Promise<Framebuffer> {
  const version = (await c.read(12)).toString();
  if (version !== "RFB 003.008\n") throw new Error(`unexpected ProtocolVersion ${JSON.stringify(version)}`);
  c.send(Buffer.from("RFB 003.008\n"));
  const types = [...(await c.read((await c.read(1))[0]))];
  if (!types.includes(2)) throw new Error(`server offers no VNC Authentication (types ${types})`);
  c.send([2]);
  c.send(await vncResponse(password, await c.read(16)));
  const result = (await c.read(4)).readUInt32BE(0);
  if (result !== 0) throw new Error(`SecurityResult ${result}`);
  c.send([1]); // ClientInit, shared
  const init = await c.read(24);
  const width = init.readUInt16BE(0);
  const height = init.readUInt16BE(2);
  const name = (await c.read(init.readUInt32BE(20))).toString();
  c.send([0, 0, 0, 0], RGBX_PIXEL_FORMAT);
  c.send([2, 0, 0, 1, 0, 0, 0, 0]); // SetEncodings: Raw
  c.send([3, 0, 0, 0, 0, 0, width >> 8, width & 255, height >> 8, height & 255]);
  const pixels = Buffer.alloc(width * height * 4);
  const head = await c.read(4);
  if (head[0] !== 0) throw new Error(`expected FramebufferUpdate, got message type ${head[0]}`);
  for (let i = 0; i < head.readUInt16BE(2); i++) {
    const r = await c.read(12);
    const [x, y, w, h, enc] = [r.readUInt16BE(0), r.readUInt16BE(2), r.readUInt16BE(4), r.readUInt16BE(6), r.readInt32BE(8)];
    if (enc !== 0) throw new Error(`expected Raw encoding, got ${enc}`);
    const rect = await c.read(w * h * 4);
    for (let row = 0; row < h; row++) rect.copy(pixels, ((y + row) * width + x) * 4, row * w * 4, (row + 1) * w * 4);
  }
  return { width, height, name, pixels };
}
