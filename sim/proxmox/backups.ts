// Backups as PVE makes them: `POST /nodes/{node}/vzdump` (pve-manager PVE/API2/VZDump.pm,
// PVE/VZDump.pm) writes `vzdump-qemu-<vmid>-<YYYY_MM_DD-HH_MM_SS>.vma.zst` onto a storage with
// `backup` content, holding the guest's `lock: backup` meanwhile; the storage's content list and
// delete are pve-storage's (PVE/API2/Storage/Content.pm); a restore is `POST /nodes/{node}/qemu`
// with `archive` (+ `force` over an existing VM: its disks and snapshots are destroyed first,
// qemu-server restore_vma_archive → destroy_vm). Times are the stand-in's clock.
import { dataDisks, type GuestDisk, type Vm, type VmConfig } from "./cluster";
import { isTrue } from "./config";
import type { Sim } from "./context";
import { ParamError, PveError, lockedError, paramError } from "./errors";
import type { TaskFault } from "./faults";
import type { Task } from "./tasks";

export interface BackupVolume {
  volid: string;
  node: string;
  storage: string;
  vmid: number;
  ctime: number;
  size: number;
  notes: string;
  protected: boolean;
  config: VmConfig;
  disk: GuestDisk;
}

/** Storages with `backup` content: each node's own `local` directory (not shared). */
export const BACKUP_STORAGES = ["local"];
const VOLID = /^([a-zA-Z][\w.-]*):backup\/(vzdump-qemu-(\d+)-\d{4}_\d{2}_\d{2}-\d{2}_\d{2}_\d{2}\.vma\.zst)$/;
const NOTES_VARS = /\{\{(cluster|guestname|node|vmid)\}\}/g;

const pad = (n: number) => String(n).padStart(2, "0");
function stamp(epoch: number): string {
  const d = new Date(epoch * 1000);
  return `${d.getUTCFullYear()}_${pad(d.getUTCMonth() + 1)}_${pad(d.getUTCDate())}-${pad(d.getUTCHours())}_${pad(d.getUTCMinutes())}_${pad(d.getUTCSeconds())}`;
}

/** PVE::VZDump $generate_notes: only these four variables, `\n` and `\\` escapes. */
function notesFrom(template: string, vm: Vm): string {
  if (/\{\{(?!(cluster|guestname|node|vmid)\}\})/.test(template)) throw paramError("notes-template", "contains unknown variable");
  const info: Record<string, string> = {
    cluster: "standalone node",
    guestname: String(vm.config.name ?? `VM ${vm.vmid}`),
    node: vm.node,
    vmid: String(vm.vmid),
  };
  return template.replace(/\\(.)/g, (_m, c: string) => (c === "n" ? "\n" : c === "\\" ? "\\" : c)).replace(NOTES_VARS, (_m, k: string) => info[k]);
}

export class BackupStore {
  #volumes = new Map<string, BackupVolume>();

