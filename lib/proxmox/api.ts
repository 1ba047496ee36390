// The Proxmox operations the product uses, typed. Node names and VMIDs are validated here
// because they are interpolated into URL paths.
import { proxmoxRequest } from "@/lib/proxmox/client";
import { ProxmoxError } from "@/lib/proxmox/errors";

export type Upid = string;
export type ClusterVm = {
  id: string;
  type: "qemu" | "lxc";
  node: string;
  vmid: number;
  name?: string;
  status: string;
  template?: number;
  lock?: string;
  maxcpu?: number;
  maxmem?: number;
  maxdisk?: number;
};
export type ClusterNode = {
  id: string;
  type: "node";
  node: string;
  status: string;
  maxcpu?: number;
  maxmem?: number;
  maxdisk?: number;
  cpu?: number;
  mem?: number;
};
export type TaskStatus = { status: "running" | "stopped"; exitstatus?: string; type?: string; upid?: string };
export type VmConfig = Record<string, string | number | undefined> & { digest: string; lock?: string; name?: string; cores?: number; memory?: number | string };
export type VmCurrentStatus = {
  status: "running" | "stopped";
  qmpstatus?: string;
  lock?: string;
  name?: string;
  vmid: number;
  uptime?: number;
  cpus?: number;
  maxmem?: number;
  maxdisk?: number;
};
export type PowerAction = "start" | "stop" | "shutdown" | "reboot";

const NODE = /^[a-zA-Z0-9][a-zA-Z0-9.-]{0,62}$/;
function node(name: string): string {
  if (!NODE.test(name)) throw new Error(`invalid node name`);
  return name;
}
function vmid(id: number): number {
  if (!Number.isInteger(id) || id < 100 || id > 999_999_999) throw new Error(`invalid vmid`);
  return id;
}
const vmPath = (n: string, id: number) => `/nodes/${node(n)}/qemu/${vmid(id)}`;

export const listClusterVms = async () =>
  (await proxmoxRequest<ClusterVm[]>("GET", "/cluster/resources", { type: "vm" })).filter((r) => r.type === "qemu" || r.type === "lxc");

/**
 * Whether no guest holds `id` anywhere in the cluster. `cluster/resources` hides guests the token
 * may not audit; `GET /cluster/nextid?vmid=` sees them all and answers 400 `errors.vmid` for a
 * taken id (pve-manager PVE/API2/Cluster.pm nextid).
 */
export async function isVmidFree(id: number): Promise<boolean> {
  try {
    return Number(await proxmoxRequest<string | number>("GET", "/cluster/nextid", { vmid: vmid(id) })) === id;
  } catch (error) {
    if (error instanceof ProxmoxError && error.status === 400 && error.errors?.vmid) return false;
    throw error;
  }
}
export const listClusterNodes = () => proxmoxRequest<ClusterNode[]>("GET", "/cluster/resources", { type: "node" });

export const cloneVm = (n: string, templateVmid: number, params: { newid: number; name: string; target?: string; full?: boolean; description?: string }) =>
  proxmoxRequest<Upid>("POST", `${vmPath(n, templateVmid)}/clone`, { ...params, newid: vmid(params.newid), full: params.full ?? true });

/** The config as it is, pending changes NOT applied (`current=1`): what a running VM was started with. */
export const getVmCurrentConfig = (n: string, id: number) => proxmoxRequest<VmConfig>("GET", `${vmPath(n, id)}/config`, { current: 1 });

export const getTaskStatus = (n: string, upid: Upid) => proxmoxRequest<TaskStatus>("GET", `/nodes/${node(n)}/tasks/${encodeURIComponent(upid)}/status`);

/**
 * The worker tasks of `type` (e.g. "qmreboot") still running for a guest on its node. `source:
 * active` matters: the list's default is the archive of finished tasks (pve-manager
 * PVE/API2/Tasks.pm node_tasks). A token sees its own tasks, and everyone's with Sys.Audit.
 */
