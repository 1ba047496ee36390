// Everything one running stand-in knows, handed to routes, `qm` and the control API.
import { EventEmitter } from "node:events";
import path from "node:path/posix";
import { Concurrency, RequestLog } from "./activity";
import { Cluster, type ProxmoxNodeSpec, type ProxmoxTemplateSpec } from "./cluster";
import { Faults } from "./faults";
import { Tasks } from "./tasks";
import { VirtualFs } from "./vfs";

export interface SimSettings {
  /** Clone duration. */
  taskDurationMs: number;
  /** Every other task (start, stop, resize, snapshots, ...). */
  shortTaskDurationMs: number;
  /** Added before every API answer. */
  latencyMs: number;
  /** How long a vncproxy waits for its one WebSocket (PVE: ~10 s). */
  vncTicketTtlMs: number;
  /** PROXMOX_SIM_PVE_VERSION: the console's vncproxy behaviour (see vnc.ts); live, so one run can test both. */
  pveVersion: 8 | 9;
}

export interface VncTicket {
  ticket: string;
  password: string;
  vmid: number;
  node: string;
  port: number;
  expiresAt: number;
  used: boolean;
  upid: string;
}

export class Sim {
  readonly cluster: Cluster;
  readonly tasks: Tasks;
  readonly faults = new Faults();
  readonly log = new RequestLog();
  readonly concurrency = new Concurrency();
  readonly fs: VirtualFs;
  readonly vncTickets = new Map<string, VncTicket>();
  /** "vm-stopped" (vmid): open consoles of that VM close, like a real VNC server going away. */
  readonly events = new EventEmitter();
  private vncPort = 5900;

  constructor(
    readonly user: string,
    nodes: ProxmoxNodeSpec[],
    templates: ProxmoxTemplateSpec[],
    readonly snippetsDir: string,
    readonly settings: SimSettings,
  ) {
    this.cluster = new Cluster(nodes, templates);
    this.tasks = new Tasks(this.concurrency);
    this.fs = new VirtualFs([snippetsDir, "/etc/pve"]);
  }

  /** `local:snippets/<file>` lives in the snippets dir; other storages have no snippets here. */
  snippetExists(storage: string, file: string): boolean {
    return storage === "local" && this.fs.stat(path.join(this.snippetsDir, file))?.isDir === false;
  }

  snippets() {
    return this.fs.filesUnder(this.snippetsDir).map(({ path: p, file }) => ({
      name: path.basename(p),
      path: p,
      volid: `local:snippets/${path.basename(p)}`,
      size: file.data.length,
      mtime: file.mtime,
      content: file.data.toString("utf8"),
    }));
  }

  nextVncPort(): number {
    this.vncPort = this.vncPort >= 5999 ? 5900 : this.vncPort + 1;
    return this.vncPort;
  }

  reset() {
    this.tasks.clear();
    this.cluster.reset();
    this.faults.clear();
    this.log.clear();
    this.fs.reset();
    this.vncTickets.clear();
    this.concurrency.reset();
  }
}
