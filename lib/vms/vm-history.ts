// A VM's own history for its owner: what happened to it, newest first, in the customer's words,
// read from the audit trail (the VM's own events, its order's and its subscription's billing
// steps). Only the actions named below are shown, and each is worded from the action and the few
// fields listed here — never from an error text, a node, a Proxmox id or an operator's name (I4).
// Snapshots, backups and rebuild add their words to HISTORY_WORDS with one line each.
import { db } from "@/lib/db";
import type { Prisma } from "@/lib/generated/prisma/client";
import { pageWindow, toPage, type Page } from "@/lib/pagination";

type Data = Record<string, unknown>;
type Sizes = Map<string, { vcpus: number; ramGb: number; diskGb: number }>;
type Words = (data: Data, sizes: Sizes) => string;

const POWER: Record<string, { asked: string; done: string; failed: string }> = {
  start: { asked: "Start requested", done: "Started", failed: "Start did not complete" },
  shutdown: { asked: "Shutdown requested", done: "Shut down", failed: "Shutdown did not complete" },
  stop: { asked: "Hard stop requested", done: "Stopped (hard stop)", failed: "Hard stop did not complete" },
  reboot: { asked: "Reboot requested", done: "Rebooted", failed: "Reboot did not complete" },
};
const power = (data: Data) => POWER[String(data.action)] ?? { asked: "Power change requested", done: "Power changed", failed: "Power change did not complete" };
const size = (s?: { vcpus: number; ramGb: number; diskGb: number }) => (s ? ` to ${s.vcpus} vCPU · ${s.ramGb} GB RAM · ${s.diskGb} GB disk` : "");
const resize = (data: Data, sizes: Sizes) => size(sizes.get(String(data.resizeRequestId)));
// A rule is said by protocol and port(s) only: the customer's own comment stays in the panel.
const firewallRule = (data: Data) => {
  const protocol = ["tcp", "udp", "icmp"].includes(String(data.protocol)) ? String(data.protocol).toUpperCase() : "traffic";
  const ports = typeof data.ports === "string" && /^\d+(:\d+)?$/.test(data.ports) ? ` ${data.ports.replace(":", "–")}` : "";
  return `${protocol}${ports}`;
};

export const HISTORY_WORDS: Record<string, Words> = {
  "order.checkout_started": () => "Ordered",
  "order.paid": () => "Payment received: building your VM",
  "order.provisioned": () => "Created and started",
  "vm.power_requested": (d) => power(d).asked,
  "vm.power_done": (d) => power(d).done,
  "vm.power_failed": (d) => power(d).failed,
  "console.opened": () => "Console opened",
  "vm.password_revealed": () => "Login password shown",
  "vm.eve_password_revealed": () => "EVE-NG web password shown",
  "vm.resize_requested": (d, s) => `Resize${resize(d, s)} requested`,
  "vm.resize_scheduled": (d, s) => `Resize${resize(d, s)} scheduled for your renewal`,
  "vm.resize_paid": () => "Resize paid",
  "vm.resize_applied": (d, s) => `Resized${resize(d, s)}`,
  "vm.resize_canceled": () => "Scheduled resize canceled",
  "vm.resize_expired": () => "Resize lapsed unpaid: nothing changed",
  "vm.resize_refunded": () => "Resize refunded",
  "vm.firewall_rule_added": (d) => `Firewall: ${firewallRule(d)} from your other VMs allowed`,
  "vm.firewall_rule_removed": () => "Firewall: a rule removed",
  "vm.firewall_mode_set": (d) =>
    d.allowAll === "all" ? "Firewall: everything from your other VMs allowed" : "Firewall: only the listed rules from your other VMs",
  "billing.cancel_requested": () => "Cancellation at the end of the period requested",
  "billing.cancel_undone": () => "Cancellation undone",
  "billing.state_past_due": () => "Renewal payment overdue",
  "billing.state_final_warning": () => "Final payment warning",
  "billing.state_backups_blocked": () => "Snapshots and backups blocked: payment overdue",
  "billing.state_suspended": () => "Stopped for an unpaid invoice (data kept)",
  "billing.state_pending_deletion": () => "Scheduled for deletion",
  "billing.vm_restored": () => "Payment received: access restored",
};

export type HistoryEntry = { id: string; at: string; text: string };
export const HISTORY_PAGE_SIZE = 15;

/** The owner's VM's history page; null when the VM is not theirs (404, I5). */
export async function loadVmHistory(userId: string, vmId: string, page: number): Promise<Page<HistoryEntry> | null> {
  const vm = await db.vm.findFirst({ where: { id: vmId, userId }, select: { id: true, orderId: true } });
  if (!vm) return null;
  const [subscription, enforcement] = await Promise.all([
    db.subscription.findUnique({ where: { orderId: vm.orderId }, select: { id: true } }),
    db.billingEnforcement.findUnique({ where: { orderId: vm.orderId }, select: { id: true } }),
  ]);
  const subjects: Prisma.AuditEventWhereInput[] = [
    { subjectType: "vm", subjectId: vm.id },
    { subjectType: "order", subjectId: vm.orderId },
    ...(subscription ? [{ subjectType: "subscription", subjectId: subscription.id }] : []),
    ...(enforcement ? [{ subjectType: "billing", subjectId: enforcement.id }] : []),
  ];
  const where: Prisma.AuditEventWhereInput = { OR: subjects, action: { in: Object.keys(HISTORY_WORDS) } };
  const [rows, total] = await Promise.all([
    db.auditEvent.findMany({
      where,
      orderBy: [{ createdAt: "desc" }, { id: "desc" }],
      ...pageWindow(page, HISTORY_PAGE_SIZE),
      select: { id: true, action: true, createdAt: true, data: true },
    }),
    db.auditEvent.count({ where }),
  ]);
  const ids = rows.map((r) => (r.data as Data | null)?.resizeRequestId).filter((id): id is string => typeof id === "string");
  const resizes = ids.length
    ? await db.resizeRequest.findMany({ where: { id: { in: ids }, vmId: vm.id }, select: { id: true, vcpus: true, ramGb: true, diskGb: true } })
    : [];
  const sizes: Sizes = new Map(resizes.map((r) => [r.id, r]));
  const items = rows.map((r) => ({ id: r.id, at: r.createdAt.toISOString(), text: HISTORY_WORDS[r.action]!((r.data ?? {}) as Data, sizes) }));
  return toPage(items, total, page, HISTORY_PAGE_SIZE);
}