export const listActiveTasks = (n: string, id: number, type: string) =>
  proxmoxRequest<{ upid: Upid; type: string; status?: string }[]>("GET", `/nodes/${node(n)}/tasks`, { source: "active", vmid: vmid(id), typefilter: type });

export const getVmConfig = (n: string, id: number) => proxmoxRequest<VmConfig>("GET", `${vmPath(n, id)}/config`);

/** Synchronous config write (PUT). Pass the `digest` read before to refuse a concurrent change. */
export const setVmConfig = (n: string, id: number, params: Record<string, string | number | undefined>) =>
  proxmoxRequest<null>("PUT", `${vmPath(n, id)}/config`, params);

export const resizeVmDisk = (n: string, id: number, disk: string, size: string) =>
  proxmoxRequest<Upid | null>("PUT", `${vmPath(n, id)}/resize`, { disk, size });

export const getVmStatus = (n: string, id: number) => proxmoxRequest<VmCurrentStatus>("GET", `${vmPath(n, id)}/status/current`);

export const vmPower = (n: string, id: number, action: PowerAction) => proxmoxRequest<Upid>("POST", `${vmPath(n, id)}/status/${action}`);

export const deleteVm = (n: string, id: number) => proxmoxRequest<Upid>("DELETE", vmPath(n, id), { purge: 1, "destroy-unreferenced-disks": 1 });

export const regenerateCloudInit = (n: string, id: number) => proxmoxRequest<null>("PUT", `${vmPath(n, id)}/cloudinit`);

/**
 * A console proxy that waits ~10 s for one WebSocket. `password` comes back with
 * generate-password=1 (always from qemu-server 9.1.7); VNC Authentication uses `password ?? ticket`.
 */
export const createVncProxy = (n: string, id: number) =>
  proxmoxRequest<{ user: string; ticket: string; port: number | string; upid: string; cert?: string; password?: string }>("POST", `${vmPath(n, id)}/vncproxy`, {
    websocket: 1,
    "generate-password": 1,
  });

/** The path (below /api2/json) of the WebSocket that reaches a vncproxy's port. */
export const vncWebsocketPath = (n: string, id: number, port: number | string, ticket: string) =>
  `${vmPath(n, id)}/vncwebsocket?${new URLSearchParams({ port: String(port), vncticket: ticket })}`;

/**
 * Proxmox wants `sshkeys` already percent-encoded with %20 for spaces and %0A between keys (not
 * `+`); the form encoding on the wire then encodes it once more.
 */
export function encodeSshKeys(keys: string[]): string {
  return keys
    .map((k) => k.trim())
    .join("\n")
    .split("")
    .map((c) => (/[A-Za-z0-9\-_.~]/.test(c) ? c : `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0")}`))
    .join("");
}

/** ACPI shutdown that ends in a hard stop after `timeout` seconds (`forceStop=1`); a UPID. */
export const shutdownVm = (n: string, id: number, timeoutSeconds: number) =>
  proxmoxRequest<Upid>("POST", `${vmPath(n, id)}/status/shutdown`, { timeout: timeoutSeconds, forceStop: 1 });

// ---- The lab (issue 20): guest agent, snapshots, backups, restore, the node's clock ----

/** `GET agent/info`: answers only once the guest's agent runs (else 500 "QEMU guest agent is not running"). */
export const agentInfo = (n: string, id: number) => proxmoxRequest<{ result: { version?: string } }>("GET", `${vmPath(n, id)}/agent/info`);

/** A file inside the guest, read by its agent (qemu-server Agent.pm file-read; decoded text). */
export const agentFileRead = (n: string, id: number, file: string) =>
  proxmoxRequest<{ content: string; truncated?: number }>("GET", `${vmPath(n, id)}/agent/file-read`, { file });

