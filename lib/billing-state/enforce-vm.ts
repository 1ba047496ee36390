// What the ladder does to the machine, as idempotent steps for the Inngest functions (I2, I3):
// suspend (or the end of a subscription the customer cancelled) = consoles closed, `onboot` off,
// graceful shutdown then hard stop, all through the
// Proxmox work-slot leases; restore = start again only what was running (RESTORE_POWER); and the
// check that finds a suspended VM running (started by hand, or a node reboot) and stops it (I6).
import { recordAudit } from "@/lib/audit/record-audit";
import { closeConsoles } from "@/lib/console/open-consoles";
import { syncVmAccessOfOrder } from "@/lib/access/vm-access";
import { db } from "@/lib/db";
import { env } from "@/lib/env";
import { STOPPED_STATES, recordBillingAction } from "@/lib/billing-state/billing-state";
import { getVmConfig, getVmStatus, listClusterVms, setVmConfig, vmPower } from "@/lib/proxmox/api";
import { ensurePower } from "@/lib/proxmox/machine";
import { withLockRetry } from "@/lib/proxmox/tasks";
import { runLeasedTaskToEnd, vmSlotHolder } from "@/lib/proxmox/work-slots";
import { transitionVm } from "@/lib/vms/vm-state";
import { isVmHeld } from "@/lib/vm-holds/hold-gate";

export type EnforcedVm = { enforcementId: string; vmId: string; vmid: number; node: string } | null;

/** The VM behind a billing row, if it was built and still exists. */
export async function loadEnforcedVm(enforcementId: string): Promise<EnforcedVm> {
  const row = await db.billingEnforcement.findUniqueOrThrow({ where: { id: enforcementId }, select: { orderId: true } });
  const vm = await db.vm.findUnique({ where: { orderId: row.orderId }, select: { id: true, status: true, vmid: true, nodeName: true } });
  if (!vm || vm.vmid === null || !vm.nodeName || (vm.status !== "running" && vm.status !== "stopped")) return null;
  return { enforcementId, vmId: vm.id, vmid: vm.vmid, node: vm.nodeName };
}

const holder = (operation: string, vmId: string) => vmSlotHolder(vmId, `billing-${operation}`);

const isSuspendedState = async (enforcementId: string) => {
  const row = await db.billingEnforcement.findUnique({ where: { id: enforcementId }, select: { state: true } });
  return !!row && (STOPPED_STATES as readonly string[]).includes(row.state);
};

/** Records how the suspension found the VM (once: a re-run must not record "stopped" by our own stop). */
export async function recordPowerBeforeSuspend(target: NonNullable<EnforcedVm>): Promise<string> {
  const [status, config] = await Promise.all([
    withLockRetry(() => getVmStatus(target.node, target.vmid)),
    withLockRetry(() => getVmConfig(target.node, target.vmid)),
  ]);
  await db.billingEnforcement.updateMany({
    where: { id: target.enforcementId, powerBeforeSuspend: null },
    data: { powerBeforeSuspend: status.status, onbootBeforeSuspend: String(config.onboot ?? "0") === "1" },
  });
  return status.status;
}

/** Consoles closed and `onboot` off, so neither a session nor a node reboot keeps it running. */
export async function revokeAccess(target: NonNullable<EnforcedVm>): Promise<number> {
  const closed = await closeConsoles({ vmId: target.vmId }, "access_revoked");
  await withLockRetry(() => setVmConfig(target.node, target.vmid, { onboot: 0 }));
  return closed;
}

/** Graceful shutdown (ACPI), then a hard stop if the guest ignored it. Returns what it did. */
export async function stopSuspendedVm(target: NonNullable<EnforcedVm>, { shutdownTimeoutMs = 3 * 60_000 } = {}): Promise<string> {
  const running = async () => (await withLockRetry(() => getVmStatus(target.node, target.vmid))).status === "running";
  let how = "already stopped";
  try {
    if (
      await runLeasedTaskToEnd(
        holder("shutdown", target.vmId),
        "shutdown",
        async () => ((await running()) ? vmPower(target.node, target.vmid, "shutdown") : null),
        { timeoutMs: shutdownTimeoutMs },
      )
    )
      how = "shut down";
  } catch {
    how = "shutdown failed";
  }
  if (await running()) {
    await ensurePower(target, "stopped", holder("stop", target.vmId), "hard stop");
    how = "hard stopped";
  }
  await transitionVm(target.vmId, ["running", "stopped"], "stopped");
  return how;
}

/**
 * Once the VM is stopped: Cloudflare Access denies everyone and revokes open sessions (the policy
 * follows the billing state). After the stop, so a Cloudflare outage cannot hold up the stop.
 */
export async function markSuspendDone(enforcementId: string, how: string) {
  const { orderId } = await db.billingEnforcement.findUniqueOrThrow({ where: { id: enforcementId }, select: { orderId: true } });
  await syncVmAccessOfOrder(orderId);
  const { count } = await db.billingEnforcement.updateMany({ where: { id: enforcementId, suspendDoneAt: null }, data: { suspendDoneAt: new Date() } });
  if (count === 1) await recordBillingAction(enforcementId, "vm_suspended", { type: "system" }, { how });
}

