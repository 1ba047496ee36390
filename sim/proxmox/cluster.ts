// In-memory cluster state: nodes, VM configs, power state, snapshots. Both the HTTPS API and
// the `qm` commands over SSH act on this one object, as they do on one PVE node.
import { createHash, randomBytes, randomUUID } from "node:crypto";
import { PveError, paramError } from "./errors";

export type ConfigValue = string | number;
export type VmConfig = Record<string, ConfigValue>;

export interface Snapshot {
  name: string;
  description: string;
  snaptime: number;
  /** 1: the RAM was saved too (only of a running VM); a rollback resumes it running. */
  vmstate: 0 | 1;
  parent?: string;
  config: VmConfig;
  /** The guest's disk as it was (guest-agent.ts reads files from it). */
  disk: GuestDisk;
}

/** The files on a VM's disk that tests look at or change: what snapshots, backups and rollbacks carry. */
export type GuestDisk = Record<string, string>;

export interface Vm {
  vmid: number;
  node: string;
  config: VmConfig;
  status: "running" | "stopped";
  qmpstatus: "running" | "stopped" | "paused";
  startedAt?: number;
  snapshots: Snapshot[];
  /** The snapshot the current state descends from (`parent` in the config). */
  parentSnapshot?: string;
  /** What the last `qm cloudinit update` / start generated from the cicustom snippets. */
  cloudinit: { updates: number; updatedAt?: string; userData?: string; userVolid?: string };
  /** The cloud-init user-data the last start booted with, and where it came from. */
  bootedWith?: { at: string; node: string; cicustom: string | null; userData: string | null };
  createdAt: string;
  /**
   * Changes a running VM cannot take (qemu-server vmconfig_hotplug_pending: `cores` never, `memory`
   * only with memory hotplug): kept here until the next start (pending.ts).
   */
  pending: VmConfig;
  pendingDelete: string[];
  /** The guest's files (see GuestDisk). */
  disk: GuestDisk;
  /** Managed by the HA stack: power calls queue a `hastart`/`hastop` task that ends at once. */
  haManaged: boolean;
  /** A guest that ignores the ACPI power button: `status/shutdown` waits out its timeout. */
  ignoresAcpi: boolean;
  /** The task holding this VM's config lock file (a shutdown holds it while it waits). */
  configLockedBy?: string;
}

export interface ProxmoxNodeSpec {
  name: string;
  cores: number;
  memoryBytes: number;
  diskBytes: number;
  /** This node's SSH port; the first node defaults to the sim's `sshPort`, others to a free one. */
  sshPort?: number;
  /**
   * Whether the host lets guests run their own VMs (kvm_intel/kvm_amd `nested=1`): a guest with
   * CPU type `host` then sees `vmx` in /proc/cpuinfo. Default true; live, settable per node.
   */
  nestedVirt?: boolean;
}

export interface ProxmoxTemplateSpec {
  vmid: number;
  name: string;
  node: string;
  cores?: number;
  memory?: number;
  diskGiB?: number;
  /** Proxmox `tags`, copied by a clone: the guest model reads `eve-ng` to serve EVE-NG's web UI. */
  tags?: string;
}

/** What a fresh template's disk holds (a clone copies it). */
const TEMPLATE_DISK: GuestDisk = { "/etc/os-release": 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\n' };

const GiB = 1024 ** 3;
const NODE_BASE_MEM = 2 * GiB;
const SIZE_UNITS: Record<string, number> = { "": 1, K: 1024, M: 1024 ** 2, G: GiB, T: 1024 ** 4 };

export function parseSize(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)([KMGT]?)$/.exec(text);
  return m ? Math.round(Number(m[1]) * SIZE_UNITS[m[2]]) : undefined;
}

export function formatSize(bytes: number): string {
  for (const unit of ["T", "G", "M", "K"]) if (bytes % SIZE_UNITS[unit] === 0) return `${bytes / SIZE_UNITS[unit]}${unit}`;
  return String(bytes);
}

const DISK_KEY = /^(scsi|virtio|sata|ide)\d+$/;