/** Changes waiting for the next start: entries with `pending` (or `delete`) beside the current `value`. */
export const getVmPending = (n: string, id: number) =>
  proxmoxRequest<Array<{ key: string; value?: string | number; pending?: string | number; delete?: number }>>("GET", `${vmPath(n, id)}/pending`);

export type SnapshotEntry = { name: string; description?: string; snaptime?: number; vmstate?: number; parent?: string; running?: number };
export const listSnapshots = (n: string, id: number) => proxmoxRequest<SnapshotEntry[]>("GET", `${vmPath(n, id)}/snapshot`);
export const createSnapshot = (n: string, id: number, params: { snapname: string; description: string; vmstate: boolean }) =>
  proxmoxRequest<Upid>("POST", `${vmPath(n, id)}/snapshot`, params);
/** Without RAM the VM is left stopped unless `start`; with RAM it resumes running. */
export const rollbackSnapshot = (n: string, id: number, snapname: string, start: boolean) =>
  proxmoxRequest<Upid>("POST", `${vmPath(n, id)}/snapshot/${encodeURIComponent(snapname)}/rollback`, start ? { start: 1 } : {});
export const deleteSnapshot = (n: string, id: number, snapname: string) =>
  proxmoxRequest<Upid>("DELETE", `${vmPath(n, id)}/snapshot/${encodeURIComponent(snapname)}`);

/**
 * One VM's backup on its own node (a VM on another node is skipped: the answer is "OK", not a
 * UPID). The notes carry the owner tag, so a backup whose record was lost can be found again.
 */
export const vzdump = (n: string, params: { vmid: number; storage: string; notes: string }) =>
  proxmoxRequest<Upid | "OK">("POST", `/nodes/${node(n)}/vzdump`, {
    vmid: vmid(params.vmid),
    storage: params.storage,
    mode: "snapshot",
    compress: "zstd",
    "notes-template": params.notes,
  });

export type BackupVolume = { volid: string; vmid?: number; ctime: number; size: number; notes?: string; format?: string };
export const listBackups = (n: string, storage: string, id: number) =>
  proxmoxRequest<BackupVolume[]>("GET", `/nodes/${node(n)}/storage/${encodeURIComponent(storage)}/content`, { content: "backup", vmid: vmid(id) });
export const deleteVolume = (n: string, storage: string, volid: string) =>
  proxmoxRequest<Upid>("DELETE", `/nodes/${node(n)}/storage/${encodeURIComponent(storage)}/content/${encodeURIComponent(volid)}`);

/** Restore over the existing (stopped) VM: its disks and snapshots are replaced by the archive's. */
export const restoreVm = (n: string, id: number, archive: string) =>
  proxmoxRequest<Upid>("POST", `/nodes/${node(n)}/qemu`, { vmid: vmid(id), archive, force: 1 });

/** The node's clock (epoch seconds): backups are named and scheduled by it. */
export const getNodeTime = (n: string) => proxmoxRequest<{ time: number }>("GET", `/nodes/${node(n)}/time`);
/**
 * A guest's RRD statistics (qemu-server `rrddata`, VM.Audit; read-only). One row per step with
 * `time` and the values known then: `cpu` is a fraction of the guest's CPUs, `mem`/`maxmem` bytes,
 * `netin`/`netout`/`diskread`/`diskwrite` bytes per second; a stopped guest's rows lack them
 * (pve-cluster src/PVE/RRD.pm create_rrd_data leaves unknown values out).
 */
export type RrdRow = { time: number } & Partial<Record<"cpu" | "maxcpu" | "mem" | "maxmem" | "netin" | "netout" | "diskread" | "diskwrite", number>>;
export const getVmRrdData = (n: string, id: number, timeframe: "hour" | "day" | "week", cf: "AVERAGE" | "MAX" = "AVERAGE") =>
  proxmoxRequest<RrdRow[]>("GET", `${vmPath(n, id)}/rrddata`, { timeframe, cf });
