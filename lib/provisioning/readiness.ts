// "Ready" means reachable (issue 20): after the start, provisioning waits until the guest's QEMU
// agent answers, cloud-init has finished (without errors), the guest can run its own VMs (vmx or
// svm in /proc/cpuinfo, which vJunos, vMX, vEOS and NX-OSv need) and the VM's tunnel has a live
// connector on Cloudflare. Each look polls for at most `budgetMs` inside one step; the Inngest
// function sleeps between looks within the run's budget, and a guest that never reports in fails
// the run, which compensates like any other failure (I8).
import { cloudflare } from "@/lib/access/cloudflare";
import { recordAudit } from "@/lib/audit/record-audit";
import { db } from "@/lib/db";
import { env } from "@/lib/env";
import { agentFileRead, agentInfo } from "@/lib/proxmox/api";
import { ProxmoxError } from "@/lib/proxmox/errors";
import { pollUntil } from "@/lib/proxmox/tasks";
import { ProvisioningHaltedError } from "@/lib/provisioning/errors";
import { loadOrder, placedVmOf } from "@/lib/provisioning/load-order";

export type Look = { ready: boolean };

/** The guest lacks vmx/svm: its node is flagged and the order fails with this reason. */
export class NestedVirtMissingError extends ProvisioningHaltedError {
  constructor(node: string) {
    super(`nested virtualization missing: the guest on ${node} has no vmx/svm in /proc/cpuinfo (CPU type not host, or the host's kvm module has nested=0)`);
    this.name = "NestedVirtMissingError";
  }
}

/** Agent answers that mean "not up yet" (qemu-server Agent.pm assert_agent_available); anything else is a real error. */
const NOT_YET = /QEMU guest agent is not running|is not running|failed to open file/;
const notYet = (error: unknown) => error instanceof ProxmoxError && error.status === 500 && NOT_YET.test(error.message);

const poll = <T>(budgetMs: number, look: () => Promise<T | undefined>) => pollUntil(look, Date.now() + budgetMs, { firstPauseMs: 50, maxPauseMs: 1_000 });

/** An order (provisioning) or a VM already placed (rebuild). */
export type ReadinessTarget = string | { id: string; vmid: number; nodeName: string; tunnelId: string | null };
type Placed = { id: string; vmid: number; nodeName: string; tunnelId: string | null };

async function placed(target: ReadinessTarget): Promise<Placed> {
  return typeof target === "string" ? placedVmOf(await loadOrder(target)) : target;
}

/** `GET agent/info` answers (qemu-ga runs in the guest). */
export async function waitForGuestAgent(target: ReadinessTarget, budgetMs = 10_000): Promise<Look> {
  const vm = await placed(target);
  const up = await poll(budgetMs, () =>
    agentInfo(vm.nodeName, vm.vmid).then(
      () => true,
      (error: unknown) => {
        if (notYet(error)) return undefined;
        throw error;
      },
    ),
  );
  return { ready: up === true };
}

/**
 * cloud-init writes /run/cloud-init/result.json when its last stage ends, listing the errors it
 * met (cloud-init's own status file; `cloud-init status` reads the same). Errors halt: a guest
 * whose user-data failed has no tunnel and no keys.
 */
export async function waitForCloudInit(target: ReadinessTarget, budgetMs = 10_000): Promise<Look> {
  const vm = await placed(target);
  const result = await poll(budgetMs, () =>
    agentFileRead(vm.nodeName, vm.vmid, "/run/cloud-init/result.json").then(
      (file) => file.content,
      (error: unknown) => {
        if (notYet(error)) return undefined;
        throw error;
      },
    ),
  );
  if (result === undefined) return { ready: false };
  let errors: unknown[] = [];
  try {
    errors = (JSON.parse(result) as { v1?: { errors?: unknown[] } }).v1?.errors ?? [];
  } catch {
    throw new ProvisioningHaltedError("cloud-init's result.json is not JSON");
  }
  if (errors.length) throw new ProvisioningHaltedError(`cloud-init finished with errors: ${errors.map(String).join("; ").slice(0, 500)}`);
  return { ready: true };
}