export { isSuspendedState };

/**
 * After payment (I7): starts the VM again when it was running at suspension and RESTORE_POWER is
 * `previous`, puts `onboot` back as it was, and clears the suspension record.
 */
export async function restoreVmPower(enforcementId: string): Promise<string> {
  const row = await db.billingEnforcement.findUniqueOrThrow({ where: { id: enforcementId } });
  if (row.state !== "active" && row.state !== "canceled_at_period_end") return `not restored: state is ${row.state}`;
  const target = await loadEnforcedVm(enforcementId);
  let did = "no VM to restore";
  // A VM also held apart from billing (abuse, a dispute: lib/vm-holds) stays stopped, onboot off.
  if (target && (await isVmHeld(target.vmId))) did = "left stopped (suspended by the operator)";
  else if (target) {
    if (row.onbootBeforeSuspend) await withLockRetry(() => setVmConfig(target.node, target.vmid, { onboot: 1 }));
    if (env().RESTORE_POWER === "previous" && row.powerBeforeSuspend === "running") {
      await ensurePower(target, "running", holder("start", target.vmId), "start");
      await transitionVm(target.vmId, ["running", "stopped"], "running");
      did = "started again";
    } else {
      did = env().RESTORE_POWER === "never" ? "left stopped (RESTORE_POWER=never)" : "left stopped (it was not running when suspended)";
    }
  }
  // The owner is admitted again through Cloudflare Access (the policy follows the billing state).
  await syncVmAccessOfOrder(row.orderId);
  const { count } = await db.billingEnforcement.updateMany({
    where: { id: enforcementId, suspendedAt: { not: null }, state: { in: ["active", "canceled_at_period_end"] } },
    data: { suspendedAt: null, suspendDoneAt: null, powerBeforeSuspend: null, onbootBeforeSuspend: null },
  });
  if (count === 1) await recordBillingAction(enforcementId, "vm_restored", { type: "system" }, { did });
  return did;
}

/**
 * Suspended means stopped (I6): one cluster listing, and every VM of a suspended row that
 * Proxmox reports running is stopped again and audited.
 */
export async function stopSuspendedVmsFoundRunning(): Promise<Array<{ enforcementId: string; vmId: string }>> {
  const rows = await db.$queryRaw<Array<{ enforcementId: string; vmId: string; vmid: number; node: string }>>`
    SELECT b.id AS "enforcementId", v.id AS "vmId", v.vmid, v.node_name AS node
      FROM billing_enforcements b JOIN vms v ON v.order_id = b.order_id
     WHERE b.state IN ('suspended', 'ended', 'retained', 'pending_deletion') AND b.suspend_done_at IS NOT NULL
       AND v.vmid IS NOT NULL AND v.node_name IS NOT NULL AND v.status IN ('running', 'stopped')`;
  if (rows.length === 0) return [];
  const running = new Set((await listClusterVms()).filter((r) => r.status === "running").map((r) => r.vmid));
  const stopped: Array<{ enforcementId: string; vmId: string }> = [];
  for (const row of rows) {
    if (!running.has(row.vmid)) continue;
    await recordAudit({ type: "system" }, "billing.suspended_vm_found_running", { type: "vm", id: row.vmId }, { enforcementId: row.enforcementId });
    await closeConsoles({ vmId: row.vmId }, "access_revoked");
    await ensurePower(row, "stopped", holder("stop", row.vmId), "hard stop");
    await transitionVm(row.vmId, ["running", "stopped"], "stopped");
    await recordBillingAction(row.enforcementId, "suspended_vm_stopped_again", { type: "system" }, { vmId: row.vmId });
    stopped.push({ enforcementId: row.enforcementId, vmId: row.vmId });
  }
  return stopped;
}

/**
 * A kept VM bought back (issue 16): `onboot` as it was before it was stopped, and started — the
 * customer asked to use it again, so this start is theirs, not "automatic" (I6).
 */
export async function startRestoredVm(vmId: string, previousEnforcementId: string | null): Promise<string> {
  const vm = await db.vm.findUniqueOrThrow({ where: { id: vmId }, select: { vmid: true, nodeName: true } });
  if (vm.vmid === null || !vm.nodeName) throw new Error(`vm ${vmId} has no VMID or node`);
  const { vmid, nodeName: node } = vm;
  const previous = previousEnforcementId
    ? await db.billingEnforcement.findUnique({ where: { id: previousEnforcementId }, select: { onbootBeforeSuspend: true } })
    : null;
  if (previous?.onbootBeforeSuspend) await withLockRetry(() => setVmConfig(node, vmid, { onboot: 1 }));
  await ensurePower({ node, vmid }, "running", holder("start", vmId), "start");
  await transitionVm(vmId, ["running", "stopped"], "running");
  return "started";
}
