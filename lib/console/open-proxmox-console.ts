// The broker's only Proxmox work (the I2 exception): a vncproxy on the VM's own node, then its
// vncwebsocket with the API token and the pinned CA. Called when the browser's socket arrives,
// because the proxy waits only ~10 s for its connection (qemu-server vncproxy).
import fs from "node:fs";
import { WebSocket } from "ws";
import { env } from "@/lib/env";
import { createVncProxy, vncWebsocketPath } from "@/lib/proxmox/api";

export class ConsoleUpstreamError extends Error {
  constructor(readonly status: number | null) {
    super(status ? `upstream answered ${status}` : "upstream unreachable");
  }
}

let ca: string | undefined;

export async function openProxmoxConsole(target: { node: string; vmid: number }): Promise<{ ws: WebSocket; password: string }> {
  const config = env();
  const proxy = await createVncProxy(target.node, target.vmid);
  ca ??= fs.readFileSync(config.PROXMOX_CA_CERT_FILE, "utf8");
  const url = `${config.PROXMOX_API_URL.replace(/\/$/, "").replace(/^https:/, "wss:")}/api2/json${vncWebsocketPath(target.node, target.vmid, proxy.port, proxy.ticket)}`;
  const ws = new WebSocket(url, ["binary"], {
    ca,
    headers: { authorization: `PVEAPIToken=${config.PROXMOX_TOKEN_ID}=${config.PROXMOX_TOKEN_SECRET}` },
    perMessageDeflate: false, // a zlib context per console would cost ~300 KB
    handshakeTimeout: 10_000,
    maxPayload: 8 * 1024 * 1024,
  });
  await new Promise<void>((resolve, reject) => {
    ws.once("open", () => resolve());
    ws.once("unexpected-response", (_req, res) => {
      res.resume();
      reject(new ConsoleUpstreamError(res.statusCode ?? null));
    });
    ws.once("error", () => reject(new ConsoleUpstreamError(null)));
  });
  if (ws.protocol !== "binary") {
    ws.terminate();
    throw new ConsoleUpstreamError(null);
  }
  return { ws, password: proxy.password ?? proxy.ticket };
}