/** Disks that hold data (not the cloud-init drive or a CD-ROM). */
export function dataDisks(config: VmConfig): Array<{ key: string; size: number }> {
  return Object.entries(config)
    .filter(([key, value]) => DISK_KEY.test(key) && !/media=cdrom|cloudinit/.test(String(value)))
    .map(([key, value]) => ({ key, size: parseSize(/(?:^|,)size=([^,]+)/.exec(String(value))?.[1] ?? "") ?? 0 }));
}

export function randomMac(): string {
  const tail = [...randomBytes(3)].map((b) => b.toString(16).padStart(2, "0").toUpperCase());
  return ["BC", "24", "11", ...tail].join(":");
}

export function templateConfig(t: ProxmoxTemplateSpec): VmConfig {
  return {
    name: t.name,
    template: 1,
    cores: t.cores ?? 2,
    sockets: 1,
    memory: t.memory ?? 4096,
    cpu: "host",
    ostype: "l26",
    scsihw: "virtio-scsi-single",
    scsi0: `local-lvm:base-${t.vmid}-disk-0,size=${t.diskGiB ?? 32}G`,
    ide2: `local-lvm:vm-${t.vmid}-cloudinit,media=cdrom`,
    net0: `virtio=${randomMac()},bridge=vmbr0`,
    boot: "order=scsi0",
    agent: 1,
    vmgenid: randomUUID(),
    smbios1: `uuid=${randomUUID()}`,
    ...(t.tags ? { tags: t.tags } : {}),
  };
}

export class Cluster {
  readonly vms = new Map<number, Vm>();

  constructor(
    readonly nodes: ProxmoxNodeSpec[],
    private readonly templates: ProxmoxTemplateSpec[],
  ) {
    this.reset();
  }

  reset() {
    this.vms.clear();
    for (const t of this.templates) this.add({ vmid: t.vmid, node: t.node, config: templateConfig(t) });
  }

  add(init: { vmid: number; node: string; config: VmConfig; disk?: GuestDisk }): Vm {
    const vm: Vm = {
      ...init,
      status: "stopped",
      qmpstatus: "stopped",
      snapshots: [],
      cloudinit: { updates: 0 },
      createdAt: new Date().toISOString(),
      pending: {},
      pendingDelete: [],
      disk: { ...(init.disk ?? TEMPLATE_DISK) },
      haManaged: false,
      ignoresAcpi: false,
    };
    this.vms.set(vm.vmid, vm);
    return vm;
  }

  node(name: string): ProxmoxNodeSpec {
    const node = this.nodes.find((n) => n.name === name);
    if (!node) throw new PveError(`no such cluster node '${name}'`);
    return node;
  }

  /** Resolves `/nodes/{node}/qemu/{vmid}` the way PVE does: the config must live on that node. */
  vmOn(nodeName: string, vmidText: string): Vm {
    this.node(nodeName);
    const vmid = parseVmid(vmidText, "vmid");
    const vm = this.vms.get(vmid);
    if (!vm || vm.node !== nodeName) throw new PveError(`Configuration file 'nodes/${nodeName}/qemu-server/${vmid}.conf' does not exist`);
    return vm;
  }

  find(vmid: number): Vm | undefined {
    return this.vms.get(vmid);
  }

  nextId(): number {
    let id = 100;
    while (this.vms.has(id)) id++;
    return id;
  }

  digest(vm: Pick<Vm, "config"> & Partial<Pick<Vm, "pending" | "pendingDelete">>): string {
    const lines = (config: VmConfig) =>
      Object.keys(config)
        .sort()
        .map((k) => `${k}: ${config[k]}`);
    // The digest is of the whole file, its [PENDING] section included.
    const pending =
      vm.pending && (Object.keys(vm.pending).length || vm.pendingDelete?.length) ? ["[PENDING]", ...lines(vm.pending), `delete: ${vm.pendingDelete}`] : [];
    return createHash("sha1")
      .update([...lines(vm.config), ...pending].join("\n"))
      .digest("hex");
  }

  /**
   * What `GET config` shows: secrets masked, plus the digest and the current snapshot parent. Like
   * qemu-server, with pending changes applied unless `current` (so it cannot say what a running
   * VM has: that is `status/current` or `GET pending`).
   */
  publicConfig(vm: Vm, current = false): Record<string, ConfigValue> {
    const merged: VmConfig = current ? { ...vm.config } : { ...vm.config, ...vm.pending };
    if (!current) for (const key of vm.pendingDelete) delete merged[key];
    const out: Record<string, ConfigValue> = { ...merged, digest: this.digest(vm) };
    if (out.cipassword !== undefined) out.cipassword = "**********";
    if (vm.parentSnapshot) out.parent = vm.parentSnapshot;
    return out;
  }

