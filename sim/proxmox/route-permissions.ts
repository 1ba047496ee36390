// Which privileges each API route checks before its handler runs, copied from the `permissions`
// blocks in qemu-server's PVE/API2/Qemu.pm and pve-manager's PVE/API2/{Cluster,Nodes}.pm.
// Checks that Proxmox makes later (inside a clone or resize worker, or per config key) live next
// to that code: vm-ops.ts and configPermissions below.
import type { Permissions } from "./permissions";
import { firewallRoutePermissions } from "./routes/firewall";
import { sdnRoutePermissions } from "./routes/sdn";

type Check = (perms: Permissions, params: Record<string, string>, args: Record<string, string>) => void;

const VM = "/nodes/{node}/qemu/{vmid}";
const onVm =
  (...privs: string[]): Check =>
  (perms, params) =>
    perms.check(`/vms/${params.vmid}`, privs);

// check_vm_modify_config_perm: one privilege per kind of key; disks, tags and a few others are
// checked elsewhere (value dependent) and the rest is root-only.
const CPU = new Set(["cores", "cpu", "cpulimit", "cpuunits", "numa", "smp", "sockets", "vcpus", "affinity"]);
const MEMORY = new Set(["memory", "balloon", "shares", "allow-ksm"]);
const HWTYPE = new Set(["acpi", "hotplug", "kvm", "machine", "scsihw", "smbios1", "tablet", "vga", "watchdog", "audio0", "rng0"]);
const GENERAL = new Set([
  "agent",
  "autostart",
  "bios",
  "description",
  "keyboard",
  "localtime",
  "migrate_downtime",
  "migrate_speed",
  "name",
  "onboot",
  "ostype",
  "protection",
  "reboot",
  "startdate",
  "startup",
  "tdf",
  "template",
]);
const DISK_OPTS = new Set(["boot", "bootdisk", "vmstatestorage"]);
const CLOUDINIT = new Set(["cicustom", "cipassword", "citype", "ciuser", "ciupgrade", "nameserver", "searchdomain", "sshkeys"]);
const META = new Set(["digest", "delete", "skiplock", "revert", "force", "background_delay"]);
const SKIPPED = /^((scsi|virtio|sata|ide|efidisk|tpmstate|unused|serial|usb|hostpci|virtiofs)\d+|cdrom|tags)$/;
const CONFIG_PRIVS = [
  "VM.Config.Disk",
  "VM.Config.CDROM",
  "VM.Config.CPU",
  "VM.Config.Memory",
  "VM.Config.Network",
  "VM.Config.HWType",
  "VM.Config.Options",
  "VM.Config.Cloudinit",
];

export function configPermissions(perms: Permissions, vmid: string, args: Record<string, string>) {
  const path = `/vms/${vmid}`;
  perms.checkAny(path, CONFIG_PRIVS);
  const keys = [...Object.keys(args).filter((k) => !META.has(k)), ...(args.delete ?? "").split(/[,;\s]+/).filter(Boolean)];
  for (const key of keys) {
    if (SKIPPED.test(key)) continue;
    if (CPU.has(key) || /^numa\d+$/.test(key)) perms.check(path, ["VM.Config.CPU"]);
    else if (MEMORY.has(key)) perms.check(path, ["VM.Config.Memory"]);
    else if (HWTYPE.has(key)) perms.check(path, ["VM.Config.HWType"]);
    else if (GENERAL.has(key)) perms.check(path, ["VM.Config.Options"]);
    else if (key === "freeze") perms.check(path, ["VM.PowerMgmt"]);
    else if (DISK_OPTS.has(key)) perms.check(path, ["VM.Config.Disk"]);
    else if (/^net\d+$/.test(key)) perms.check(path, ["VM.Config.Network"]);
    else if (CLOUDINIT.has(key) || /^ipconfig\d+$/.test(key)) perms.checkAny(path, ["VM.Config.Cloudinit", "VM.Config.Network"]);
  }
}