  constructor(private readonly sim: Sim) {
    sim.events.on("reset", () => this.#volumes.clear());
  }

  list(): BackupVolume[] {
    return [...this.#volumes.values()];
  }

  #storage(node: string, storage: string) {
    this.sim.cluster.node(node);
    if (!BACKUP_STORAGES.includes(storage)) throw new PveError(`storage '${storage}' does not exist`);
  }

  /** The volume on this node's storage; a volid of another node's `local` does not exist here. */
  find(node: string, volid: string): BackupVolume | undefined {
    const v = this.#volumes.get(`${node}/${volid}`);
    return v;
  }

  /** `POST /nodes/{node}/vzdump` for one VM. A VM on another node is skipped silently ("OK", no task). */
  vzdump(node: string, args: Record<string, string>, fault: TaskFault): string {
    if (args.vmid === undefined && !isTrue(args.all)) throw new ParamError({ vmid: "property is missing and it is not optional" });
    if (args.mode !== undefined && !["snapshot", "suspend", "stop"].includes(args.mode))
      throw paramError("mode", `value '${args.mode}' does not have a value in the enumeration 'snapshot, suspend, stop'`);
    if (args.compress !== undefined && !["0", "1", "gzip", "lzo", "zstd"].includes(args.compress))
      throw paramError("compress", `value '${args.compress}' does not have a value in the enumeration '0, 1, gzip, lzo, zstd'`);
    this.sim.cluster.node(node);
    const vmids = String(args.vmid ?? "")
      .split(/[,;\s]+/)
      .filter(Boolean)
      .map(Number);
    if (vmids.length !== 1) throw paramError("vmid", "the stand-in backs up exactly one VM per call");
    const storage = args.storage ?? "local";
    this.#storage(node, storage);
    if (args["prune-backups"] !== undefined) this.sim.permissions.check(`/storage/${storage}`, ["Datastore.Allocate"]);
    const vm = this.sim.cluster.find(vmids[0]);
    // "silent exit if specified VMs run on other nodes" (PVE/API2/VZDump.pm).
    if (!vm || vm.node !== node) return "OK";
    this.sim.permissions.check(`/storage/${storage}`, ["Datastore.AllocateSpace"]);
    const notes = args["notes-template"] !== undefined ? notesFrom(args["notes-template"], vm) : "";
    const bytes = dataDisks(vm.config).reduce((s, d) => s + d.size, 0);
    const MBps = this.sim.settings.backupMBps;
    const durationMs = MBps > 0 ? Math.round((bytes / 1024 ** 2 / MBps) * 1000) : this.sim.settings.taskDurationMs;
    let locked = false;
    let failure = "";
    let denied = "";
    const release = () => {
      const v = this.sim.cluster.find(vm.vmid);
      if (locked && v?.config.lock === "backup") delete v.config.lock;
    };
    const task = this.sim.tasks.start({
      node,
      type: "vzdump",
      id: vm.vmid,
      user: this.sim.user,
      durationMs,
      fault,
      log: [`INFO: starting new backup job: vzdump ${vm.vmid} --storage ${storage} --mode ${args.mode ?? "snapshot"}`],
      begin: () => {
        // exec_backup checks VM.Backup while it lists the guests (outside the per-guest eval: the
        // worker dies with the permission error), then locks each guest (a failure there is that
        // guest's error, and the job ends "job errors").
        if (!this.sim.permissions.has(`/vms/${vm.vmid}`, "VM.Backup")) {
          denied = `Permission check failed (/vms/${vm.vmid}, VM.Backup)`;
          return;
        }
        try {
          if (vm.config.lock) throw lockedError(String(vm.config.lock));
          vm.config.lock = "backup";
          locked = true;
        } catch (error) {
          failure = `ERROR: Backup of VM ${vm.vmid} failed - ${(error as Error).message}`;
        }
      },
      run: () => {
        if (denied) throw new PveError(denied, 403);
        if (!locked) {
          task.log.push(failure);
          throw new PveError("job errors");
        }
        release();
        const v = this.sim.cluster.find(vm.vmid);
        if (!v) throw new PveError("job errors");
        const ctime = this.sim.clock.epoch();
        const volid = `${storage}:backup/vzdump-qemu-${v.vmid}-${stamp(ctime)}.vma.zst`;
        const { lock: _lock, ...config } = { ...v.config, ...v.pending };
        const size = Math.round(bytes * 0.04) + Buffer.byteLength(JSON.stringify(v.disk));
        this.#volumes.set(`${node}/${volid}`, { volid, node, storage, vmid: v.vmid, ctime, size, notes, protected: false, config, disk: { ...v.disk } });
        task.log.push(`INFO: creating vzdump archive '/var/lib/vz/dump/${volid.split("/")[1]}'`, `INFO: Finished Backup of VM ${v.vmid}`);
      },
      onFail: release,
    });
    return task.upid;
  }

  /** `GET /nodes/{node}/storage/{storage}/content`: what the token may see (check_volume_access). */
  content(node: string, storage: string, args: Record<string, string>) {
    this.#storage(node, storage);
    if (args.content !== undefined && !["images", "rootdir", "vztmpl", "iso", "backup", "snippets", "import"].includes(args.content))
      throw paramError("content", `value '${args.content}' does not have a value in the enumeration`);
    if (args.content && args.content !== "backup") return [];
    const perms = this.sim.permissions;
    const allocate = perms.has(`/storage/${storage}`, "Datastore.Allocate");
    return this.list()
      .filter((v) => v.node === node && v.storage === storage && (!args.vmid || String(v.vmid) === args.vmid))
      .filter((v) => allocate || (perms.has(`/storage/${storage}`, "Datastore.AllocateSpace") && perms.has(`/vms/${v.vmid}`, "VM.Backup")))
      .sort((a, b) => a.volid.localeCompare(b.volid))
      .map((v) => ({
        volid: v.volid,
        content: "backup",
        format: "vma.zst",
        subtype: "qemu",
        vmid: v.vmid,
        ctime: v.ctime,
        size: v.size,
        ...(v.notes ? { notes: v.notes } : {}),
        ...(v.protected ? { protected: 1 } : {}),
      }));
  }

  /** `DELETE /nodes/{node}/storage/{storage}/content/{volume}`: an `imgdel` task. */
  remove(node: string, storage: string, volume: string, fault: TaskFault): string {
    this.#storage(node, storage);
    const volid = volume.includes(":") ? volume : `${storage}:${volume}`;
    const m = VOLID.exec(volid);
    if (!m || m[1] !== storage) throw new PveError(`unable to parse volume ID '${volid}'`);
    const owner = Number(m[3]);
    this.sim.permissions.check(`/storage/${storage}`, ["Datastore.AllocateSpace"]);
    this.sim.permissions.check(`/vms/${owner}`, ["VM.Backup"]);
    return this.sim.tasks.start({
      node,
      type: "imgdel",
      id: `${owner}@${storage}`,
      user: this.sim.user,
      durationMs: this.sim.settings.shortTaskDurationMs,
      fault,
      run: () => {
        const v = this.#volumes.get(`${node}/${volid}`);
        // vdisk_free on a missing file: unlink fails.
        if (!v) throw new PveError(`unable to delete '${volid}' - No such file or directory`);
        if (v.protected) throw new PveError("cannot remove protected volume");
        this.#volumes.delete(`${node}/${volid}`);
      },
    }).upid;
  }

  /** `POST /nodes/{node}/qemu` with `archive`: restore over an existing VM needs `force`. */
  restore(node: string, args: Record<string, string>, fault: TaskFault): Task {
    const vmid = Number(args.vmid);
    const volid = args.archive;
    const existing = this.sim.cluster.find(vmid);
    const mine = existing && existing.node === node ? existing : undefined;
    const perms = this.sim.permissions;
    if (!perms.has(`/vms/${vmid}`, "VM.Allocate") && !(isTrue(args.force) && mine && perms.has(`/vms/${vmid}`, "VM.Backup"))) {
      perms.check(`/vms/${vmid}`, ["VM.Allocate"]);
    }
    if (args.storage !== undefined) perms.check(`/storage/${args.storage}`, ["Datastore.AllocateSpace"]);
    const m = VOLID.exec(volid);
    if (!m) throw new PveError(`unable to parse volume ID '${volid}'`);
    perms.check(`/storage/${m[1]}`, ["Datastore.AllocateSpace"]);
    perms.check(`/vms/${m[3]}`, ["VM.Backup"]);
    const volume = this.#volumes.get(`${node}/${volid}`);
    if (!volume) throw new PveError(`volume '${volid}' does not exist`);
    const emsg = `unable to restore VM ${vmid} -`;
    if (existing && !isTrue(args.force)) throw new PveError(`${emsg} unable to create VM ${vmid}: config file already exists`);
    if (existing && !mine) throw new PveError(`${emsg} unable to create VM ${vmid}: config file already exists`);
    if (mine?.config.lock) throw new PveError(`${emsg} ${lockedError(String(mine.config.lock)).message}`);
    if (mine?.status === "running") throw new PveError(`${emsg} vm is running`);
    const target = mine ?? this.sim.cluster.add({ vmid, node, config: {} });
    target.config.lock = "create";
    return this.sim.tasks.start({
      node,
      type: "qmrestore",
      id: vmid,
      user: this.sim.user,
      durationMs: this.sim.settings.taskDurationMs,
      fault,
      run: () => {
        const v = this.sim.cluster.find(vmid);
        if (!v) throw new PveError(`${emsg} Configuration file 'nodes/${node}/qemu-server/${vmid}.conf' does not exist`);
        if (v.status === "running") throw new PveError(`${emsg} vm is running`);
        // destroy_vm first (disks, snapshots), then the archive's config and disks.
        v.config = { ...volume.config };
        v.disk = { ...volume.disk };
        v.snapshots = [];
        v.parentSnapshot = undefined;
        v.pending = {};
        v.pendingDelete = [];
      },
      onFail: () => {
        const v = this.sim.cluster.find(vmid);
        if (v?.config.lock === "create") delete v.config.lock;
      },
    });
  }
}
