// The VM page's firewall panel (issue 26) through the real action wrapper and session helpers:
// intent recorded, audited and signalled; bad input is a field error that writes nothing; another
// user's VM is a 404; then the vm-firewall function carries it out on the Proxmox stand-in.
import { beforeEach, describe, expect, inject, it, vi } from "vitest";

const session = vi.hoisted(() => ({ userId: null as string | null }));
vi.mock("server-only", () => ({}));
vi.mock("next/cache", () => ({ revalidatePath: vi.fn() }));
vi.mock("@/lib/auth", async () => {
  const { sessionOf } = await import("@/test/fixtures/session");
  return { auth: () => sessionOf(session.userId) };
});

import { InngestTestEngine } from "@inngest/test";
import { db } from "@/lib/db";
import { idleState } from "@/lib/actions/form-state";
import { vmFirewallFunction } from "@/inngest/functions/vm-firewall";
import { loadFirewallPanel } from "@/lib/network/customer-rules";
import { createVmFixture, digestOf, formData, NOT_FOUND_DIGEST as NOT_FOUND } from "@/test/fixtures/vm";
import { addFirewallRuleAction, removeFirewallRuleAction, setFirewallModeAction } from "./actions";

const simUrls = inject("simUrls");
const writesFor = async (vmId: string) => ({
  rules: await db.vmFirewallRule.count({ where: { vmId } }),
  audits: await db.auditEvent.count({ where: { subjectType: "vm", subjectId: vmId } }),
  revision: (await db.vm.findUniqueOrThrow({ where: { id: vmId } })).firewallRevision,
});

beforeEach(() => {
  session.userId = null;
});

let address = Math.floor(Math.random() * 40_000);
/** A VM of the VM page's fixtures with an address, as provisioning gives one (issue 26). */
async function managedVm(opts: Parameters<typeof createVmFixture>[0] = {}) {
  const fixture = await createVmFixture(opts);
  address += 1;
  await db.vm.update({ where: { id: fixture.vm.id }, data: { ipAddress: `10.251.${Math.floor(address / 256) % 256}.${address % 256}` } });
  return fixture;
}

