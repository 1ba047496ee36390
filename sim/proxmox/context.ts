// Everything one running stand-in knows, handed to routes, `qm` and the control API.
import { EventEmitter } from "node:events";
import path from "node:path/posix";
import { Concurrency, RequestLog } from "./activity";
import { Cluster, type ProxmoxNodeSpec, type ProxmoxTemplateSpec } from "./cluster";
import { SimClock } from "./clock";
import { Faults } from "./faults";
import { BackupStore } from "./backups";
import { Firewall } from "./firewall";
import { GuestNetwork } from "./guest";
import { Sdn, type SdnOptions } from "./sdn";
import { type AclEntry, Permissions, type PveVersion } from "./permissions";
import { RrdRecorder } from "./rrd";
import { Tasks } from "./tasks";
import { MountedFs, VirtualFs } from "./vfs";

/** A storage with `snippets` content: `local` is per node, a shared one is the same on every node. */
export interface SnippetStorage {
  id: string;
  /** Where `<id>:snippets/<file>` lives on a node. */
  dir: string;
  shared: boolean;
}

/** The shared directory storage every node mounts (like NFS/CephFS with `content snippets`). */
export const SHARED_SNIPPETS_STORAGE = "snippets-shared";
export const SHARED_SNIPPETS_MOUNT = `/mnt/pve/${SHARED_SNIPPETS_STORAGE}`;

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
  /** From start until the guest agent answers (guest-agent.ts). */
  guestBootMs: number;
  /** How long the first boot's cloud-init runs after the agent is up. */
  cloudInitMs: number;
  /** How long a request waits for a config lock another task holds (PVE: 10 s) before it fails. */
  lockTimeoutMs: number;
  /** How long one second of a guest's shutdown `timeout` lasts here (a guest ignoring ACPI waits it out). */
  guestSecondMs: number;
  /** Backup speed: a vzdump task takes the disk's size at this many MB/s (0: taskDurationMs). */
  backupMBps: number;
  /** Full clone speed: the disks' size at this many MB/s (0: taskDurationMs); a linked clone takes shortTaskDurationMs. */
  cloneMBps: number;
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

/** The network as the operator prepared it: SDN (installed or not, its zones) and the datacenter firewall. */
export interface NetworkSetup {
  sdn: SdnOptions;
  /** cluster.fw `enable`: without it no guest firewall rule applies (pve-firewall compile). */
  clusterFirewall: boolean;
}

export const DEFAULT_NETWORK: NetworkSetup = {
  sdn: { enabled: true, zones: [{ zone: "labvps", type: "vlan", bridge: "vmbr0", ipam: "pve" }] },
  clusterFirewall: true,
};

export class Sim {
  readonly cluster: Cluster;
  readonly tasks: Tasks;
  readonly faults = new Faults();
  readonly log = new RequestLog();
  readonly concurrency = new Concurrency();
  /** pvestatd's RRD history of every guest (rrd.ts). */
  readonly rrd = new RrdRecorder();
  readonly permissions: Permissions;
  readonly sdn: Sdn;
  readonly firewall: Firewall;
  /** The ACL a reset goes back to (null: every privilege). */
  initialAcl: AclEntry[] | null = null;
  /** Each node's own filesystem (its `local` storage), with the shared storage mounted in. */
  readonly nodeFs = new Map<string, VirtualFs>();
  readonly sharedFs: VirtualFs;
  readonly vncTickets = new Map<string, VncTicket>();
  /**
   * "vm-stopped" (vmid): open consoles of that VM close, like a real VNC server going away.
   * "vm-started" / "vm-destroyed" (the Vm) and "reset": the guests' lives (guest.ts).
   */
  readonly events = new EventEmitter();
  readonly clock = new SimClock();
  /** The guests: their boot, QEMU agent, cloud-init and cloudflared (guest.ts, guest-agent.ts). */
  readonly guests: GuestNetwork;
  readonly backups: BackupStore;
  private vncPort = 5900;

  constructor(
    readonly user: string,
    nodes: ProxmoxNodeSpec[],
    templates: ProxmoxTemplateSpec[],
    readonly snippetsDir: string,
    readonly settings: SimSettings,
    network: NetworkSetup = DEFAULT_NETWORK,
  ) {
    this.cluster = new Cluster(nodes, templates);
    this.sdn = new Sdn(() => this.cluster.nodes.map((n) => n.name), network.sdn);
    this.firewall = new Firewall(network.clusterFirewall);
    this.guests = new GuestNetwork(this);
    this.backups = new BackupStore(this);
    this.tasks = new Tasks(this.concurrency);
    this.permissions = new Permissions(() => this.version);
    this.sharedFs = new VirtualFs([`${SHARED_SNIPPETS_MOUNT}/snippets`]);
    for (const n of nodes) this.nodeFs.set(n.name, new MountedFs([snippetsDir, "/etc/pve"], [{ at: SHARED_SNIPPETS_MOUNT, fs: this.sharedFs }]));
  }

  /** The PVE major version behaved as (settings.pveVersion, changeable while running). */
  get version(): PveVersion {
    return this.settings.pveVersion;
  }

  /** The filesystem `ssh root@<node>` sees. */
  fsOf(node: string): VirtualFs {
    const fs = this.nodeFs.get(node);
    if (!fs) throw new Error(`no node ${node}`);
    return fs;
  }

  snippetStorages(): SnippetStorage[] {
    return [
      { id: "local", dir: this.snippetsDir, shared: false },
      { id: SHARED_SNIPPETS_STORAGE, dir: `${SHARED_SNIPPETS_MOUNT}/snippets`, shared: true },
    ];
  }

  /** `<storage>:snippets/<file>` as the node `node` resolves it; undefined when it is not a file there. */
  readSnippet(node: string, storage: string, file: string): Buffer | undefined {
    const store = this.snippetStorages().find((s) => s.id === storage);
    return store ? this.fsOf(node).read(path.join(store.dir, file)) : undefined;
  }

  snippetExists(node: string, storage: string, file: string): boolean {
    return this.readSnippet(node, storage, file) !== undefined;
  }

  /** Every snippet file: each node's `local` ones (node named) and the shared storage's (node null). */
  snippets() {
    const view = (node: string | null, storage: string, p: string, file: { data: Buffer; mtime: number }) => ({
      node,
      storage,
      name: path.basename(p),
      path: p,
      volid: `${storage}:snippets/${path.basename(p)}`,
      size: file.data.length,
      mtime: file.mtime,
      content: file.data.toString("utf8"),
    });
    const local = [...this.nodeFs].flatMap(([node, fs]) => fs.filesUnder(this.snippetsDir).map(({ path: p, file }) => view(node, "local", p, file)));
    const shared = this.sharedFs.filesUnder(`${SHARED_SNIPPETS_MOUNT}/snippets`).map(({ path: p, file }) => view(null, SHARED_SNIPPETS_STORAGE, p, file));
    return [...local, ...shared];
  }

  nextVncPort(): number {
    this.vncPort = this.vncPort >= 5999 ? 5900 : this.vncPort + 1;
    return this.vncPort;
  }

  reset() {
    this.events.emit("reset");
    this.tasks.clear();
    this.clock.reset();
    this.cluster.reset();
    this.faults.clear();
    this.log.clear();
    for (const fs of this.nodeFs.values()) fs.reset();
    this.sharedFs.reset();
    this.permissions.set(this.initialAcl);
    this.vncTickets.clear();
    this.concurrency.reset();
    this.rrd.clear();
    this.sdn.reset();
    this.firewall.reset();
  }
}