/** vmx (Intel) or svm (AMD) among the guest's CPU flags; otherwise the node is flagged for the operator. */
export async function checkNestedVirt(target: ReadinessTarget): Promise<{ nested: true }> {
  const vm = await placed(target);
  const id = vm.id;
  const cpuinfo = await agentFileRead(vm.nodeName, vm.vmid, "/proc/cpuinfo");
  const nested = /^flags\s*:.*\b(vmx|svm)\b/m.test(cpuinfo.content);
  if (nested) {
    await db.vm.update({ where: { id }, data: { nestedVirt: true } });
    return { nested: true };
  }
  const flagged = await db.proxmoxNode.updateMany({ where: { name: vm.nodeName, nestedVirtMissingAt: null }, data: { nestedVirtMissingAt: new Date() } });
  if (flagged.count) await recordAudit({ type: "system" }, "node.nested_virt_missing", { type: "node", id: vm.nodeName }, { vmId: id, vmid: vm.vmid });
  await db.vm.update({ where: { id }, data: { nestedVirt: false } });
  throw new NestedVirtMissingError(vm.nodeName);
}

/** The tunnel has a connector with live connections (Cloudflare's `cfd_tunnel/{id}/connections`). */
export async function waitForTunnel(target: ReadinessTarget, budgetMs = 10_000): Promise<Look> {
  const vm = await placed(target);
  if (!vm.tunnelId) throw new ProvisioningHaltedError("the VM has no tunnel");
  const tunnelId = vm.tunnelId;
  const healthy = await poll(budgetMs, async () => {
    const clients = await cloudflare().zeroTrust.tunnels.cloudflared.connections.get(tunnelId, { account_id: env().CLOUDFLARE_ACCOUNT_ID });
    const live = clients.getPaginatedItems().some((c) => (c.conns ?? []).some((conn) => !conn.is_pending_reconnect));
    return live ? true : undefined;
  });
  return { ready: healthy === true };
}

/** The readiness facts in order, by the progress word the order page shows for each. */
export type ReadinessPhase = "booting" | "first_boot" | "nested_virt" | "tunnel";

/** What the operator reads when a phase never completed. */
export const NOT_REACHED: Record<ReadinessPhase, string> = {
  booting: "its guest agent never answered",
  first_boot: "cloud-init did not finish",
  nested_virt: "nested virtualization was not confirmed",
  tunnel: "its tunnel never reported a healthy connection",
};

/**
 * One look at every readiness fact in order (agent, cloud-init, vmx, tunnel) within `budgetMs`,
 * reporting each phase as it is reached (the order page's stages). One step per look: at zero
 * latency a new VM is reachable in one Inngest round trip instead of four, and a guest still
 * booting costs one step and one sleep per look, not one per fact.
 */
export async function checkReachable(
  target: ReadinessTarget,
  budgetMs: number,
  report: (phase: ReadinessPhase) => Promise<unknown> = async () => undefined,
): Promise<Look & { phase: ReadinessPhase }> {
  const deadline = Date.now() + budgetMs;
  const left = () => Math.max(0, deadline - Date.now());
  await report("booting");
  if (!(await waitForGuestAgent(target, left())).ready) return { ready: false, phase: "booting" };
  await report("first_boot");
  if (!(await waitForCloudInit(target, left())).ready) return { ready: false, phase: "first_boot" };
  await report("nested_virt");
  await checkNestedVirt(target);
  await report("tunnel");
  if (!(await waitForTunnel(target, left())).ready) return { ready: false, phase: "tunnel" };
  return { ready: true, phase: "tunnel" };
}

/** The longest one look polls inside its step; the run sleeps between looks. */
export const LOOK_MS = 20_000;

export type TimedLook = { ready: boolean; expired: boolean; phase: ReadinessPhase };

/** When a VM started at `startedAt` must be reachable (GUEST_READY_TIMEOUT_SECONDS). */
export const readyDeadline = (startedAt: number) => startedAt + env().GUEST_READY_TIMEOUT_SECONDS * 1000;

/** One look, never past the deadline; `expired` is decided inside the step, so a replay takes the same path. */
export async function lookWithin(readyBy: number, check: (budgetMs: number) => Promise<Look & { phase: ReadinessPhase }>): Promise<TimedLook> {
  const left = readyBy - Date.now();
  if (left <= 0) return { ready: false, expired: true, phase: "booting" };
  const seen = await check(Math.min(LOOK_MS, left));
  return { ready: seen.ready, expired: !seen.ready && Date.now() >= readyBy, phase: seen.phase };
}
