// What this product does to one Proxmox machine, each written once: power it to a state unless it
// is there already, grow its disk to an absolute size, give it a CPU and memory size, wait for a
// state. Every change reads the machine first, so a retried step does nothing twice (I3), and
// runs under the caller's work-slot lease (lib/proxmox/work-slots.ts), so it counts against the
// Proxmox budget. Callers name the lease and the task (`what`), as their step's log reads.
import { env } from "@/lib/env";
import { getVmConfig, getVmStatus, resizeVmDisk, setVmConfig, vmPower, type VmConfig } from "@/lib/proxmox/api";
import { diskSizeGb, pollUntil, withLockRetry } from "@/lib/proxmox/tasks";
import { runLeasedTaskToEnd, withProxmoxSlot } from "@/lib/proxmox/work-slots";

/** A VM as Proxmox addresses it. */
export type Machine = { node: string; vmid: number };
export type PowerState = "running" | "stopped";
export type CpuMemory = { vcpus: number; ramGb: number };

/**
 * Starts the VM, or stops it hard (`stop` pulls the plug; a graceful shutdown is the caller's
 * own), unless Proxmox says it is in that state already. Runs the task to its end; a task that
 * failed on a config lock is started again. Returns whether a task ran.
 */
export async function ensurePower({ node, vmid }: Machine, want: PowerState, holder: string, what: string): Promise<boolean> {
  return runLeasedTaskToEnd(holder, what, async () => {
    const running = (await getVmStatus(node, vmid)).status === "running";
    if (want === "running") return running ? null : vmPower(node, vmid, "start");
    return running ? vmPower(node, vmid, "stop") : null;
  });
}

/**
 * Waits until the VM reports `want`. A power task's end is not the VM's state when HA manages it:
 * its `hastart`/`hastop` task ends once the request is queued (qemu-server vm_shutdown → ha-manager
 * crm-command), before the VM changed. Returns the last state seen at `timeoutMs`.
 */
export async function waitForPowerState({ node, vmid }: Machine, want: PowerState, timeoutMs = 120_000): Promise<PowerState> {
  let last: PowerState = want;
  const reached = await pollUntil(async () => {
    last = (await withLockRetry(() => getVmStatus(node, vmid))).status;
    return last === want ? last : undefined;
  }, Date.now() + timeoutMs);
  return reached ?? last;
}

/**
 * Grows the configured disk (PROXMOX_DISK) to `sizeGb`, never shrinking it. The size is absolute
 * (never "+NG"), so a repeat cannot grow it twice; PUT resize answers with a UPID and lock and
 * digest errors arrive as the task's exit status, so the size is re-read before each start.
 * Null when the VM has no such disk with a size (the caller says why that is fatal).
 */
export async function growDiskTo({ node, vmid }: Machine, sizeGb: number, holder: string): Promise<{ fromGb: number; toGb: number } | null> {
  const disk = env().PROXMOX_DISK;
  const current = diskSizeGb((await withLockRetry(() => getVmConfig(node, vmid)))[disk]);
  if (current === undefined) return null;
  if (current >= sizeGb) return { fromGb: current, toGb: current };
  await runLeasedTaskToEnd(
    holder,
    "disk resize",
    async () => {
      const size = diskSizeGb((await getVmConfig(node, vmid))[disk]);
      if (size !== undefined && size >= sizeGb) return null;
      return (await resizeVmDisk(node, vmid, disk, `${sizeGb}G`)) ?? null;
    },
    { timeoutMs: 10 * 60_000 },
  );
  return { fromGb: current, toGb: sizeGb };
}

/** Proxmox counts `memory` in MiB; we sell GB (GiB). The one place that converts. */
export const memoryMiB = (ramGb: number) => ramGb * 1024;

/** Whether a config (GET config, or the current one) has exactly this CPU and memory size. */
export const hasCpuMemory = (config: Pick<VmConfig, "cores" | "memory">, size: CpuMemory) =>
  Number(config.cores) === size.vcpus && Number(config.memory) === memoryMiB(size.ramGb);

/**
 * Writes `cores` and `memory` unless the config has them already (a synchronous write, under the
 * holder's slot). Returns whether it wrote. On a running VM Proxmox may keep them pending.
 */
export async function setCpuMemory({ node, vmid }: Machine, size: CpuMemory, holder: string): Promise<boolean> {
  const config = await withLockRetry(() => getVmConfig(node, vmid));
  if (hasCpuMemory(config, size)) return false;
  const memory = memoryMiB(size.ramGb);
  // Proxmox refuses memory below `balloon` ("balloon value too large"): a smaller memory brings its balloon down with it.
  const balloon = Number(config.balloon ?? 0) > memory ? { balloon: memory } : {};
  await withProxmoxSlot(holder, () => withLockRetry(() => setVmConfig(node, vmid, { cores: size.vcpus, memory, ...balloon })));
  return true;
}
