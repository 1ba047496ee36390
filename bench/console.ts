// Console relay benchmark (issue 9): our broker against websockify (noVNC's own relay, Debian
// package `websockify`), both relaying the Proxmox stand-in's RFB console. Prints a table; asserts
// nothing.   npm run bench:console   (needs `apt-get install -y websockify`)
//
// Paths measured, each with a client doing what noVNC does on the wire:
//   direct TCP      the stand-in's plain RFB port (security None)             — websockify's upstream
//   direct PVE WSS  the stand-in's vncwebsocket (TLS, token, VNC auth)        — our relay's upstream
//   websockify      ws:// → websockify → TCP RFB port
//   our relay       ws:// → lib/console broker (child process) → vncproxy + vncwebsocket
// "added" latency is each relay's RTT minus its own upstream's RTT.
//   throughput: full-screen Raw updates (640×400×4 B) with 4 requests in flight, BENCH_SECONDS (3)
//   latency:    a 1×1 non-incremental update request → reply, BENCH_SAMPLES (1000) in sequence
//   memory:     BENCH_CONSOLES (200) consoles open and idle; relay PSS growth / consoles
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { WebSocket } from "ws";
import { percentile } from "./lib/load";
import { freePort } from "./lib/app-server";
import { TSX_SERVER_FLAGS } from "../scripts/server-bundle";
import { type VncProxyTicket, vncPasswordOf, PveClient } from "@lab-vps/sim/testkit";
import { ConsoleSocket, RfbStream } from "../test/fixtures/console-rfb";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 1000);
const CONSOLES = Number(process.env.BENCH_CONSOLES ?? 200);
const W = 640;
const H = 400;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

class TcpRfb extends RfbStream {
  constructor(readonly socket: net.Socket) {
    super();
    socket.setNoDelay(true);
    socket.on("data", (d) => this.received(d));
    socket.on("close", () => this.ended(0, "closed"));
  }
  protected write(data: Buffer) {
    this.socket.write(data);
  }
  close() {
    this.socket.destroy();
  }
}

const VMID = 100;
type SimInfo = { env: Record<string, string>; apiBase: string; caCertPem: string; tokenId: string; tokenSecret: string; vncTcpPort: number };
const simChild = spawn(process.execPath, ["--import", "tsx", path.join(import.meta.dirname, "console-sim.ts")], {
  stdio: ["ignore", "pipe", "inherit", "ipc"],
});
const sim = await new Promise<SimInfo>((resolve, reject) => {
  let out = "";
  simChild.stdout!.on("data", (d: Buffer) => {
    out += d.toString();
    const line = out.split("\n").find((l) => l.startsWith("{"));
    if (line) resolve(JSON.parse(line) as SimInfo);
  });
  simChild.once("exit", (code) => reject(new Error(`stand-in exited ${code}`)));
});
const pveApi = new PveClient(sim.apiBase, sim.caCertPem, `PVEAPIToken=${sim.tokenId}=${sim.tokenSecret}`);

function openWs(url: string, opts: { headers?: Record<string, string>; ca?: string } = {}): Promise<ConsoleSocket> {
  const ws = new WebSocket(url, ["binary"], { ...opts, perMessageDeflate: false });
  const socket = new ConsoleSocket(ws);
  return new Promise((resolve, reject) => {
    ws.once("open", () => resolve(socket));
    ws.once("error", reject);
    ws.once("unexpected-response", (_q, res) => reject(new Error(`HTTP ${res.statusCode}`)));
  });
}

async function spawnRelay(): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, ["--expose-gc", ...TSX_SERVER_FLAGS, path.join(import.meta.dirname, "console-relay.ts")], {
    env: { ...process.env, BENCH_SIM_ENV: JSON.stringify(sim.env), BENCH_NODE: "pve1", BENCH_VMID: String(VMID) },
    stdio: ["ignore", "pipe", "inherit", "ipc"],
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout!.on("data", (d: Buffer) => {
      const m = /listening (\d+)/.exec(d.toString());
      if (m) resolve(Number(m[1]));
    });
    child.once("exit", (code) => reject(new Error(`relay exited ${code}`)));
  });
  return { child, port };
}

