// Reconciliation (issue 26): every managed VM's firewall gets re-checked by the vm-firewall
// function, and a network whose removal stopped half way is finished.
import { InngestTestEngine } from "@inngest/test";
import { describe, expect, it } from "vitest";
import { networkReconcileFunction } from "@/inngest/functions/network-reconcile";
import { db } from "@/lib/db";
import { createUser, createVmFixture } from "@/test/fixtures/vm";

describe("network reconcile", () => {
  it("asks for a firewall check of each managed VM (one event id per VM and quarter hour) and finishes stuck removals", async () => {
    const { vm } = await createVmFixture({ status: "running" });
    await db.vm.update({ where: { id: vm.id }, data: { ipAddress: "10.251.250.3" } });
    const owner = await createUser();
    const stuck = await db.customerNetwork.create({
      data: { userId: owner.id, slot: 4_000_000, zone: "labvps", vnet: "lvstuck", subnet: "10.241.0.0/24", gateway: "10.241.0.1", status: "removing" },
    });
    await db.$executeRaw`UPDATE customer_networks SET updated_at = now() - interval '1 hour' WHERE id = ${stuck.id}`;
    const { result, error, ctx } = await new InngestTestEngine({
      function: networkReconcileFunction,
      events: [{ name: "inngest/scheduled.timer", data: {} } as never],
    }).execute();
    expect(error).toBeUndefined();
    expect(result).toMatchObject({ removals: 1 });
    expect((result as { checked: number }).checked).toBeGreaterThanOrEqual(1);
    const sent = (ctx.step.sendEvent as unknown as { mock: { calls: unknown[][] } }).mock.calls.flatMap(
      (c) => c[1] as Array<{ id: string; data: { vmId: string } }>,
    );
    expect(sent.find((e) => e.data.vmId === vm.id)?.id).toMatch(new RegExp(`^vm-firewall-reconcile-${vm.id}-\\d+$`));
    expect(await db.customerNetwork.findUnique({ where: { id: stuck.id } })).toBeNull();
    await db.vm.update({ where: { id: vm.id }, data: { ipAddress: null } });
  });
});
