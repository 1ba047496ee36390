// Pending changes on a running VM, as qemu-server keeps them (PVE/API2/Qemu.pm update_vm, then
// PVE/QemuServer.pm vmconfig_hotplug_pending): every write goes to `[PENDING]` first; on a running
// VM only what can be hot-plugged is applied at once, the rest stays pending until the next start
// (a cold start, or `reboot`, which is shutdown + start). `GET config` shows pending values as if
// applied, so only `status/current` or `GET pending` says what the running guest has.
import type { ConfigValue, Vm } from "./cluster";

// $fast_plug_option and every cloud-init key (qemu-server QemuServer.pm), applied while running.
const FAST_PLUG = new Set([
  "description",
  "hookscript",
  "lock",
  "migrate_downtime",
  "migrate_speed",
  "name",
  "onboot",
  "protection",
  "shares",
  "startup",
  "tags",
  "vmstatestorage",
]);
const CLOUDINIT = /^(ciuser|cipassword|citype|ciupgrade|cicustom|sshkeys|nameserver|searchdomain|ipconfig\d+)$/;

/** The `hotplug` option's features (default "network,disk,usb"; "1" means all of them). */
function hotplugFeatures(vm: Vm): Set<string> {
  const value = String(vm.config.hotplug ?? "network,disk,usb");
  if (value === "1") return new Set(["network", "disk", "usb", "cpu", "memory"]);
  if (value === "0") return new Set();
  return new Set(value.split(",").map((f) => f.trim()));
}

/** Whether a running VM takes a change of `key` at once. `cores` never; `memory` only with memory hotplug. */
export function hotPluggable(vm: Vm, key: string): boolean {
  if (FAST_PLUG.has(key) || CLOUDINIT.test(key) || key === "balloon") return true;
  const features = hotplugFeatures(vm);
  if (/^net\d+$/.test(key)) return features.has("network");
  if (/^(scsi|virtio|sata|ide|unused)\d+$/.test(key)) return features.has("disk");
  if (key === "memory") return features.has("memory");
  if (key === "vcpus") return features.has("cpu");
  return false;
}

/** Applies a validated write: at once on a stopped VM, hot-pluggable keys at once on a running one. */
export function applyConfigWrite(vm: Vm, updates: Array<[string, ConfigValue]>, deletes: string[]) {
  const running = vm.status === "running";
  for (const [key, value] of updates) {
    if (running && !hotPluggable(vm, key)) {
      vm.pending[key] = value;
      vm.pendingDelete = vm.pendingDelete.filter((k) => k !== key);
    } else {
      vm.config[key] = value;
      delete vm.pending[key];
    }
  }
  for (const key of deletes) {
    if (running && !hotPluggable(vm, key)) {
      if (!vm.pendingDelete.includes(key)) vm.pendingDelete.push(key);
      delete vm.pending[key];
    } else {
      delete vm.config[key];
      delete vm.pending[key];
    }
  }
}

/** At start: every pending change lands in the config the guest then runs with. */
export function applyPending(vm: Vm) {
  Object.assign(vm.config, vm.pending);
  for (const key of vm.pendingDelete) delete vm.config[key];
  vm.pending = {};
  vm.pendingDelete = [];
}

/** `GET …/pending`: every key with its current value, and `pending`/`delete` where a change waits. */
export function pendingList(vm: Vm, mask: (key: string, value: ConfigValue) => ConfigValue) {
  const keys = [...new Set([...Object.keys(vm.config), ...Object.keys(vm.pending), ...vm.pendingDelete])].filter((k) => k !== "lock").sort();
  return keys.map((key) => ({
    key,
    ...(vm.config[key] !== undefined ? { value: mask(key, vm.config[key]) } : {}),
    ...(vm.pending[key] !== undefined ? { pending: mask(key, vm.pending[key]) } : {}),
    ...(vm.pendingDelete.includes(key) ? { delete: 1 } : {}),
  }));
}

/** The value a write would leave (pending first): what update_vm's balloon check compares. */
export function effective(vm: Vm, key: string): ConfigValue | undefined {
  if (vm.pendingDelete.includes(key)) return undefined;
  return vm.pending[key] ?? vm.config[key];
}
