// Issue 25: held means stopped. A VM under a standing hold (abuse, a dispute, a fraud warning) that
// someone starts by hand on Proxmox, outside the product, is found running by the billing ladder's
// tick (the same check that re-stops billing-suspended VMs) and stopped again, audited, its consoles
// closed. A lifted hold's VM, or one whose hold the vm-hold function has not enforced yet, is not
// touched. Against the Proxmox stand-in, with a real provisioned VM.
import { InngestTestEngine } from "@inngest/test";
import { describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { getVmStatus, vmPower } from "@/lib/proxmox/api";
import { waitForTaskOk } from "@/lib/proxmox/tasks";
import { billingLadderFunction } from "@/inngest/functions/billing-ladder";
import { vmHoldFunction } from "@/inngest/functions/vm-hold";
import { liftHold, placeHold } from "@/lib/vm-holds/place-hold";
import { stopHeldVmsFoundRunning } from "@/lib/vm-holds/stop-held-found-running";
import { subscribedVm, setUpBillingTests } from "@/test/fixtures/billing";

setUpBillingTests();

const admin = { type: "admin" as const, id: "admin_ops" };
const NOTE = "Port scans were reported from this VM.";

const runHold = (name: "vm/hold.placed" | "vm/hold.lifted", holdId: string, vmId: string) =>
  new InngestTestEngine({ function: vmHoldFunction, events: [{ name, id: `${name}-${holdId}`, data: { holdId, vmId } } as never] }).execute();
const tick = () => new InngestTestEngine({ function: billingLadderFunction, events: [{ name: "inngest/scheduled.timer", data: {} } as never] }).execute();
const startByHand = async (vmid: number) => {
  await waitForTaskOk(await vmPower("pve1", vmid, "start"), "manual start", 30_000);
  expect((await getVmStatus("pve1", vmid)).status).toBe("running");
};
const audits = (vmId: string, action: string) => db.auditEvent.count({ where: { subjectId: vmId, action } });

describe("a held VM started by hand on Proxmox (issue 25)", () => {
  it("I6: the ladder's tick finds a held VM running and stops it again, audited; a second tick does nothing; once lifted, a start by hand is left alone", async () => {
    const s = await subscribedVm();
    const { holdId } = await placeHold({ vmId: s.vm.id, kind: "abuse", reason: "abuse_report", customerNote: NOTE, actor: admin });
    expect((await runHold("vm/hold.placed", holdId, s.vm.id)).error).toBeUndefined();
    expect((await getVmStatus("pve1", s.vmid)).status).toBe("stopped");

    await startByHand(s.vmid);
    const run = await tick();
    expect(run.error).toBeUndefined();
    expect(run.result).toMatchObject({ heldStoppedAgain: 1 });
    expect((await getVmStatus("pve1", s.vmid)).status).toBe("stopped");
    expect(await db.vm.findUniqueOrThrow({ where: { id: s.vm.id } })).toMatchObject({ status: "stopped" });
    expect(await audits(s.vm.id, "vm.held_vm_found_running")).toBe(1);
    expect(await audits(s.vm.id, "vm.held_vm_stopped_again")).toBe(1);
    const stoppedAgain = await db.auditEvent.findFirstOrThrow({ where: { subjectId: s.vm.id, action: "vm.held_vm_stopped_again" } });
    expect(stoppedAgain.data).toMatchObject({ holdId, kind: "abuse" });

    // Nothing more to do: no second stop, no second audit.
    expect(await stopHeldVmsFoundRunning()).toEqual([]);
    expect(await audits(s.vm.id, "vm.held_vm_found_running")).toBe(1);

    // Lifted, the VM is its owner's again: a start on Proxmox is not undone.
    await liftHold({ holdId, actor: admin });
    await runHold("vm/hold.lifted", holdId, s.vm.id);
    await startByHand(s.vmid);
    expect((await stopHeldVmsFoundRunning()).map((x) => x.vmId)).not.toContain(s.vm.id);
    expect((await getVmStatus("pve1", s.vmid)).status).toBe("running");
  });

  it("I2: a hold the vm-hold function has not enforced yet is left to it (no second stop path racing the first)", async () => {
    const s = await subscribedVm();
    await placeHold({ vmId: s.vm.id, kind: "abuse", reason: "terms_violation", customerNote: NOTE, actor: admin });
    expect((await stopHeldVmsFoundRunning()).map((x) => x.vmId)).not.toContain(s.vm.id);
    expect((await getVmStatus("pve1", s.vmid)).status).toBe("running");
    expect(await audits(s.vm.id, "vm.held_vm_found_running")).toBe(0);
  });
});
