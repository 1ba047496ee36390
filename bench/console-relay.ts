// Our console relay as its own process for bench/console.ts: the product's broker
// (lib/console/console-broker.ts) with the product's upstream (vncproxy + vncwebsocket, pinned
// CA, own VNC auth). Only the token check is replaced (every upgrade is "bench"'s), so no
// database is needed; that check runs once per open and is not in the relay's data path.
//   parent → { BENCH_SIM_ENV, BENCH_NODE, BENCH_VMID } env; prints "listening <port>";
//   IPC "mem" → { rss, pss } after a GC (run with node --expose-gc --import tsx).
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { testEnv } from "../test/fixtures/env";

Object.assign(process.env, testEnv, JSON.parse(process.env.BENCH_SIM_ENV ?? "{}"));
const { createConsoleBroker } = await import("../lib/console/console-broker");
const { openProxmoxConsole } = await import("../lib/console/open-proxmox-console");

const node = process.env.BENCH_NODE ?? "pve1";
const vmid = Number(process.env.BENCH_VMID ?? 100);
let n = 0;
const broker = createConsoleBroker({
  authorize: async () => ({ ok: true, tokenId: `bench-${++n}`, userId: "bench", vmId: "bench", vmid, node }),
  openUpstream: openProxmoxConsole,
  isVmRunning: async () => true,
  claimSlot: async () => true,
  renewHeld: async () => [],
  onRefused: async () => undefined,
  onOpened: async () => undefined,
  onEnded: async () => undefined,
  allowedOrigin: null,
  log: (line) => void (process.env.BENCH_DEBUG && console.error(line)),
});
const server = createServer((_req, res) => res.writeHead(404).end());
server.on("upgrade", (req, socket, head) => {
  if (!broker.handleUpgrade(req, socket, head)) socket.destroy();
});
server.listen(0, "127.0.0.1", () => console.log(`listening ${(server.address() as AddressInfo).port}`));

function pss(): number {
  const m = /^Pss:\s+(\d+) kB/m.exec(readFileSync("/proc/self/smaps_rollup", "utf8"));
  return m ? Number(m[1]) * 1024 : 0;
}
process.on("message", (msg) => {
  if (msg !== "mem") return;
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  gc?.();
  process.send?.({ rss: process.memoryUsage().rss, pss: pss() });
});
process.on("disconnect", () => process.exit(0));