async function spawnWebsockify(target: number): Promise<{ child: ChildProcess; port: number }> {
  const port = await freePort();
  const child = spawn("websockify", [`127.0.0.1:${port}`, `127.0.0.1:${target}`], { stdio: "ignore" });
  for (let i = 0; i < 100; i++) {
    const up = await new Promise<boolean>((r) =>
      net
        .connect(port, "127.0.0.1")
        .once("connect", function (this: net.Socket) {
          this.destroy();
          r(true);
        })
        .once("error", () => r(false)),
    );
    if (up) return { child, port };
    await sleep(100);
  }
  throw new Error("websockify did not start");
}

const relay = await spawnRelay();
const wsfy = await spawnWebsockify(sim.vncTcpPort);

type Path = { name: string; open(): Promise<RfbStream & { close?: () => void; ws?: WebSocket }> };
const paths: Record<string, Path> = {
  tcp: {
    name: "direct TCP",
    open: async () =>
      new TcpRfb(
        await new Promise<net.Socket>((r) => {
          const s = net.connect(sim.vncTcpPort, "127.0.0.1", () => r(s));
        }),
      ),
  },
  pve: {
    name: "direct PVE WSS",
    open: async () => {
      const proxy = await pveApi.call<VncProxyTicket>("POST", `/nodes/pve1/qemu/${VMID}/vncproxy`, { websocket: 1, "generate-password": 1 });
      const q = new URLSearchParams({ port: proxy.port, vncticket: proxy.ticket });
      const s = await openWs(`${sim.apiBase.replace(/^https/, "wss")}/nodes/pve1/qemu/${VMID}/vncwebsocket?${q}`, {
        ca: sim.caCertPem,
        headers: { authorization: `PVEAPIToken=${sim.tokenId}=${sim.tokenSecret}` },
      });
      (s as unknown as { password: string }).password = vncPasswordOf(proxy);
      return s;
    },
  },
  websockify: { name: "websockify", open: () => openWs(`ws://127.0.0.1:${wsfy.port}/`) },
  relay: { name: "our relay", open: () => openWs(`ws://127.0.0.1:${relay.port}/console/ws?t=bench`) },
};

const closeConn = (c: RfbStream & { close?: () => void; ws?: WebSocket }) => (c.ws ? c.ws.terminate() : c.close?.());

