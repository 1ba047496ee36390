// The two RFB handshakes the broker performs (RFC 6143 §7.1-7.2): as a client towards Proxmox,
// answering VNC Authentication itself, and as a server towards the browser, offering only the
// security type None. The VNC password never leaves this process (I4, I9).
import { createCipheriv } from "node:crypto";
import type { WebSocket } from "ws";

const VERSION_38 = Buffer.from("RFB 003.008\n", "latin1");
const SECURITY_NONE = 1;
const SECURITY_VNC_AUTH = 2;

export class RfbHandshakeError extends Error {}

function reverseBits(b: number): number {
  let r = 0;
  for (let i = 0; i < 8; i++) r |= ((b >> i) & 1) << (7 - i);
  return r;
}

/**
 * VNC Authentication: DES-encrypt the 16-byte challenge with the password (first 8 bytes, zero
 * padded, each byte's bits mirrored). OpenSSL 3 keeps single DES in its legacy provider only;
 * two-key 3DES with K1 = K2 computes exactly single DES.
 */
export function vncAuthResponse(password: string, challenge: Buffer): Buffer {
  const key = Buffer.alloc(8);
  Buffer.from(password, "latin1").copy(key, 0, 0, 8);
  for (let i = 0; i < 8; i++) key[i] = reverseBits(key[i]);
  const cipher = createCipheriv("des-ede-ecb", Buffer.concat([key, key]), null);
  cipher.setAutoPadding(false);
  return Buffer.concat([cipher.update(challenge), cipher.final()]);
}

/** Reads exact byte counts from a WebSocket's binary messages until detached. */
export class FrameReader {
  private buf: Buffer = Buffer.alloc(0);
  private waiting: (() => void) | null = null;
  private ended: Error | null = null;
  private readonly onMessage = (data: Buffer) => {
    this.buf = this.buf.length ? Buffer.concat([this.buf, data]) : data;
    this.waiting?.();
  };
  private readonly onClose = () => {
    this.ended = new RfbHandshakeError("socket closed during the handshake");
    this.waiting?.();
  };

  constructor(private readonly ws: WebSocket) {
    ws.on("message", this.onMessage);
    ws.on("close", this.onClose);
  }

  async read(n: number): Promise<Buffer> {
    while (this.buf.length < n) {
      if (this.ended) throw this.ended;
      await new Promise<void>((resolve) => (this.waiting = resolve));
      this.waiting = null;
    }
    const out = this.buf.subarray(0, n);
    this.buf = this.buf.subarray(n);
    return out;
  }

  /** Stops reading; returns bytes received beyond the handshake (to relay first). */
  detach(): Buffer {
    this.ws.off("message", this.onMessage);
    this.ws.off("close", this.onClose);
    return this.buf;
  }
}

/** Client side towards Proxmox: version 3.8, VNC Authentication with `password`, SecurityResult. */
export async function authenticateUpstream(ws: WebSocket, reader: FrameReader, password: string): Promise<void> {
  const version = /^RFB 003\.(\d{3})\n$/.exec((await reader.read(12)).toString("latin1"));
  if (!version || Number(version[1]) < 8) throw new RfbHandshakeError("upstream does not speak RFB 3.8");
  ws.send(VERSION_38);
  const count = (await reader.read(1))[0];
  if (count === 0) throw new RfbHandshakeError("upstream refused the connection");
  const types = [...(await reader.read(count))];
  // qemu's VNC server offers VNC Authentication when a password is set, as vncproxy does.
  const type = types.includes(SECURITY_VNC_AUTH) ? SECURITY_VNC_AUTH : types.includes(SECURITY_NONE) ? SECURITY_NONE : null;
  if (type === null) throw new RfbHandshakeError("upstream offers no usable security type");
  ws.send(Buffer.from([type]));
  if (type === SECURITY_VNC_AUTH) ws.send(vncAuthResponse(password, await reader.read(16)));
  if ((await reader.read(4)).readUInt32BE(0) !== 0) throw new RfbHandshakeError("upstream refused the VNC password");
}

/** Server side towards the browser: version 3.8, only security type None, SecurityResult OK. */
export async function greetBrowser(ws: WebSocket, reader: FrameReader): Promise<void> {
  ws.send(VERSION_38);
  const version = (await reader.read(12)).toString("latin1");
  if (version !== VERSION_38.toString("latin1")) throw new RfbHandshakeError("browser must speak RFB 3.8");
  ws.send(Buffer.from([1, SECURITY_NONE]));
  if ((await reader.read(1))[0] !== SECURITY_NONE) throw new RfbHandshakeError("browser chose a security type not offered");
  ws.send(Buffer.from([0, 0, 0, 0]));
}
