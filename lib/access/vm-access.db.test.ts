// Issue 23 "Prove it" (I5): a provisioned VM sits behind a Cloudflare Access application for
// exactly its hostnames and a policy for exactly its owner; through the stand-in's edge, no token
// means the Access login and the owner's token reaches the VM's own sshd / EVE-NG (the guest in the
// Proxmox stand-in runs cloudflared with the token from its cloud-init); suspension denies and
// revokes, restore admits again, an email change follows, deletion and compensation leave nothing.
import { InngestTestEngine } from "@inngest/test";
import { afterAll, describe, expect, it } from "vitest";
import { billingSuspendVmFunction } from "@/inngest/functions/billing-suspend-vm";
import { provisionVmFunction } from "@/inngest/functions/provision-vm";
import { db } from "@/lib/db";
import { env } from "@/lib/env";
import { openSecret } from "@/lib/crypto/secret-box";
import { restoreVmPower } from "@/lib/billing-state/enforce-vm";
import { compensateProvisioning, inlineRunner } from "@/lib/provisioning/compensate";
import { removeAccessApplication } from "@/lib/provisioning/cleanup-actions";
import { accessPolicySpec, syncOwnerEmailToAccess } from "./vm-access";
import { protectExistingVm, protectExistingVms } from "./protect-existing";
import { ensureIngress } from "@/lib/provisioning/tunnel-dns";
import { cloudflareSim, createPaidOrder, leftoversFor, NOTHING_LEFT, retireProvisioningFixtures, tunnelNameOf } from "@/test/fixtures/provisioning";
import { unique } from "@/test/fixtures/unique";

afterAll(retireProvisioningFixtures);

const execute = (orderId: string) =>
  new InngestTestEngine({ function: provisionVmFunction, events: [{ name: "order/paid", data: { orderId, attempt: 1 } }] }).execute();

async function provisioned(labType: "eve" | "containerlab" = "eve") {
  const { order, user } = await createPaidOrder({ labType });
  const { error } = await execute(order.id);
  expect(error).toBeUndefined();
  const vm = await db.vm.findUniqueOrThrow({ where: { orderId: order.id } });
  // The guest's cloudflared is up once the tunnel has a live connector.
  await expect.poll(async () => (await cloudflareSim.state()).tunnels.find((t) => t.id === vm.tunnelId)?.status, { timeout: 10_000 }).toBe("healthy");
  return { order, user, vm };
}

const banner = async (res: Awaited<ReturnType<typeof cloudflareSim.edge>>) => ({ status: res.status, body: res.status === 200 ? await res.text() : "" });

