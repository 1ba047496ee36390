// I8: a failure at each step, then compensation: nothing this product created is left behind, the
// order is failed with an operator reason and a plain customer message, the operator is emailed;
// then an operator retry succeeds once the fault is gone.
import { InngestTestEngine } from "@inngest/test";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { provisionVmFunction } from "@/inngest/functions/provision-vm";
import { db } from "@/lib/db";
import { env } from "@/lib/env";
import { retryProvisioning } from "@/lib/orders/retry-provisioning";
import { cloneVm, deleteVm } from "@/lib/proxmox/api";
import { chooseNode } from "./choose-node";
import { cloneTemplate } from "./clone-template";
import { compensateProvisioning, inlineRunner, operatorEmailKey } from "./compensate";
import { buildFailedEmailKey } from "@/lib/email/customer-notices";
import { reserveVmid } from "./reserve-vmid";
import { startProvisioning } from "./start-provisioning";
import { waitForTaskOk } from "@/lib/proxmox/tasks";
import { cloudflareSim, createPaidOrder, leftoversFor, NOTHING_LEFT, mailSim, proxmox, retireProvisioningFixtures, sim } from "@/test/fixtures/provisioning";

afterEach(async () => {
  await proxmox.clearFaults();
  await cloudflareSim.clearFaults();
});
afterAll(retireProvisioningFixtures);

const execute = (orderId: string, attempt = 1) =>
  new InngestTestEngine({ function: provisionVmFunction, events: [{ name: "order/paid", data: { orderId, attempt } }] }).execute();

async function expectNothingLeft(vmid: number, vmId: string, networkId: string | null = null) {
  expect(await leftoversFor(vmid, vmId, networkId)).toEqual(NOTHING_LEFT);
}

const admin = () => db.user.create({ data: { email: `ops.${Date.now()}.${Math.random()}@example.test`, name: "Ops", passwordHash: "x", role: "admin" } });

type Scenario = {
  step: string;
  progress: string;
  upstream: RegExp;
  inject: () => Promise<unknown>;
  beforeCompensation?: (vm: { tunnelId: string | null }) => Promise<unknown>;
};
const scenarios: Scenario[] = [
  {
    step: "clone template",
    progress: "cloning",
    upstream: /injected clone refusal/,
    inject: () => proxmox.fault({ method: "POST", path: "/qemu/\\d+/clone$", kind: "http500", message: "injected clone refusal", times: 1 }),
  },
  {
    step: "wait for clone",
    progress: "cloning",
    upstream: /clone task failed: injected clone failure/,
    inject: () => proxmox.fault({ method: "POST", path: "/qemu/\\d+/clone$", kind: "failTask", message: "injected clone failure", times: 1 }),
  },
  {
    step: "configure vm",
    progress: "configuring",
    upstream: /injected config failure/,
    inject: () => proxmox.fault({ method: "PUT", path: "/qemu/\\d+/config$", kind: "http500", message: "injected config failure", times: 1 }),
  },
  {
    step: "grow disk",
    progress: "resizing",
    upstream: /disk resize failed: injected resize failure/,
    inject: () => proxmox.fault({ method: "PUT", path: "/qemu/\\d+/resize$", kind: "failTask", message: "injected resize failure", times: 1 }),
  },
  {
    // Cloudflare Access refuses the application: the policy already created goes too.
    step: "protect hostnames with access",
    progress: "networking",
    upstream: /500/,
    inject: () => cloudflareSim.fault({ path: "/accounts/*/access/apps", method: "POST", status: 500, count: 3 }),
  },
  {
    // The VNet is made, its subnet refused: cleanup removes the VNet (issue 26).
    step: "build network",
    progress: "networking",
    upstream: /injected subnet refusal/,
    inject: () => proxmox.fault({ method: "POST", path: "/cluster/sdn/vnets/[^/]+/subnets$", kind: "http500", message: "injected subnet refusal", times: 1 }),
  },
  {
    // The VM is on its VNet with part of its firewall: destroy takes the firewall file along.
    step: "configure firewall",
    progress: "networking",
    upstream: /injected firewall refusal/,
    inject: () => proxmox.fault({ method: "POST", path: "/qemu/\\d+/firewall/rules$", kind: "http500", message: "injected firewall refusal", times: 1 }),
  },
  {
    step: "create tunnel and dns",
    progress: "networking",
    upstream: /500/,
    inject: () => cloudflareSim.fault({ path: "/accounts/*/cfd_tunnel", method: "POST", status: 500, count: 3 }),
  },
  {
    step: "write cloud-init",
    progress: "cloud_init",
    upstream: /injected cloud-init failure/,
    inject: () => proxmox.fault({ method: "PUT", path: "/qemu/\\d+/cloudinit$", kind: "http500", message: "injected cloud-init failure", times: 1 }),
  },
  {
    step: "start vm",
    progress: "starting",
    upstream: /VM start failed: injected start failure/,
    inject: () => proxmox.fault({ method: "POST", path: "/qemu/\\d+/status/start$", kind: "failTask", message: "injected start failure", times: 1 }),
    // cloudflared on the VM would have connected: deletion must drop connections first.
    beforeCompensation: (vm) => cloudflareSim.connect(vm.tunnelId!),
  },
];

