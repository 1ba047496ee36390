// Issue 25: Cloudflare Access follows holds. While a VM is held (abuse, a disputed payment, a fraud
// warning) its Access application denies everyone on every hostname (SSH and, for EVE-NG, web) and
// the sessions already issued are revoked; lifting the last hold admits the owner again, unless
// billing still keeps the VM suspended. Re-running either side changes nothing. Against the
// Cloudflare stand-in's edge, with a real provisioned EVE-NG VM.
import { InngestTestEngine } from "@inngest/test";
import { afterAll, describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { provisionVmFunction } from "@/inngest/functions/provision-vm";
import { vmHoldFunction } from "@/inngest/functions/vm-hold";
import { liftHold, placeHold } from "@/lib/vm-holds/place-hold";
import { cloudflareSim, createPaidOrder, retireProvisioningFixtures } from "@/test/fixtures/provisioning";
import { unique } from "@/test/fixtures/unique";

afterAll(retireProvisioningFixtures);

const admin = { type: "admin" as const, id: "admin_ops" };
const NOTE = "Outbound spam was reported from this VM.";

async function provisionedEve() {
  const { order, user } = await createPaidOrder({ labType: "eve" });
  const { error } = await new InngestTestEngine({
    function: provisionVmFunction,
    events: [{ name: "order/paid", data: { orderId: order.id, attempt: 1 } }],
  }).execute();
  expect(error).toBeUndefined();
  const vm = await db.vm.findUniqueOrThrow({ where: { orderId: order.id } });
  await expect.poll(async () => (await cloudflareSim.state()).tunnels.find((t) => t.id === vm.tunnelId)?.status, { timeout: 10_000 }).toBe("healthy");
  return { order, user, vm, hostnames: [vm.sshHostname!, vm.webHostname!] };
}

const runHold = async (name: "vm/hold.placed" | "vm/hold.lifted", holdId: string, vmId: string) => {
  const run = await new InngestTestEngine({ function: vmHoldFunction, events: [{ name, id: `${name}-${holdId}`, data: { holdId, vmId } } as never] }).execute();
  expect(run.error).toBeUndefined();
  return run.result as Record<string, unknown>;
};
const appOf = async (appId: string) => (await cloudflareSim.state()).access_apps.find((a) => a.id === appId)!;
const policiesNamed = async (name: string) => (await cloudflareSim.state()).access_policies.filter((p) => p.name === name);

/**
 * What Access does with the owner on `hostname`: refuses the login, or lets their token through to
 * the tunnel (whose answer, the held VM being stopped, is Cloudflare's 530: past Access either way).
 */
async function ownerAtAccess(hostname: string, email: string): Promise<"refused" | "sent to login" | "through"> {
  const login = await cloudflareSim.login(hostname, email);
  if (login.status === 403) return "refused";
  expect(login.status).toBe(200);
  return (await cloudflareSim.edge(hostname, "/", { token: login.token })).status === 302 ? "sent to login" : "through";
}

describe("Cloudflare Access follows holds (issue 25)", () => {
  it("I5/I6: a hold denies the owner on the SSH and web hostnames and revokes open sessions; a replay changes nothing; lifting it admits the owner again", async () => {
    const { user, vm, hostnames } = await provisionedEve();
    const sessions = [];
    for (const hostname of hostnames) {
      const login = await cloudflareSim.login(hostname, user.email);
      expect(login.status).toBe(200);
      sessions.push({ hostname, token: login.token });
    }

    const { holdId } = await placeHold({ vmId: vm.id, kind: "abuse", reason: "abuse_report", customerNote: NOTE, actor: admin });
    expect(await runHold("vm/hold.placed", holdId, vm.id)).toMatchObject({ access: "access denied (suspended)" });
    const denied = await appOf(vm.accessAppId!);
    expect(denied.policies).toEqual([expect.objectContaining({ id: vm.accessPolicyId, decision: "deny", include: [{ everyone: {} }] })]);
    expect(denied.revoked_before).not.toBeNull();
    for (const { hostname, token } of sessions) {
      // The session opened before is void (back to the Access login), and a new login is refused.
      expect((await cloudflareSim.edge(hostname, "/", { token })).status).toBe(302);
      expect((await cloudflareSim.login(hostname, user.email)).status).toBe(403);
    }
    expect(await db.auditEvent.count({ where: { subjectId: vm.id, action: "vm.hold_access_denied" } })).toBe(1);

    // A replayed placement: the same one policy (no second one, no new application), still deny.
    await runHold("vm/hold.placed", holdId, vm.id);
    expect(await policiesNamed(denied.name)).toEqual([expect.objectContaining({ id: vm.accessPolicyId, decision: "deny", app_count: 1 })]);
    expect((await cloudflareSim.state()).access_apps.filter((a) => a.name === denied.name)).toHaveLength(1);
    expect(await db.auditEvent.count({ where: { subjectId: vm.id, action: "vm.hold_access_denied" } })).toBe(1);

    await liftHold({ holdId, actor: admin });
    expect(await runHold("vm/hold.lifted", holdId, vm.id)).toMatchObject({ access: "owner admitted" });
    expect((await appOf(vm.accessAppId!)).policies).toEqual([
      expect.objectContaining({ id: vm.accessPolicyId, decision: "allow", include: [{ email: { email: user.email } }] }),
    ]);
    for (const hostname of hostnames) expect(await ownerAtAccess(hostname, user.email)).toBe("through");
    expect(await db.auditEvent.count({ where: { subjectId: vm.id, action: "vm.hold_access_restored" } })).toBe(1);

    // A replayed lift: still the owner, one policy, nothing audited twice.
    expect(await runHold("vm/hold.lifted", holdId, vm.id)).toMatchObject({ access: "owner admitted" });
    expect(await policiesNamed(denied.name)).toEqual([expect.objectContaining({ id: vm.accessPolicyId, decision: "allow", app_count: 1 })]);
    expect(await db.auditEvent.count({ where: { subjectId: vm.id, action: "vm.hold_access_restored" } })).toBe(1);
    expect(await ownerAtAccess(hostnames[1]!, user.email)).toBe("through");
  });

  it("I6/I7: with two holds (abuse and a dispute) lifting one keeps the owner out; with a billing suspension as well, lifting every hold still keeps them out", async () => {
    const { order, user, vm, hostnames } = await provisionedEve();
    const abuse = await placeHold({ vmId: vm.id, kind: "abuse", reason: "terms_violation", customerNote: NOTE, actor: admin });
    const dispute = await placeHold({ vmId: vm.id, kind: "dispute", reason: "fraudulent", stripeObjectId: `dp_${unique()}`, actor: { type: "stripe" } });
    await runHold("vm/hold.placed", abuse.holdId, vm.id);
    await runHold("vm/hold.placed", dispute.holdId, vm.id);

    await liftHold({ holdId: abuse.holdId, actor: admin });
    expect(await runHold("vm/hold.lifted", abuse.holdId, vm.id)).toMatchObject({ access: "access denied (suspended)" });
    for (const hostname of hostnames) expect(await ownerAtAccess(hostname, user.email)).toBe("refused");

    // Billing suspends the VM meanwhile: the dispute's lift must not admit the owner.
    const tag = unique();
    await db.billingEnforcement.create({
      data: {
        subscriptionId: `sub-row-${tag}`,
        stripeSubscriptionId: `sub_${tag}`,
        userId: user.id,
        orderId: order.id,
        state: "suspended",
        suspendedAt: new Date(),
      },
    });
    await liftHold({ holdId: dispute.holdId, actor: { type: "stripe" } });
    expect(await runHold("vm/hold.lifted", dispute.holdId, vm.id)).toMatchObject({ access: "access denied (suspended)" });
    expect((await appOf(vm.accessAppId!)).policies).toEqual([expect.objectContaining({ decision: "deny" })]);
    for (const hostname of hostnames) expect(await ownerAtAccess(hostname, user.email)).toBe("refused");
    expect(await db.auditEvent.count({ where: { subjectId: vm.id, action: "vm.hold_access_restored" } })).toBe(0);
  });
});
