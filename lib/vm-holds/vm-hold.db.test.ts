// Holds apart from billing (issue 25, Build 3) on the stand-ins: a real provisioned VM paid by a real
// Stripe subscription, the vm-hold function, and the billing ladder's own suspend / restore
// functions. A VM can be both held and suspended for billing; lifting one never lifts the other.
import { InngestTestEngine } from "@inngest/test";
import { describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { stripe } from "@/lib/billing/stripe";
import { issueConsoleToken } from "@/lib/console/console-token";
import { requestPower } from "@/lib/power/request-power";
import { billingGate, PAYMENT_REQUIRED_MESSAGE } from "@/lib/billing-state/gates";
import { PaymentRequiredError } from "@/lib/errors";
import { billingRestoreVmFunction } from "@/inngest/functions/billing-restore-vm";
import { vmHoldFunction } from "@/inngest/functions/vm-hold";
import { vmPowerFunction } from "@/inngest/functions/vm-power";
import { liftHold, placeHold } from "@/lib/vm-holds/place-hold";
import { VmHeldError } from "@/lib/vm-holds/hold-gate";
import { holdEmailKey } from "@/lib/vm-holds/hold-email";
import { proxmox } from "@/test/fixtures/provisioning";
import {
  enforcementOf,
  overdueVm,
  payInvoiceOnPage,
  runMirrorFor,
  sentEvents,
  setCard,
  setUpBillingTests,
  subscribedVm,
  suspendForBilling,
} from "@/test/fixtures/billing";

setUpBillingTests();

const NOTE = "We received reports of outbound spam from this VM.";
const admin = { type: "admin" as const, id: "admin_ops" };

const runHold = (name: "vm/hold.placed" | "vm/hold.lifted", holdId: string, vmId: string) =>
  new InngestTestEngine({ function: vmHoldFunction, events: [{ name, id: `${name}-${holdId}`, data: { holdId, vmId } } as never] }).execute();

describe("operator suspension for abuse (issue 25, Build 3)", () => {
  it("I2/I6: suspend with a note stops the VM through vm-hold; start, console and queued starts are refused in the hold's words; billing paused and resumed; a double click places one hold", async () => {
    const s = await subscribedVm();
    expect((await proxmox.vm(s.vmid))!.status).toBe("running");
    const placed = await placeHold({ vmId: s.vm.id, kind: "abuse", reason: "abuse_report", customerNote: NOTE, pauseBilling: true, actor: admin });
    const again = await placeHold({ vmId: s.vm.id, kind: "abuse", reason: "abuse_report", customerNote: NOTE, pauseBilling: true, actor: admin });
    expect(placed.created).toBe(true);
    expect(again).toEqual({ holdId: placed.holdId, created: false });
    expect(await db.vmHold.count({ where: { vmId: s.vm.id } })).toBe(1);

    // Refused at once, before the machine is stopped: the gate reads the hold.
    const gate = await billingGate({ userId: s.user.id, vmId: s.vm.id, action: "start" });
    expect(gate).toMatchObject({ allowed: false, held: true, message: expect.stringContaining(NOTE) });
    expect(gate.allowed ? "" : gate.message).not.toMatch(/invoice|pay/i);
    // I5: another user asking about this VM learns nothing from the gate.
    expect(await billingGate({ userId: "someone-else", vmId: s.vm.id, action: "start" })).toEqual({ allowed: true });

    const { result, error } = await runHold("vm/hold.placed", placed.holdId, s.vm.id);
    expect(error).toBeUndefined();
    expect(result).toMatchObject({ billing: "paused" });
    const machine = (await proxmox.vm(s.vmid))!;
    expect(machine.status).toBe("stopped");
    expect(String(machine.config.onboot ?? "0")).toBe("0");
    expect(await db.vmHold.findUniqueOrThrow({ where: { id: placed.holdId } })).toMatchObject({ powerBeforeHold: "running", stoppedAt: expect.any(Date) });
    expect((await stripe().subscriptions.retrieve(s.subscriptionId)).pause_collection).toMatchObject({ behavior: "void" });
    expect(await db.emailOutbox.findUnique({ where: { key: holdEmailKey(placed.holdId, "placed") } })).toMatchObject({ text: expect.stringContaining(NOTE) });

    await expect(requestPower({ userId: s.user.id, vmId: s.vm.id, action: "start" })).rejects.toBeInstanceOf(VmHeldError);
    expect(await issueConsoleToken({ userId: s.user.id, vmId: s.vm.id, binding: "b" })).toMatchObject({ message: expect.stringContaining(NOTE) });
    // Nothing automatic restarts it: a start queued before the hold is refused by the power function.
    const queued = await db.powerRequest.create({ data: { vmId: s.vm.id, userId: s.user.id, action: "start" } });
    const power = await new InngestTestEngine({
      function: vmPowerFunction,
      events: [{ name: "vm/power.requested", id: queued.id, data: { powerRequestId: queued.id, vmId: s.vm.id } } as never],
    }).execute();
    expect(power.result).toMatchObject({ status: "failed" });
    expect((await proxmox.vm(s.vmid))!.status).toBe("stopped");
    // The billing state is its own: untouched by the hold.
    expect(await db.billingEnforcement.count({ where: { orderId: s.order.id, state: { not: "active" } } })).toBe(0);

    // A replayed placement event changes nothing.
    expect((await runHold("vm/hold.placed", placed.holdId, s.vm.id)).error).toBeUndefined();
    expect(await db.auditEvent.count({ where: { subjectId: s.vm.id, action: "vm.hold_stopped" } })).toBe(1);
    expect(await db.auditEvent.count({ where: { subjectId: s.vm.id, action: "vm.hold_placed" } })).toBe(1);

    expect(await liftHold({ holdId: placed.holdId, actor: admin })).toBe(true);
    expect(await liftHold({ holdId: placed.holdId, actor: admin })).toBe(false);
    const lifted = await runHold("vm/hold.lifted", placed.holdId, s.vm.id);
    expect(lifted.result).toMatchObject({ lifted: true, billing: "resumed" });
    expect((await stripe().subscriptions.retrieve(s.subscriptionId)).pause_collection).toBeNull();
    expect(await billingGate({ userId: s.user.id, vmId: s.vm.id, action: "start" })).toEqual({ allowed: true });
    // The VM stays stopped for its owner to start.
    expect((await proxmox.vm(s.vmid))!.status).toBe("stopped");
    expect(await db.emailOutbox.count({ where: { key: holdEmailKey(placed.holdId, "lifted") } })).toBe(1);
    expect(await db.auditEvent.count({ where: { subjectId: s.vm.id, action: "vm.hold_lifted" } })).toBe(1);
  });

  it("I6/I7: a VM both suspended for billing and held for abuse: lifting the hold leaves billing's block; billing recovering leaves the hold (the VM is not started)", async () => {
    const s = await overdueVm();
    const { run: suspended } = await suspendForBilling(s);
    expect(suspended.result).toMatchObject({ before: "running" });

    // Held on top of the billing suspension; lifting the hold leaves the payment block.
    const first = await placeHold({ vmId: s.vm.id, kind: "abuse", reason: "terms_violation", customerNote: NOTE, actor: admin });
    expect((await runHold("vm/hold.placed", first.holdId, s.vm.id)).error).toBeUndefined();
    expect(await billingGate({ userId: s.user.id, vmId: s.vm.id, action: "start" })).toMatchObject({ allowed: false, held: true });
    await liftHold({ holdId: first.holdId, actor: admin });
    expect((await runHold("vm/hold.lifted", first.holdId, s.vm.id)).result).toMatchObject({
      onboot: expect.stringMatching(/onboot was off|still held or suspended/),
    });
    expect(await billingGate({ userId: s.user.id, vmId: s.vm.id, action: "start" })).toEqual({ allowed: false, message: PAYMENT_REQUIRED_MESSAGE });
    await expect(requestPower({ userId: s.user.id, vmId: s.vm.id, action: "start" })).rejects.toBeInstanceOf(PaymentRequiredError);
    expect((await enforcementOf(s.order.id)).state).toMatch(/suspended|retained/);

    // Held again; the customer pays: billing is restored, the hold stands and the VM stays stopped
    // (it was running when billing suspended it, so RESTORE_POWER=previous would start it).
    const second = await placeHold({ vmId: s.vm.id, kind: "abuse", reason: "abuse_report", customerNote: NOTE, actor: admin });
    expect(second.holdId).not.toBe(first.holdId);
    await runHold("vm/hold.placed", second.holdId, s.vm.id);
    await setCard(s.customerId, "4242424242424242");
    await payInvoiceOnPage(s.invoice.id);
    const { ctx } = await runMirrorFor("invoice.paid", s.invoice.id, s.subscriptionId);
    expect((await enforcementOf(s.order.id)).state).toBe("active");
    const restore = sentEvents(ctx).find((e) => e.name === "billing/vm.restore-requested")!;
    const restored = await new InngestTestEngine({ function: billingRestoreVmFunction, events: [restore as never] }).execute();
    expect(restored.result).toEqual({ did: "left stopped (suspended by the operator)" });
    expect((await proxmox.vm(s.vmid))!.status).toBe("stopped");
    expect(await billingGate({ userId: s.user.id, vmId: s.vm.id, action: "start" })).toMatchObject({
      allowed: false,
      held: true,
      message: expect.stringContaining(NOTE),
    });

    await liftHold({ holdId: second.holdId, actor: admin });
    expect(await billingGate({ userId: s.user.id, vmId: s.vm.id, action: "start" })).toEqual({ allowed: true });
  });
});