describe("compensation (I8)", () => {
  it.each(scenarios)("a failure at $step leaves nothing behind, fails the order plainly, tells the operator; a retry then succeeds", async (scenario) => {
    const { order, user } = await createPaidOrder({ labType: "eve" });
    await scenario.inject();
    const { error } = await execute(order.id);
    expect((error as Error).message).toMatch(new RegExp(`^${scenario.step}: `));
    expect((error as Error).message).toMatch(scenario.upstream);
    const vm = await db.vm.findUniqueOrThrow({ where: { orderId: order.id } });
    const vmid = vm.vmid!;
    // The order page's customer-safe step key says where it stopped.
    expect(await db.order.findUniqueOrThrow({ where: { id: order.id } })).toMatchObject({ status: "provisioning", progressStep: scenario.progress });
    await scenario.beforeCompensation?.(vm);
    const network = await db.customerNetwork.findUnique({ where: { userId: user.id } });

    const report = await compensateProvisioning({ orderId: order.id, attempt: 1, error: (error as Error).message }, inlineRunner(50));
    expect(report.cleanup.filter((c) => !c.ok)).toEqual([]);
    await expectNothingLeft(vmid, vm.id, network?.id);
    // The customer's only VM is gone: so is their network, in the database and in Proxmox.
    expect(await db.customerNetwork.findUnique({ where: { userId: user.id } })).toBeNull();

    const failed = await db.order.findUniqueOrThrow({ where: { id: order.id }, include: { vm: true } });
    expect(failed).toMatchObject({
      status: "failed",
      customerMessage: expect.stringMatching(
        /^We could not build your VM yet\. We are retrying; if it cannot be built you are refunded in full by \d+ \w+ \d{4}\.$/,
      ),
      provisionAttempts: 1,
      progressStep: null,
    });
    expect(failed.failureReason).toContain(`Attempt 1 failed: ${scenario.step}: `);
    expect(failed.failureReason).toMatch(scenario.upstream);
    expect(failed.failureReason).toContain("Cleanup complete");
    // I4: the customer's text carries no upstream error, node, VMID or hypervisor detail.
    for (const secret of ["injected", "pve1", "Proxmox", "500", String(vmid), env().PROXMOX_API_URL]) expect(failed.customerMessage).not.toContain(secret);
    expect(failed.vm).toMatchObject({
      status: "failed",
      vmid: null,
      nodeName: null,
      clonedAt: null,
      tunnelId: null,
      sshDnsRecordId: null,
      webDnsRecordId: null,
      snippetPath: null,
      accessAppId: null,
      accessPolicyId: null,
      eveAdminPasswordCiphertext: null,
    });

    const operatorMail = (await mailSim.messages(env().OPERATOR_EMAIL)).filter((m) => m.subject.includes(order.id));
    expect(operatorMail).toHaveLength(1);
    expect(operatorMail[0]!.text).toContain(user.email);
    expect(operatorMail[0]!.text).toMatch(scenario.upstream);
    expect(await db.emailOutbox.count({ where: { key: operatorEmailKey(order.id, 1), status: "sent" } })).toBe(1);
    expect(await mailSim.messages(user.email)).toEqual([]); // no "ready" email for a VM that is not there
    // The customer's "build failed" email is queued once, in plain words (I4); the outbox drainer sends it.
    const told = await db.emailOutbox.findUniqueOrThrow({ where: { key: buildFailedEmailKey(order.id, 1) } });
    expect(told).toMatchObject({ to: user.email, status: "pending", subject: expect.stringMatching(/^We could not build your .* VM yet$/) });
    for (const secret of ["injected", "pve1", "Proxmox", String(vmid), env().PROXMOX_API_URL]) expect(`${told.text}${told.html}`).not.toContain(secret);

    // Compensation again (an onFailure retry): nothing more happens, still one operator email.
    expect((await compensateProvisioning({ orderId: order.id, attempt: 1, error: "again" }, inlineRunner(50))).outcome).toBe("skipped");
    expect((await mailSim.messages(env().OPERATOR_EMAIL)).filter((m) => m.subject.includes(order.id))).toHaveLength(1);

    // The operator retries once the fault is gone: attempt 2 provisions the order.
    await proxmox.clearFaults();
    await cloudflareSim.clearFaults();
    const operator = await admin();
    await retryProvisioning({ orderId: order.id, adminId: operator.id });
    const sent = await fetch(`${sim().inngest}/_sim/events/order-paid-${order.id}-2`);
    expect(sent.ok).toBe(true);
    expect((await execute(order.id, 2)).error).toBeUndefined();
    const done = await db.order.findUniqueOrThrow({ where: { id: order.id }, include: { vm: true } });
    expect(done).toMatchObject({ status: "provisioned", provisionAttempts: 2, failureReason: null, customerMessage: null });
    expect((await proxmox.vm(done.vm!.vmid!))?.status).toBe("running");
    expect(await mailSim.messages(user.email)).toHaveLength(1);
    expect(
      await db.auditEvent.count({ where: { subjectId: order.id, action: "order.provisioning_retry_requested", actorType: "admin", actorId: operator.id } }),
    ).toBe(1);
  });

  it("retryProvisioning refuses an order that is not failed", async () => {
    const { order } = await createPaidOrder();
    const operator = await admin();
    await expect(retryProvisioning({ orderId: order.id, adminId: operator.id })).rejects.toThrow("Only a failed order can be retried; this one is paid.");
    await expect(retryProvisioning({ orderId: "no-such-order", adminId: operator.id })).rejects.toThrow("That order does not exist.");
  });

  it("waits for a clone still in progress, then destroys it", async () => {
    const { order } = await createPaidOrder();
    await startProvisioning(order.id, 1);
    await reserveVmid(order.id);
    await chooseNode(order.id);
    await proxmox.fault({ method: "POST", path: "/qemu/\\d+/clone$", kind: "slowTask", ms: 1500, times: 1 });
    await cloneTemplate(order.id);
    const row = await db.vm.findUniqueOrThrow({ where: { orderId: order.id } });
    const vmid = row.vmid!;
    expect((await proxmox.vm(vmid))?.lock).toBe("clone");
    const report = await compensateProvisioning({ orderId: order.id, attempt: 1, error: "wait for clone: timed out" }, inlineRunner(50));
    expect(report.cleanup.find((c) => c.action === "destroy vm")).toMatchObject({ ok: true, detail: `destroyed VM ${vmid} on pve1` });
    await expectNothingLeft(vmid, row.id);
  });

  it("never touches a VM it did not create: the VMID's guest stays, the order fails with the reason", async () => {
    const { order } = await createPaidOrder();
    await startProvisioning(order.id, 1);
    const vmid = await reserveVmid(order.id);
    await chooseNode(order.id);
    // Someone else creates a guest at our VMID before we clone.
    await waitForTaskOk(await cloneVm("pve1", 9001, { newid: vmid, name: "someone-else", description: "not ours" }), "foreign clone", 30_000);
    try {
      await expect(cloneTemplate(order.id)).rejects.toThrow(
        `VMID ${vmid} exists in Proxmox (qemu on pve1) and was not created for this order; not touching it`,
      );
      const report = await compensateProvisioning({ orderId: order.id, attempt: 1, error: "clone template: VMID taken" }, inlineRunner(50));
      expect(report.cleanup.find((c) => c.action === "destroy vm")?.detail).toContain("did not create; left alone");
      const foreign = await proxmox.vm(vmid);
      expect(foreign).toMatchObject({ name: "someone-else" });
      expect((await db.order.findUniqueOrThrow({ where: { id: order.id } })).status).toBe("failed");
    } finally {
      await waitForTaskOk(await deleteVm("pve1", vmid), "foreign destroy", 30_000);
    }
  });

  it("a failure after delivery tears nothing down and only tells the operator", async () => {
    const { order } = await createPaidOrder();
    expect((await execute(order.id)).error).toBeUndefined();
    const vm = await db.vm.findUniqueOrThrow({ where: { orderId: order.id } });
    const report = await compensateProvisioning({ orderId: order.id, attempt: 1, error: "send ready email: mail down" }, inlineRunner(50));
    expect(report.outcome).toBe("delivered");
    expect((await proxmox.vm(vm.vmid!))?.status).toBe("running");
    expect((await db.order.findUniqueOrThrow({ where: { id: order.id } })).status).toBe("provisioned");
    const mail = (await mailSim.messages(env().OPERATOR_EMAIL)).filter((m) => m.subject.includes(order.id));
    expect(mail.map((m) => m.subject)).toEqual([`Provisioning finished with an error: order ${order.id} (attempt 1)`]);
  });
});
