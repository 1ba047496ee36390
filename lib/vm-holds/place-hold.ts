// Placing and lifting a hold (issue 25): one row per VM and kind (or per dispute), placed once
// however many clicks or replayed events ask for it (`activeKey` is unique while it stands),
// audited, and handed to the vm-hold Inngest function, which stops the VM, pauses collection when
// asked and emails the customer (I2: nothing here touches Proxmox). The gate refuses the VM's
// actions from the moment the row exists.
import { z } from "zod";
import { inngest } from "@/lib/jobs/client";
import { vmHoldLifted, vmHoldPlaced } from "@/lib/jobs/events";
import { UserFacingError } from "@/lib/errors";
import { type AuditActor, recordAudit } from "@/lib/audit/record-audit";
import { db } from "@/lib/db";
import { Prisma, type VmHoldKind } from "@/lib/generated/prisma/client";

export const abuseHoldSchema = z.object({
  vmId: z.string().trim().min(1, "Missing VM.").max(64, "Unknown VM."),
  reason: z.enum(["abuse_report", "terms_violation"], { error: "Choose abuse report or terms violation." }),
  customerNote: z.string().trim().min(1, "Write a note for the customer.").max(1000, "Keep the note under 1000 characters."),
  billing: z.enum(["continue", "pause"], { error: "Choose whether billing continues or is paused." }),
});

export const liftHoldSchema = z.object({ holdId: z.string().trim().min(1, "Missing suspension.").max(64, "Unknown suspension.") });

export type PlaceHoldInput = {
  vmId: string;
  kind: VmHoldKind;
  reason: string;
  customerNote?: string | null;
  pauseBilling?: boolean;
  stripeObjectId?: string | null;
  actor: AuditActor;
};

const activeKeyOf = (input: Pick<PlaceHoldInput, "kind" | "vmId" | "stripeObjectId">) =>
  input.kind === "abuse" ? `abuse:${input.vmId}` : `${input.kind}:${input.stripeObjectId ?? input.vmId}`;

/** Places the hold (or finds the standing one) and asks the vm-hold function to enforce it. */
export async function placeHold(input: PlaceHoldInput): Promise<{ holdId: string; created: boolean }> {
  const vm = await db.vm.findUnique({ where: { id: input.vmId }, select: { userId: true, status: true } });
  if (!vm || vm.status === "destroyed") throw new UserFacingError("Unknown VM.");
  const activeKey = activeKeyOf(input);
  let holdId: string;
  let created = false;
  try {
    holdId = await db.$transaction(async (tx) => {
      const hold = await tx.vmHold.create({
        data: {
          vmId: input.vmId,
          userId: vm.userId,
          kind: input.kind,
          reason: input.reason,
          customerNote: input.customerNote ?? null,
          pauseBilling: input.pauseBilling ?? false,
          stripeObjectId: input.stripeObjectId ?? null,
          activeKey,
          placedBy: input.actor.id ?? null,
        },
        select: { id: true },
      });
      await recordAudit(
        input.actor,
        "vm.hold_placed",
        { type: "vm", id: input.vmId },
        { holdId: hold.id, kind: input.kind, reason: input.reason, pauseBilling: input.pauseBilling ?? false, stripeObjectId: input.stripeObjectId ?? null },
        tx,
      );
      return hold.id;
    });
    created = true;
  } catch (error) {
    if (!(error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002")) throw error;
    // Standing already (a double click, a replayed event), or a dispute's hold that was lifted: no second one.
    const existing = await db.vmHold.findFirst({
      where: input.stripeObjectId ? { stripeObjectId: input.stripeObjectId } : { activeKey },
      select: { id: true, liftedAt: true },
    });
    if (!existing) throw error;
    if (existing.liftedAt) return { holdId: existing.id, created: false };
    holdId = existing.id;
  }
  // The hold id is the event id: a re-send (after a failed send, or the second click) starts no second run.
  await inngest.send(vmHoldPlaced.once({ holdId, vmId: input.vmId }));
  return { holdId, created };
}

/** Lifts one hold (others, and the billing state, stay as they are). False when it was lifted already. */
export async function liftHold(input: { holdId: string; actor: AuditActor; kind?: VmHoldKind }): Promise<boolean> {
  const hold = await db.vmHold.findUnique({ where: { id: input.holdId }, select: { vmId: true, kind: true } });
  if (!hold || (input.kind && hold.kind !== input.kind)) throw new UserFacingError("Unknown suspension.");
  const lifted = await db.$transaction(async (tx) => {
    const { count } = await tx.vmHold.updateMany({
      where: { id: input.holdId, liftedAt: null },
      data: { liftedAt: new Date(), liftedBy: input.actor.id ?? null, activeKey: null },
    });
    if (count === 1) await recordAudit(input.actor, "vm.hold_lifted", { type: "vm", id: hold.vmId }, { holdId: input.holdId, kind: hold.kind }, tx);
    return count === 1;
  });
  await inngest.send(vmHoldLifted.once({ holdId: input.holdId, vmId: hold.vmId }));
  return lifted;
}