describe("firewall panel actions", () => {
  it("I2: adding a rule records it, audits it and sends vm/firewall.sync-requested named after the revision", async () => {
    const { userId, vm } = await managedVm({ status: "running" });
    session.userId = userId;
    const state = await addFirewallRuleAction(idleState, formData({ vmId: vm.id, protocol: "tcp", ports: "8000-8100", comment: "lab web" }));
    expect(state).toEqual({ status: "success", message: "Rule added; it applies in a moment." });
    expect(await db.vmFirewallRule.findMany({ where: { vmId: vm.id } })).toEqual([
      expect.objectContaining({ protocol: "tcp", ports: "8000:8100", comment: "lab web" }),
    ]);
    const audit = await db.auditEvent.findFirstOrThrow({ where: { subjectId: vm.id, action: "vm.firewall_rule_added" } });
    expect(audit).toMatchObject({ actorType: "customer", actorId: userId, data: { protocol: "tcp", ports: "8000:8100", revision: 1 } });
    const event = await (await fetch(`${simUrls.inngest}/_sim/events/vm-firewall-${vm.id}-r1`)).json();
    expect(event).toMatchObject({ name: "vm/firewall.sync-requested", data: { vmId: vm.id, reason: "vm.firewall_rule_added" } });
    expect(await loadFirewallPanel(userId, vm.id)).toMatchObject({ applying: true, allowAllOwn: true, rules: [{ protocol: "tcp", ports: "8000–8100" }] });
  });

  it("I10: bad protocols, ports and notes are field errors and write nothing", async () => {
    const { userId, vm } = await managedVm({ status: "running" });
    session.userId = userId;
    const cases: Array<[Record<string, string>, Record<string, string>]> = [
      [{ protocol: "gre", ports: "", comment: "" }, { protocol: "Choose TCP, UDP or ICMP." }],
      [{ protocol: "tcp", ports: "70000", comment: "" }, { ports: "A port from 1 to 65535, or a range like 8000-8100." }],
      [{ protocol: "udp", ports: "90-80", comment: "" }, { ports: "A port from 1 to 65535, or a range like 8000-8100." }],
      [{ protocol: "icmp", ports: "22", comment: "" }, { ports: "ICMP has no ports: leave this empty." }],
      [{ protocol: "tcp", ports: "22", comment: "<script>" }, { comment: "Letters, digits, spaces and . , : ( ) / - only." }],
    ];
    for (const [input, fieldErrors] of cases) {
      expect(await addFirewallRuleAction(idleState, formData({ vmId: vm.id, ...input }))).toMatchObject({ status: "error", fieldErrors });
    }
    expect(await setFirewallModeAction(idleState, formData({ vmId: vm.id, allowAll: "maybe" }))).toMatchObject({
      fieldErrors: { allowAll: "Choose what your other VMs may reach." },
    });
    expect(await writesFor(vm.id)).toEqual({ rules: 0, audits: 0, revision: 0 });
  });

  it("I5: another user's VM is a 404 for every firewall action, and nothing is written", async () => {
    const owner = await managedVm({ status: "running" });
    const other = await managedVm({ status: "running" });
    session.userId = other.userId;
    const attempts = [
      () => addFirewallRuleAction(idleState, formData({ vmId: owner.vm.id, protocol: "tcp", ports: "22", comment: "" })),
      () => setFirewallModeAction(idleState, formData({ vmId: owner.vm.id, allowAll: "selected" })),
      () => removeFirewallRuleAction(idleState, formData({ vmId: owner.vm.id, ruleId: "x" })),
    ];
    for (const attempt of attempts) expect(await digestOf(attempt())).toBe(NOT_FOUND);
    expect(await loadFirewallPanel(other.userId, owner.vm.id)).toBeNull();
    expect(await writesFor(owner.vm.id)).toEqual({ rules: 0, audits: 0, revision: 0 });
  });

  it("a VM still being set up cannot have its firewall changed yet (nothing written)", async () => {
    const { userId, vm } = await createVmFixture({ status: "provisioning", vmid: null, nodeName: null });
    session.userId = userId;
    expect(await setFirewallModeAction(idleState, formData({ vmId: vm.id, allowAll: "selected" }))).toMatchObject({
      status: "error",
      message: "The firewall can be changed once the VM is ready.",
    });
    expect(await writesFor(vm.id)).toEqual({ rules: 0, audits: 0, revision: 0 });
  });

  it("removing a rule and switching to listed rules are audited, each a new revision waiting to be carried out", async () => {
    const { userId, vm } = await managedVm({ status: "running" });
    session.userId = userId;
    await addFirewallRuleAction(idleState, formData({ vmId: vm.id, protocol: "icmp", ports: "", comment: "" }));
    const rule = await db.vmFirewallRule.findFirstOrThrow({ where: { vmId: vm.id } });
    expect(await setFirewallModeAction(idleState, formData({ vmId: vm.id, allowAll: "selected" }))).toMatchObject({ status: "success" });
    expect(await removeFirewallRuleAction(idleState, formData({ vmId: vm.id, ruleId: rule.id }))).toMatchObject({ status: "success" });
    expect(await removeFirewallRuleAction(idleState, formData({ vmId: vm.id, ruleId: rule.id }))).toMatchObject({
      status: "error",
      message: "This rule is already gone.",
    });
    const actions = (await db.auditEvent.findMany({ where: { subjectId: vm.id }, orderBy: { createdAt: "asc" } })).map((a) => a.action);
    expect(actions).toEqual(["vm.firewall_rule_added", "vm.firewall_mode_set", "vm.firewall_rule_removed"]);
    expect(await loadFirewallPanel(userId, vm.id)).toMatchObject({ applying: true, allowAllOwn: false, rules: [] });
  });

  it("a VM built before tenant networks (no address) shows no panel and refuses changes; a sync for it settles at once", async () => {
    const { userId, vm } = await createVmFixture({ status: "running" });
    session.userId = userId;
    expect(await loadFirewallPanel(userId, vm.id)).toMatchObject({ editable: false });
    expect(await setFirewallModeAction(idleState, formData({ vmId: vm.id, allowAll: "selected" }))).toMatchObject({
      status: "error",
      message: expect.stringMatching(/before per-customer networks/),
    });
    await db.vm.update({ where: { id: vm.id }, data: { firewallRevision: 3 } });
    const { result, error } = await new InngestTestEngine({
      function: vmFirewallFunction,
      events: [{ name: "vm/firewall.sync-requested", data: { vmId: vm.id, reason: "test" } }],
    }).execute();
    expect(error).toBeUndefined();
    expect(result).toMatchObject({ vmId: vm.id, changed: [], revision: null });
    expect((await db.vm.findUniqueOrThrow({ where: { id: vm.id } })).firewallAppliedRevision).toBe(3);
  });
});
