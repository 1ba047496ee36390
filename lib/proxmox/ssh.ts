// SSH to a Proxmox node for the one thing the API cannot do: writing cloud-init snippet files
// (storage upload does not accept them). Every node is its own SSH host with its own pinned host
// key (`SHA256:…`), so the connection goes to the node the VM lives on.
// Commands are built from validated tokens only, never from a string with user input in it, so
// no shell injection is possible.
import fs from "node:fs";
import { createHash } from "node:crypto";
import { Client, type ConnectConfig } from "ssh2";
import { env } from "@/lib/env";
import type { SaysStepRetry, StepRetry } from "@/lib/errors";
import { isLockMessage } from "@/lib/proxmox/errors";

export class SshCommandError extends Error implements SaysStepRetry {
  constructor(
    readonly command: string,
    readonly code: number | null,
    readonly stderr: string,
  ) {
    super(`remote command failed (${code}): ${command}: ${stderr.trim()}`);
  }

  /** `qm` over SSH waits for the same config lock as the API (lib/proxmox/tasks.ts isLockError). */
  get stepRetry(): StepRetry {
    return isLockMessage(this.stderr) ? "soon" : "retry";
  }
}

/** The server answered an SFTP request with an error status (e.g. 2: no such file or directory). */
export class SftpStatusError extends Error {
  constructor(
    readonly path: string,
    readonly code: number,
    message: string,
  ) {
    super(`sftp ${path}: ${message}`);
    this.name = "SftpStatusError";
  }

  /** SSH_FX_NO_SUCH_FILE: a directory on the path does not exist. */
  get noSuchFile(): boolean {
    return this.code === 2;
  }
}

// Every token of every command must match this: integers, key=value pairs, paths, flags.
const SAFE_TOKEN = /^[A-Za-z0-9_./:=,@+-]+$/;

export function buildCommand(tokens: (string | number)[]): string {
  return tokens
    .map((t) => {
      const s = String(t);
      if (!SAFE_TOKEN.test(s) || s.includes("..")) throw new Error(`unsafe command token refused: ${JSON.stringify(s)}`);
      return s;
    })
    .join(" ");
}

/** One node's SSH daemon and the fingerprint its host key must have. */
export type SshTarget = { host: string; port: number; hostFingerprint: string };

const bareFingerprint = (fp: string) =>
  fp
    .trim()
    .replace(/^SHA256:/, "")
    .replace(/=+$/, "");

/** `SHA256:<base64>` of a host key blob, as `ssh-keygen -l` prints it. */
export function hostKeyFingerprint(key: Buffer): string {
  return `SHA256:${bareFingerprint(createHash("sha256").update(key).digest("base64"))}`;
}

function connectConfig(target: SshTarget, onHostKey?: (fingerprint: string) => void): ConnectConfig {
  const e = env();
  return {
    host: target.host,
    port: target.port,
    username: e.PROXMOX_SSH_USER,
    privateKey: fs.readFileSync(e.PROXMOX_SSH_KEY_FILE),
    readyTimeout: 20_000,
    hostVerifier: (key: Buffer) => {
      const seen = hostKeyFingerprint(key);
      onHostKey?.(seen);
      return bareFingerprint(seen) === bareFingerprint(target.hostFingerprint);
    },
  };
}

/** The first node's SSH daemon from PROXMOX_SSH_* (the seed's defaults for that node). */
export function envSshTarget(): SshTarget {
  const e = env();
  return { host: e.PROXMOX_SSH_HOST, port: e.PROXMOX_SSH_PORT, hostFingerprint: e.PROXMOX_SSH_HOST_FINGERPRINT };
}

// No remote command or upload the product sends takes more than seconds; a hung channel must fail
// the step (and be retried) rather than hold an Inngest step forever.
const COMMAND_TIMEOUT_MS = 60_000;

function withTimeout<T>(what: string, work: (onTimeout: (cleanup: () => void) => void) => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  let cleanup = () => {};
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      cleanup();
      reject(new Error(`ssh: ${what} timed out after ${COMMAND_TIMEOUT_MS / 1000} s`));
    }, COMMAND_TIMEOUT_MS);
  });
  return Promise.race([work((c) => (cleanup = c)), timeout]).finally(() => clearTimeout(timer));
}

export type SshSession = {
  exec(tokens: (string | number)[]): Promise<{ stdout: string; stderr: string }>;
  writeFile(path: string, content: string): Promise<void>;
};

/**
 * @deprecated Connects to PROXMOX_SSH_* only, which is right for the first node alone: use
 * `withSsh(await nodeSshTarget(node), …)` (lib/proxmox/node-access.ts) for the VM's own node.
 */
export function withProxmoxSsh<T>(work: (session: SshSession) => Promise<T>): Promise<T> {
  return withSsh(envSshTarget(), work);
}

// Connections are kept open for a moment and shared by the work that needs the same node: a burst
// of orders uploads its snippets over a few connections instead of one handshake each. OpenSSH
// allows 10 sessions (channels) per connection by default (sshd_config MaxSessions): a connection
// carries at most MAX_SESSIONS pieces of work at once, more open another one.
const MAX_SESSIONS = 8;
const IDLE_CLOSE_MS = 10_000;
type Pooled = { client: Client; ready: Promise<void>; users: number; broken: boolean; idle?: NodeJS.Timeout };
const pool = new Map<string, Pooled[]>();