describe("Cloudflare Access in front of every VM (I5)", () => {
  it("I5: the Access application covers exactly the VM's hostnames; its one policy admits exactly the owner", async () => {
    const { user, vm } = await provisioned("eve");
    const { access_apps, access_policies } = await cloudflareSim.state();
    const apps = access_apps.filter((a) => a.destinations.some((d) => [vm.sshHostname, vm.webHostname].includes(d.uri)));
    expect(apps).toHaveLength(1);
    expect(apps[0]).toMatchObject({ id: vm.accessAppId, name: tunnelNameOf(vm.id), type: "self_hosted", allowed_idps: [] });
    expect(apps[0]!.destinations.map((d) => d.uri).sort()).toEqual([vm.sshHostname, vm.webHostname].sort());
    expect(apps[0]!.policies).toEqual([expect.objectContaining({ id: vm.accessPolicyId, decision: "allow", include: [{ email: { email: user.email } }] })]);
    expect(access_policies.filter((p) => p.name === tunnelNameOf(vm.id))).toEqual([expect.objectContaining({ id: vm.accessPolicyId, app_count: 1 })]);
  });

  it("I5: through the edge, no token is the Access login; a stranger cannot log in; the owner's token reaches the VM's sshd and EVE-NG", async () => {
    const { user, vm } = await provisioned("eve");
    const anonymous = await cloudflareSim.edge(vm.sshHostname!);
    expect(anonymous.status).toBe(302);
    expect(new URL(anonymous.headers.get("location")!).pathname).toBe(`/cdn-cgi/access/login/${vm.sshHostname}`);
    expect((await cloudflareSim.edge(vm.webHostname!, "/api/auth/login", { method: "POST", body: "{}" })).status).toBe(302);

    expect((await cloudflareSim.login(vm.sshHostname!, `someone.${unique()}@example.test`)).status).toBe(403);
    const owner = await cloudflareSim.login(vm.sshHostname!, user.email);
    expect(owner.status).toBe(200);
    expect(await banner(await cloudflareSim.edge(vm.sshHostname!, "/", { token: owner.token }))).toEqual({
      status: 200,
      body: expect.stringMatching(/^SSH-2\.0-OpenSSH/),
    });

    // EVE-NG: the template's default admin password is refused; the VM's own one (shown to the owner) works.
    const login = (password: string) =>
      cloudflareSim.edge(vm.webHostname!, "/api/auth/login", { method: "POST", token: owner.token, body: JSON.stringify({ username: "admin", password }) });
    expect((await login("eve")).status).toBe(400);
    expect((await login(openSecret(vm.eveAdminPasswordCiphertext!, env().VM_SECRET_KEY))).status).toBe(200);
  });

  it("I5, I6, I7: billing suspension denies (the policy and the open sessions), restore admits the owner again", async () => {
    const { order, user, vm } = await provisioned("containerlab");
    const before = await cloudflareSim.login(vm.sshHostname!, user.email);
    expect((await cloudflareSim.edge(vm.sshHostname!, "/", { token: before.token })).status).toBe(200);

    const tag = unique();
    const row = await db.billingEnforcement.create({
      data: {
        subscriptionId: `sub-row-${tag}`,
        stripeSubscriptionId: `sub_${tag}`,
        userId: user.id,
        orderId: order.id,
        state: "suspended",
        suspendedAt: new Date(),
      },
    });
    const suspended = await new InngestTestEngine({
      function: billingSuspendVmFunction,
      events: [{ name: "billing/vm.suspend-requested", data: { enforcementId: row.id, suspendedAt: row.suspendedAt!.toISOString() } } as never],
    }).execute();
    expect(suspended.error).toBeUndefined();
    const app = (await cloudflareSim.state()).access_apps.find((a) => a.id === vm.accessAppId)!;
    expect(app.policies).toEqual([expect.objectContaining({ decision: "deny", include: [{ everyone: {} }] })]);
    expect(app.revoked_before).not.toBeNull();
    // The session opened before is void, and a new login is refused.
    expect((await cloudflareSim.edge(vm.sshHostname!, "/", { token: before.token })).status).toBe(302);
    expect((await cloudflareSim.login(vm.sshHostname!, user.email)).status).toBe(403);

    await db.billingEnforcement.update({ where: { id: row.id }, data: { state: "active" } });
    expect(await restoreVmPower(row.id)).toBe("started again");
    const after = await cloudflareSim.login(vm.sshHostname!, user.email);
    expect(after.status).toBe(200);
    await expect.poll(async () => (await cloudflareSim.edge(vm.sshHostname!, "/", { token: after.token })).status, { timeout: 10_000 }).toBe(200);
  });

  it("I12: a VM its customer ended (stopped at its period end, data kept) is denied like a suspended one", async () => {
    const { order, user, vm } = await provisioned("containerlab");
    const tag = unique();
    const row = await db.billingEnforcement.create({
      data: {
        subscriptionId: `sub-row-${tag}`,
        stripeSubscriptionId: `sub_${tag}`,
        userId: user.id,
        orderId: order.id,
        state: "ended",
        endedAt: new Date(),
        endReason: "cancellation_requested",
        suspendedAt: new Date(),
      },
    });
    const stopped = await new InngestTestEngine({
      function: billingSuspendVmFunction,
      events: [{ name: "billing/vm.suspend-requested", data: { enforcementId: row.id, suspendedAt: row.suspendedAt!.toISOString() } } as never],
    }).execute();
    expect(stopped.error).toBeUndefined();
    const app = (await cloudflareSim.state()).access_apps.find((a) => a.id === vm.accessAppId)!;
    expect(app.policies).toEqual([expect.objectContaining({ decision: "deny", include: [{ everyone: {} }] })]);
    expect((await cloudflareSim.login(vm.sshHostname!, user.email)).status).toBe(403);
  });

  it("I5: the owner's new email replaces the old one in the policy, and sessions under the old one end", async () => {
    const { user, vm } = await provisioned("containerlab");
    const old = await cloudflareSim.login(vm.sshHostname!, user.email);
    const email = `renamed.${unique()}@example.test`;
    await db.user.update({ where: { id: user.id }, data: { email } });
    expect(await syncOwnerEmailToAccess(user.id)).toEqual([{ vmId: vm.id, result: "owner admitted" }]);
    expect((await cloudflareSim.edge(vm.sshHostname!, "/", { token: old.token })).status).toBe(302);
    expect((await cloudflareSim.login(vm.sshHostname!, user.email)).status).toBe(403);
    expect((await cloudflareSim.login(vm.sshHostname!, email)).status).toBe(200);
  });

  it("I8: compensation after the VM booted (its cloudflared connected) destroys it first, then the tunnel, DNS and Access: nothing left", async () => {
    const { order, vm } = await provisioned("eve");
    // As if the run failed after the start (the ready mark was lost): the order is still provisioning.
    await db.order.update({ where: { id: order.id }, data: { status: "provisioning", provisionedAt: null } });
    await db.vm.update({ where: { id: vm.id }, data: { status: "provisioning" } });
    const report = await compensateProvisioning({ orderId: order.id, attempt: 1, error: "mark ready: lost" }, inlineRunner(50));
    expect(report.cleanup.map((c) => [c.action, c.ok])).toEqual([
      ["destroy vm", true],
      ["delete tunnel and dns", true],
      ["delete access application", true],
      ["delete cloud-init snippet", true],
      ["remove vm firewall", true],
      ["release network", true],
      ["release vmid", true],
    ]);
    expect(await leftoversFor(vm.vmid!, vm.id)).toEqual(NOTHING_LEFT);
    // The hostnames answer nothing any more: no record, no application.
    expect((await cloudflareSim.edge(vm.sshHostname!)).status).toBe(404);
  });

  it("never deletes an Access application or policy it did not create (another name is not ours)", async () => {
    const { order, vm } = await provisioned("containerlab");
    // The row points at an application that is not this VM's (as a stale or tampered id would).
    const other = await provisioned("containerlab");
    await db.vm.update({ where: { id: vm.id }, data: { accessAppId: other.vm.accessAppId, accessPolicyId: other.vm.accessPolicyId } });
    expect(await removeAccessApplication(order.id)).toBe("deleted 1 Access application(s) and 1 policy(ies)");
    const state = await cloudflareSim.state();
    expect(state.access_apps.map((a) => a.id)).toContain(other.vm.accessAppId);
    expect(state.access_apps.map((a) => a.name)).not.toContain(tunnelNameOf(vm.id));
    expect(state.access_policies.map((p) => p.id)).toContain(other.vm.accessPolicyId);
  });

  it("I5: the upgrade protects a VM built before Access: its own hostnames kept, an application for them, the connector requiring it", async () => {
    const { user, vm } = await provisioned("containerlab");
    // As such a VM was: no Access application, no host label, ingress without originRequest.access.
    await removeAccessApplication(vm.orderId);
    await ensureIngress(vm.tunnelId!, [{ hostname: vm.sshHostname!, service: "ssh://localhost:22" }, { service: "http_status:404" }]);
    await db.vm.update({ where: { id: vm.id }, data: { hostLabel: null } });
    await expect.poll(async () => (await cloudflareSim.edge(vm.sshHostname!)).status).toBe(200); // open to anyone

    const results = await protectExistingVms();
    expect(results).toContainEqual({ vmId: vm.id, result: `Access for ${vm.sshHostname}; ingress now requires it` });
    expect(await protectExistingVm(vm.id)).toBe(`Access for ${vm.sshHostname}`); // again: nothing to change
    const row = await db.vm.findUniqueOrThrow({ where: { id: vm.id } });
    expect(row.sshHostname).toBe(vm.sshHostname);
    expect((await cloudflareSim.edge(vm.sshHostname!)).status).toBe(302);
    const owner = await cloudflareSim.login(vm.sshHostname!, user.email);
    await expect.poll(async () => (await cloudflareSim.edge(vm.sshHostname!, "/", { token: owner.token })).status).toBe(200);
    const tunnel = (await cloudflareSim.state()).tunnels.find((t) => t.id === vm.tunnelId)!;
    expect(tunnel.configuration?.config?.ingress[0]).toMatchObject({
      hostname: vm.sshHostname,
      originRequest: { access: { required: true, audTag: [expect.any(String)] } },
    });
  });

  it("the policy: the owner only (through the operator's identity provider when one is set), nobody while suspended", () => {
    expect(accessPolicySpec("ada@example.test", false, undefined)).toEqual({
      decision: "allow",
      include: [{ email: { email: "ada@example.test" } }],
      require: [],
    });
    expect(accessPolicySpec("ada@example.test", false, "5f0c9b1e-0000-4000-8000-00000000a002")).toEqual({
      decision: "allow",
      include: [{ email: { email: "ada@example.test" } }],
      require: [{ login_method: { id: "5f0c9b1e-0000-4000-8000-00000000a002" } }],
    });
    expect(accessPolicySpec("ada@example.test", true)).toEqual({ decision: "deny", include: [{ everyone: {} }], require: [] });
  });
});