const POWER = ["start", "stop", "shutdown", "reboot", "reset", "suspend", "resume"];

const CHECKS: Record<string, Check> = {
  [`GET ${VM}/config`]: onVm("VM.Audit"),
  [`GET ${VM}/status/current`]: onVm("VM.Audit"),
  [`GET ${VM}/snapshot`]: onVm("VM.Audit"),
  [`GET ${VM}/rrddata`]: onVm("VM.Audit"),
  [`PUT ${VM}/config`]: (perms, params, args) => configPermissions(perms, params.vmid, args),
  [`POST ${VM}/config`]: (perms, params, args) => configPermissions(perms, params.vmid, args),
  [`PUT ${VM}/resize`]: onVm("VM.Config.Disk"),
  [`PUT ${VM}/cloudinit`]: onVm("VM.Config.Cloudinit"),
  [`DELETE ${VM}`]: onVm("VM.Allocate"),
  [`POST ${VM}/snapshot`]: onVm("VM.Snapshot"),
  [`DELETE ${VM}/snapshot/{snapname}`]: onVm("VM.Snapshot"),
  [`POST ${VM}/snapshot/{snapname}/rollback`]: onVm("VM.Snapshot.Rollback"),
  [`POST ${VM}/vncproxy`]: onVm("VM.Console"),
  // ['and', VM.Clone on the source, ['or', VM.Allocate on /vms/{newid}, VM.Allocate on /pool/{pool}]]
  [`POST ${VM}/clone`]: (perms, params, args) => {
    perms.check(`/vms/${params.vmid}`, ["VM.Clone"]);
    if (args.pool && perms.has(`/pool/${args.pool}`, "VM.Allocate")) return;
    if (args.newid !== undefined) perms.check(`/vms/${args.newid}`, ["VM.Allocate"]);
  },
  "GET /nodes/{node}/status": (perms, params) => perms.check(`/nodes/${params.node}`, ["Sys.Audit"]),
  "GET /nodes/{node}/time": (perms, params) => perms.check(`/nodes/${params.node}`, ["Sys.Audit"]),
  [`GET ${VM}/pending`]: onVm("VM.Audit"),
  // qemu-server PVE/API2/Qemu/Agent.pm: PVE 9's guest-agent privileges (or Unrestricted); PVE 8 had VM.Monitor.
  [`POST ${VM}/agent/ping`]: (perms, params) =>
    perms.checkAny(`/vms/${params.vmid}`, perms.version === 8 ? ["VM.Monitor"] : ["VM.GuestAgent.Audit", "VM.GuestAgent.Unrestricted"]),
  [`GET ${VM}/agent/info`]: (perms, params) =>
    perms.checkAny(`/vms/${params.vmid}`, perms.version === 8 ? ["VM.Monitor"] : ["VM.GuestAgent.Audit", "VM.GuestAgent.Unrestricted"]),
  [`GET ${VM}/agent/file-read`]: (perms, params) =>
    perms.checkAny(`/vms/${params.vmid}`, perms.version === 8 ? ["VM.Monitor"] : ["VM.GuestAgent.FileRead", "VM.GuestAgent.Unrestricted"]),
  // pve-storage PVE/API2/Storage/Content.pm index; each volume is then filtered by check_volume_access.
  "GET /nodes/{node}/storage/{storage}/content": (perms, params) =>
    perms.checkAny(`/storage/${params.storage}`, ["Datastore.Audit", "Datastore.AllocateSpace"]),
  ...Object.fromEntries(POWER.map((a) => [`POST ${VM}/status/${a}`, onVm("VM.PowerMgmt")])),
  ...sdnRoutePermissions,
  ...firewallRoutePermissions,
};

/** Throws the 403 Proxmox would answer before running the route's handler. */
export function checkRoutePermissions(perms: Permissions, method: string, routePath: string, params: Record<string, string>, args: Record<string, string>) {
  CHECKS[`${method} ${routePath}`]?.(perms, params, args);
}