async function throughput(p: Path): Promise<number> {
  const c = await p.open();
  await c.handshake((c as unknown as { password?: string }).password);
  const fb = Buffer.alloc(W * H * 4);
  const full = [3, 0, 0, 0, 0, 0, W >> 8, W & 255, H >> 8, H & 255];
  for (let i = 0; i < 4; i++) c.send(full);
  let bytes = 0;
  const start = process.hrtime.bigint();
  const until = Date.now() + SECONDS * 1000;
  while (Date.now() < until) {
    bytes += await c.readUpdate(fb, W);
    c.send(full);
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  for (let i = 0; i < 4; i++) await c.readUpdate(fb, W);
  closeConn(c);
  return bytes / seconds / 1e6;
}

async function latency(p: Path): Promise<{ p50: number; p99: number }> {
  const c = await p.open();
  await c.handshake((c as unknown as { password?: string }).password);
  const fb = Buffer.alloc(W * H * 4);
  const samples: number[] = [];
  for (let i = 0; i < SAMPLES + 100; i++) {
    const start = process.hrtime.bigint();
    await c.update(fb, W, [0, 0, 1, 1]);
    if (i >= 100) samples.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  closeConn(c);
  samples.sort((a, b) => a - b);
  return { p50: percentile(samples, 50), p99: percentile(samples, 99) };
}

function treePss(pid: number): number {
  const pids = [pid];
  for (let i = 0; i < pids.length; i++) {
    try {
      pids.push(
        ...execFileSync("pgrep", ["-P", String(pids[i])])
          .toString()
          .trim()
          .split("\n")
          .filter(Boolean)
          .map(Number),
      );
    } catch {
      // no children
    }
  }
  let total = 0;
  for (const p of pids) {
    try {
      const m = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${p}/smaps_rollup`, "utf8"));
      total += m ? Number(m[1]) * 1024 : 0;
    } catch {
      // exited meanwhile
    }
  }
  return total;
}

const relayMem = () =>
  new Promise<number>((resolve) => {
    relay.child.once("message", (m) => resolve((m as { pss: number }).pss));
    relay.child.send("mem");
  });

async function memoryPerConsole(p: Path, measure: () => Promise<number>): Promise<number> {
  await sleep(500);
  const before = await measure();
  const open: Array<RfbStream & { ws?: WebSocket; close?: () => void }> = [];
  for (let i = 0; i < CONSOLES; i += 20) {
    await Promise.all(
      Array.from({ length: Math.min(20, CONSOLES - i) }, async () => {
        const c = await p.open();
        await c.handshake();
        open.push(c);
      }),
    );
  }
  await sleep(2000);
  const after = await measure();
  open.forEach(closeConn);
  return (after - before) / CONSOLES;
}

const rows: string[][] = [];
const results: Record<string, { mbps: number; p50: number; p99: number }> = {};
for (const key of ["tcp", "pve", "websockify", "relay"] as const) {
  const mbps = await throughput(paths[key]);
  const lat = await latency(paths[key]);
  results[key] = { mbps, ...lat };
}
const relayPerConsole = await memoryPerConsole(paths.relay, relayMem);
const wsfyPerConsole = await memoryPerConsole(paths.websockify, async () => treePss(wsfy.child.pid!));

const f = (n: number, d = 2) => n.toFixed(d);
const added = (via: string, base: string, k: "p50" | "p99") => results[via][k] - results[base][k];
const share = (via: string, base: string) => `${f((100 * results[via].mbps) / results[base].mbps, 0)} %`;
rows.push(["path", "throughput MB/s", "of its upstream", "RTT p50 ms", "RTT p99 ms", "added p50 / p99 ms"]);
rows.push([paths.tcp.name, f(results.tcp.mbps, 0), "—", f(results.tcp.p50, 3), f(results.tcp.p99, 3), "—"]);
rows.push([paths.pve.name, f(results.pve.mbps, 0), "—", f(results.pve.p50, 3), f(results.pve.p99, 3), "—"]);
rows.push([
  paths.websockify.name,
  f(results.websockify.mbps, 0),
  share("websockify", "tcp"),
  f(results.websockify.p50, 3),
  f(results.websockify.p99, 3),
  `${f(added("websockify", "tcp", "p50"), 3)} / ${f(added("websockify", "tcp", "p99"), 3)}`,
]);
rows.push([
  paths.relay.name,
  f(results.relay.mbps, 0),
  share("relay", "pve"),
  f(results.relay.p50, 3),
  f(results.relay.p99, 3),
  `${f(added("relay", "pve", "p50"), 3)} / ${f(added("relay", "pve", "p99"), 3)}`,
]);
const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
console.log(`\nconsole relay benchmark (${SECONDS} s throughput, ${SAMPLES} RTT samples, ${CONSOLES} idle consoles)\n`);
for (const r of rows) console.log(r.map((c, i) => c.padEnd(widths[i])).join("  "));
console.log(
  `\nmemory per idle console (PSS growth / ${CONSOLES}): our relay ${f(relayPerConsole / 1024, 1)} KB, websockify ${f(wsfyPerConsole / 1024, 1)} KB (process per connection)`,
);
console.log(
  `load average ${os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(" ")} on ${os.cpus().length} CPUs (numbers are noisy on a busy machine)`,
);
console.log(
  `targets: throughput ≥ websockify: ${results.relay.mbps >= results.websockify.mbps ? "met" : "MISSED"}; added p99 ≤ websockify's + 1 ms: ${added("relay", "pve", "p99") <= added("websockify", "tcp", "p99") + 1 ? "met" : "MISSED"}; ≤ 200 KB per idle console: ${relayPerConsole <= 200 * 1024 ? "met" : "MISSED"}`,
);

relay.child.kill();
wsfy.child.kill();
simChild.kill();
process.exit(0);
