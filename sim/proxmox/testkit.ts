// Test helpers for the contract tests: start a stand-in on free ports with a throwaway state
// dir, and a tiny typed PVE client over node:https pinned to the stand-in's CA.
import { mkdtempSync, rmSync } from "node:fs";
import https from "node:https";
import os from "node:os";
import path from "node:path";
import { type ProxmoxSimHandle, type ProxmoxSimOptions, startProxmoxSim } from "./index";

export interface PveResponse<T = unknown> {
  status: number;
  reason: string;
  body: { data: T; errors?: Record<string, string>; message?: string };
}

export interface TaskStatus {
  upid: string;
  status: "running" | "stopped";
  exitstatus?: string;
  type: string;
  node: string;
}

export class PveClient {
  private readonly agent: https.Agent;

  constructor(
    private readonly base: string,
    ca: string | undefined,
    private readonly auth: string | null,
  ) {
    this.agent = new https.Agent({ ca, keepAlive: false });
  }

  request<T = unknown>(
    method: string,
    apiPath: string,
    params?: Record<string, string | number>,
    opts: { json?: boolean; signal?: AbortSignal } = {},
  ): Promise<PveResponse<T>> {
    const query = method === "GET" && params ? `?${new URLSearchParams(stringify(params))}` : "";
    const payload = method !== "GET" && params ? (opts.json ? JSON.stringify(params) : new URLSearchParams(stringify(params)).toString()) : undefined;
    const headers: Record<string, string | number> = {};
    if (this.auth) headers.authorization = this.auth;
    if (payload !== undefined) {
      headers["content-type"] = opts.json ? "application/json" : "application/x-www-form-urlencoded";
      headers["content-length"] = Buffer.byteLength(payload);
    }
    return new Promise((resolve, reject) => {
      const req = https.request(`${this.base}${apiPath}${query}`, { method, agent: this.agent, headers, signal: opts.signal }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          resolve({ status: res.statusCode ?? 0, reason: res.statusMessage ?? "", body: text ? JSON.parse(text) : undefined });
        });
      });
      req.on("error", reject);
      if (payload !== undefined) req.write(payload);
      req.end();
    });
  }

  /** The `data` of a 200, or throws with status and reason (PVE's error text). */
  async call<T = unknown>(method: string, apiPath: string, params?: Record<string, string | number>): Promise<T> {
    const res = await this.request<T>(method, apiPath, params);
    if (res.status !== 200) throw Object.assign(new Error(`${res.status} ${res.reason}`), { response: res });
    return res.body.data;
  }

  async waitTask(upid: string, timeoutMs = 10_000): Promise<TaskStatus> {
    const node = upid.split(":")[1];
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const status = await this.call<TaskStatus>("GET", `/nodes/${node}/tasks/${encodeURIComponent(upid)}/status`);
      if (status.status === "stopped") return status;
      if (Date.now() > deadline) throw new Error(`task ${upid} still running`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

/** Plain JSON/text call to the control API (`/_sim/*`, no auth). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each test reads the control answer it asked for
export function control(sim: ProxmoxSimHandle, method: string, controlPath: string, body?: unknown): Promise<{ status: number; text: string; json: any }> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  const headers: Record<string, string | number> = payload ? { "content-type": "application/json", "content-length": Buffer.byteLength(payload) } : {};
  return new Promise((resolve, reject) => {
    const req = https.request(`${sim.url}${controlPath}`, { method, ca: sim.caCertPem, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, text, json });
      });
    });
    req.on("error", reject);
    if (payload) req.write(payload);
    req.end();
  });
}

function stringify(params: Record<string, string | number>): Record<string, string> {
  return Object.fromEntries(Object.entries(params).map(([k, v]) => [k, String(v)]));
}

export interface TestSim {
  sim: ProxmoxSimHandle;
  api: PveClient;
  stateDir: string;
  stop(): Promise<void>;
}

export async function startTestSim(opts: Partial<ProxmoxSimOptions> = {}): Promise<TestSim> {
  const stateDir = opts.stateDir ?? mkdtempSync(path.join(os.tmpdir(), "proxmox-sim-"));
  const sim = await startProxmoxSim({ port: 0, sshPort: 0, taskDurationMs: 60, ...opts, stateDir });
  const api = new PveClient(sim.apiBase, sim.caCertPem, `PVEAPIToken=${sim.tokenId}=${sim.tokenSecret}`);
  return {
    sim,
    api,
    stateDir,
    async stop() {
      await sim.close();
      if (!opts.stateDir) rmSync(stateDir, { recursive: true, force: true });
    },
  };
}

/** A clone of template 9000 that has finished (lock cleared). */
export async function cloneReady(t: TestSim, newid: number, extra: Record<string, string> = {}) {
  const upid = await t.api.call<string>("POST", "/nodes/pve1/qemu/9000/clone", { newid, name: `lab-${newid}`, full: 1, ...extra });
  const status = await t.api.waitTask(upid);
  if (status.exitstatus !== "OK") throw new Error(`clone failed: ${status.exitstatus}`);
  return upid;
}

/** Runs one command over SSH on `node`'s own daemon (its port, its pinned host key). */
export async function sshOnNode(
  t: TestSim,
  node: string,
  work: { exec?: string; write?: { path: string; content: string } },
): Promise<{ code: number; stdout: string; stderr: string }> {
  const { Client } = await import("ssh2");
  const { readFileSync } = await import("node:fs");
  const { sshFingerprint } = await import("./material");
  const target = t.sim.sshNodes.find((n) => n.node === node);
  if (!target) throw new Error(`no SSH daemon for ${node}`);
  const client = new Client();
  await new Promise<void>((resolve, reject) =>
    client
      .on("ready", () => resolve())
      .on("error", reject)
      .connect({
        host: target.host,
        port: target.port,
        username: "root",
        privateKey: readFileSync(t.sim.sshClientKeyPath),
        hostVerifier: (key: Buffer) => sshFingerprint(key) === target.hostFingerprint,
      }),
  );
  try {
    if (work.write) {
      const { path: file, content } = work.write;
      await new Promise<void>((resolve, reject) =>
        client.sftp((err, sftp) => (err ? reject(err) : sftp.writeFile(file, content, (e) => (sftp.end(), e ? reject(e) : resolve())))),
      );
      if (!work.exec) return { code: 0, stdout: "", stderr: "" };
    }
    return await new Promise((resolve, reject) =>
      client.exec(work.exec ?? "true", (err, stream) => {
        if (err) return reject(err);
        const out = { code: -1, stdout: "", stderr: "" };
        stream.on("data", (d: Buffer) => (out.stdout += d));
        stream.stderr.on("data", (d: Buffer) => (out.stderr += d));
        stream.on("exit", (c: number) => (out.code = c));
        stream.on("close", () => resolve(out));
      }),
    );
  } finally {
    client.end();
  }
}