  uptime(vm: Vm): number {
    return vm.status === "running" && vm.startedAt ? Math.floor((Date.now() - vm.startedAt) / 1000) : 0;
  }

  vmStatus(vm: Vm) {
    const running = vm.status === "running";
    // The current config: what is pending (pending.ts) is not what the guest has.
    const has = vm.config;
    const maxmem = Number(has.memory ?? 512) * 1024 * 1024;
    return {
      vmid: vm.vmid,
      name: String(vm.config.name ?? `VM ${vm.vmid}`),
      status: vm.status,
      qmpstatus: vm.qmpstatus,
      cpus: Number(has.cores ?? 1) * Number(has.sockets ?? 1),
      cpu: running ? 0.02 : 0,
      maxmem,
      mem: running ? Math.round(maxmem * 0.4) : 0,
      maxdisk: dataDisks(vm.config).reduce((sum, d) => sum + d.size, 0),
      disk: 0,
      uptime: this.uptime(vm),
      netin: 0,
      netout: 0,
      diskread: 0,
      diskwrite: 0,
      ...(running ? { pid: 10000 + vm.vmid } : {}),
      ...(vm.config.template ? { template: 1 } : {}),
      ...(vm.config.lock ? { lock: String(vm.config.lock) } : {}),
    };
  }

  nodeUsage(node: ProxmoxNodeSpec) {
    const vms = [...this.vms.values()].filter((v) => v.node === node.name);
    const running = vms.filter((v) => v.status === "running");
    const mem = NODE_BASE_MEM + running.reduce((s, v) => s + Number(v.config.memory ?? 0) * 1024 * 1024, 0);
    const disk = vms.reduce((s, v) => s + dataDisks(v.config).reduce((a, d) => a + d.size, 0), 0);
    const cpu = Math.min(1, running.reduce((s, v) => s + Number(v.config.cores ?? 1), 0) / node.cores / 20);
    return { cpu, maxcpu: node.cores, mem, maxmem: node.memoryBytes, disk, maxdisk: node.diskBytes, uptime: Math.floor(process.uptime()) };
  }

  resources(type?: string) {
    const out: Array<Record<string, unknown>> = [];
    if (!type || type === "node") {
      for (const n of this.nodes) out.push({ id: `node/${n.name}`, type: "node", node: n.name, status: "online", level: "", ...this.nodeUsage(n) });
    }
    if (!type || type === "storage") {
      for (const n of this.nodes) {
        const usage = this.nodeUsage(n);
        out.push({
          id: `storage/${n.name}/local-lvm`,
          type: "storage",
          node: n.name,
          storage: "local-lvm",
          status: "available",
          plugintype: "lvmthin",
          content: "images,rootdir",
          shared: 0,
          disk: usage.disk,
          maxdisk: n.diskBytes,
        });
        out.push({
          id: `storage/${n.name}/local`,
          type: "storage",
          node: n.name,
          storage: "local",
          status: "available",
          plugintype: "dir",
          content: "iso,vztmpl,backup,snippets",
          shared: 0,
          disk: 0,
          maxdisk: 100 * GiB,
        });
      }
    }
    if (!type || type === "vm") {
      for (const vm of this.vms.values()) {
        const s = this.vmStatus(vm);
        out.push({ id: `qemu/${vm.vmid}`, type: "qemu", node: vm.node, template: vm.config.template ? 1 : 0, ...s, maxcpu: s.cpus });
      }
    }
    return out;
  }
}

export function parseVmid(text: string | undefined, param: string): number {
  if (text === undefined || !/^\d+$/.test(text)) throw paramError(param, `type check ('integer') failed - got '${text ?? ""}'`);
  const id = Number(text);
  if (id < 100) throw paramError(param, "value must have a minimum value of 100");
  if (id > 999999999) throw paramError(param, "value must have a maximum value of 999999999");
  return id;
}
