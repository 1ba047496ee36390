// What a customer may open on their VM (issue 26): inbound traffic from their own other VMs —
// everything, or chosen protocols and ports. Recorded as intent (I2) with an audit event, then the
// vm-firewall function carries it out. Another user's VM is indistinguishable from none (I5).
// The tunnel path (SSH, the EVE-NG web UI) is not affected: cloudflared connects outbound.
import { z } from "zod";
import { UserFacingError } from "@/lib/errors";
import { recordAudit } from "@/lib/audit/record-audit";
import { db } from "@/lib/db";
import { inngest } from "@/lib/jobs/client";
import { vmFirewallSyncRequested } from "@/lib/jobs/events";

export const MAX_FIREWALL_RULES = 20;
const vmId = z.string().trim().min(1, "Missing VM.").max(64, "Unknown VM.");

/** `22`, `8000-8100` or `8000:8100` → Proxmox's `22` / `8000:8100`; null when not a port spec. */
export function normalisePorts(text: string): string | null {
  const m = /^\s*(\d{1,5})\s*(?:[-:]\s*(\d{1,5})\s*)?$/.exec(text);
  if (!m) return null;
  const [a, b] = [Number(m[1]), m[2] === undefined ? undefined : Number(m[2])];
  if (a < 1 || a > 65535 || (b !== undefined && (b < 1 || b > 65535 || b <= a))) return null;
  return b === undefined ? String(a) : `${a}:${b}`;
}

export const addFirewallRuleSchema = z
  .object({
    vmId,
    protocol: z.enum(["tcp", "udp", "icmp"], { message: "Choose TCP, UDP or ICMP." }),
    ports: z.string().trim().max(11, "A port (22) or a range (8000-8100)."),
    comment: z
      .string()
      .trim()
      .max(60, "At most 60 characters.")
      .regex(/^[\w .,:()/-]*$/, "Letters, digits, spaces and . , : ( ) / - only."),
  })
  .transform((v, ctx) => {
    if (v.protocol === "icmp") {
      if (v.ports) ctx.addIssue({ code: "custom", path: ["ports"], message: "ICMP has no ports: leave this empty." });
      return { ...v, ports: null };
    }
    const ports = normalisePorts(v.ports);
    if (!ports) ctx.addIssue({ code: "custom", path: ["ports"], message: "A port from 1 to 65535, or a range like 8000-8100." });
    return { ...v, ports };
  });

export const removeFirewallRuleSchema = z.object({ vmId, ruleId: z.string().trim().min(1, "Missing rule.").max(64, "Unknown rule.") });
export const allowAllSchema = z.object({ vmId, allowAll: z.enum(["all", "selected"], { message: "Choose what your other VMs may reach." }) });

type Tx = Parameters<Parameters<typeof db.$transaction>[0]>[0];

/** The customer's VM, locked for this change; null when it is not theirs (404) or gone. */
async function lockOwnVm(tx: Tx, userId: string, id: string) {
  const rows = await tx.$queryRaw<Array<{ status: string; ip_address: string | null }>>`
    SELECT status::text AS status, ip_address FROM vms WHERE id = ${id} AND user_id = ${userId} FOR UPDATE`;
  if (!rows[0]) return null;
  if (rows[0].status !== "running" && rows[0].status !== "stopped") throw new UserFacingError("The firewall can be changed once the VM is ready.");
  if (!rows[0].ip_address) throw new UserFacingError("This VM was set up before per-customer networks: its firewall cannot be changed here.");
  return rows[0];
}

async function queueSync(id: string, revision: number, reason: string) {
  try {
    await inngest.send(vmFirewallSyncRequested.once({ vmId: id, reason }, { revision }));
  } catch {
    // The change is saved; reconciliation carries it out if this signal was lost.
    throw new UserFacingError("Saved. Applying it is delayed; it will be in place within a few minutes.");
  }
}

async function change(userId: string, id: string, action: string, detail: Record<string, unknown>, write: (tx: Tx) => Promise<void>): Promise<boolean> {
  const revision = await db.$transaction(async (tx) => {
    if (!(await lockOwnVm(tx, userId, id))) return null;
    await write(tx);
    const vm = await tx.vm.update({ where: { id }, data: { firewallRevision: { increment: 1 } }, select: { firewallRevision: true } });
    await recordAudit({ type: "customer", id: userId }, action, { type: "vm", id }, { ...detail, revision: vm.firewallRevision } as never, tx);
    return vm.firewallRevision;
  });
  if (revision === null) return false;
  await queueSync(id, revision, action);
  return true;
}

export function addFirewallRule(userId: string, input: z.output<typeof addFirewallRuleSchema>): Promise<boolean> {
  return change(userId, input.vmId, "vm.firewall_rule_added", { protocol: input.protocol, ports: input.ports, comment: input.comment }, async (tx) => {
    const rules = await tx.vmFirewallRule.findMany({ where: { vmId: input.vmId } });
    if (rules.length >= MAX_FIREWALL_RULES) throw new UserFacingError(`At most ${MAX_FIREWALL_RULES} rules per VM.`);
    if (rules.some((r) => r.protocol === input.protocol && r.ports === input.ports)) throw new UserFacingError("This rule exists already.");
    await tx.vmFirewallRule.create({ data: { vmId: input.vmId, protocol: input.protocol, ports: input.ports, comment: input.comment } });
  });
}

export function removeFirewallRule(userId: string, input: z.output<typeof removeFirewallRuleSchema>): Promise<boolean> {
  return change(userId, input.vmId, "vm.firewall_rule_removed", { ruleId: input.ruleId }, async (tx) => {
    const { count } = await tx.vmFirewallRule.deleteMany({ where: { id: input.ruleId, vmId: input.vmId } });
    if (count === 0) throw new UserFacingError("This rule is already gone.");
  });
}

export function setAllowAllOwn(userId: string, input: z.output<typeof allowAllSchema>): Promise<boolean> {
  return change(userId, input.vmId, "vm.firewall_mode_set", { allowAll: input.allowAll }, async (tx) => {
    await tx.vm.update({ where: { id: input.vmId }, data: { firewallAllowAllOwn: input.allowAll === "all" } });
  });
}

/** What the VM page shows; null for another user's VM (I5). Nothing here reads Proxmox (I2). */
export async function loadFirewallPanel(userId: string, id: string) {
  const vm = await db.vm.findFirst({
    where: { id, userId },
    select: {
      id: true,
      status: true,
      ipAddress: true,
      firewallAllowAllOwn: true,
      firewallRevision: true,
      firewallAppliedRevision: true,
      firewallRules: { orderBy: { createdAt: "asc" }, select: { id: true, protocol: true, ports: true, comment: true } },
    },
  });
  if (!vm) return null;
  return {
    vmId: vm.id,
    editable: (vm.status === "running" || vm.status === "stopped") && vm.ipAddress !== null,
    allowAllOwn: vm.firewallAllowAllOwn,
    applying: vm.firewallRevision > vm.firewallAppliedRevision,
    rules: vm.firewallRules.map((r) => ({ ...r, ports: r.ports?.replace(":", "–") ?? null })),
  };
}

export type FirewallPanel = NonNullable<Awaited<ReturnType<typeof loadFirewallPanel>>>;

/** Audited when the sync had to change something (a customer's change, or a drift put right). */
export async function recordFirewallSync(id: string, reason: string, changed: string[]): Promise<void> {
  if (changed.length) await recordAudit({ type: "system" }, "vm.firewall_synced", { type: "vm", id }, { reason, changed });
}