const poolKey = (target: SshTarget) => `${target.host}:${target.port}:${bareFingerprint(target.hostFingerprint)}`;

function drop(key: string, conn: Pooled) {
  conn.broken = true;
  clearTimeout(conn.idle);
  pool.set(
    key,
    (pool.get(key) ?? []).filter((c) => c !== conn),
  );
  conn.client.end();
}

function lease(target: SshTarget): { key: string; conn: Pooled } {
  const key = poolKey(target);
  const open = (pool.get(key) ?? []).find((c) => !c.broken && c.users < MAX_SESSIONS);
  if (open) {
    clearTimeout(open.idle);
    open.users++;
    return { key, conn: open };
  }
  const client = new Client();
  const conn: Pooled = {
    client,
    users: 1,
    broken: false,
    ready: new Promise<void>((resolve, reject) => {
      client.once("ready", () => resolve()).once("error", reject);
      client.connect(connectConfig(target));
      // Small request/answer packets: without TCP_NODELAY each exchange waits on Nagle and the
      // peer's delayed ACK (40 ms on Linux), several times per upload.
      client.setNoDelay(true);
    }),
  };
  // Errors after "ready" (connection reset) fail the command in flight via its timeout/close;
  // without a listener they would crash the process. Either way the connection is not reused.
  client.on("error", () => drop(key, conn));
  client.on("close", () => drop(key, conn));
  pool.set(key, [...(pool.get(key) ?? []), conn]);
  return { key, conn };
}

function giveBack(key: string, conn: Pooled, failed: boolean) {
  conn.users--;
  if (failed) return drop(key, conn);
  if (conn.users === 0 && !conn.broken) {
    conn.idle = setTimeout(() => drop(key, conn), IDLE_CLOSE_MS);
    conn.idle.unref();
  }
}

/** Closes every kept connection (tests that restart the stand-in with new host keys). */
export function closeSshConnections(): void {
  for (const [key, conns] of pool) for (const conn of conns) drop(key, conn);
}

/**
 * Runs `work` over a connection to `target` (host key pinned), opened for it or kept from earlier
 * work on the same node. A connection whose work failed other than by a command's exit code is
 * not reused.
 */
export async function withSsh<T>(target: SshTarget, work: (session: SshSession) => Promise<T>): Promise<T> {
  const { key, conn } = lease(target);
  let failed = false;
  try {
    await conn.ready;
    const { client } = conn;
    const session: SshSession = {
      exec: (tokens) => {
        const command = buildCommand(tokens);
        return withTimeout(`"${tokens[0]} ${tokens[1] ?? ""}"`, (onTimeout) => execCommand(client, command, onTimeout));
      },
      writeFile: (path, content) => withTimeout(`upload of ${path}`, (onTimeout) => writeRemoteFile(client, path, content, onTimeout)),
    };
    return await work(session);
  } catch (error) {
    failed = !(error instanceof SshCommandError) && !(error instanceof SftpStatusError);
    throw error;
  } finally {
    giveBack(key, conn, failed);
  }
}

function execCommand(client: Client, command: string, onTimeout: (cleanup: () => void) => void): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    client.exec(command, (error, stream) => {
      if (error) return reject(error);
      onTimeout(() => stream.close());
      let stdout = "";
      let stderr = "";
      stream.on("data", (d: Buffer) => (stdout += d.toString()));
      stream.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
      stream.on("close", (code: number | null) => (code === 0 ? resolve({ stdout, stderr }) : reject(new SshCommandError(command, code, stderr))));
    });
  });
}

function writeRemoteFile(client: Client, path: string, content: string, onTimeout: (cleanup: () => void) => void): Promise<void> {
  buildCommand([path]); // same token rule for paths
  return new Promise((resolve, reject) => {
    client.sftp((error, sftp) => {
      if (error) return reject(error);
      onTimeout(() => sftp.end());
      sftp.writeFile(path, content, { mode: 0o600 }, (err: (Error & { code?: number }) | null | undefined) => {
        sftp.end();
        if (!err) resolve();
        // An SFTP status (no such directory, permission denied) answers the request; the connection is fine.
        else reject(typeof err.code === "number" ? new SftpStatusError(path, err.code, err.message) : err);
      });
    });
  });
}

/**
 * Connects and authenticates without running anything (the operator's preflight): reports the
 * host key the daemon presented, whether it matched the pinned one, and any error.
 */
export async function probeSsh(target: SshTarget): Promise<{ ok: boolean; presented: string | null; error?: string }> {
  let presented: string | null = null;
  const client = new Client();
  try {
    await new Promise<void>((resolve, reject) => {
      client
        .once("ready", () => resolve())
        .once("error", reject)
        .connect(connectConfig(target, (fp) => (presented = fp)));
    });
    return { ok: true, presented };
  } catch (err) {
    return { ok: false, presented, error: (err as Error).message };
  } finally {
    client.end();
  }
}
