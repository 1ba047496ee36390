// The customer's emails about a hold: once when it is placed (with the hold's own words), once when
// it is lifted. One outbox row per hold and change (I3); no hypervisor detail (I4).
import { db } from "@/lib/db";
import { sendEmailOnce } from "@/lib/email/outbox";
import { appUrl, renderCustomerEmail } from "@/lib/email/templates/customer";
import { holdMessage } from "@/lib/vm-holds/hold-gate";

export const holdEmailKey = (holdId: string, change: "placed" | "lifted") => `vm-hold:${holdId}:${change}`;

export async function sendHoldEmail(holdId: string, change: "placed" | "lifted") {
  const hold = await db.vmHold.findUniqueOrThrow({ where: { id: holdId }, select: { vmId: true, userId: true, kind: true, reason: true, customerNote: true } });
  const [user, vm] = await Promise.all([
    db.user.findUniqueOrThrow({ where: { id: hold.userId }, select: { email: true, name: true } }),
    db.vm.findUniqueOrThrow({ where: { id: hold.vmId }, select: { name: true } }),
  ]);
  const email =
    change === "placed"
      ? renderCustomerEmail({
          subject: `Your VM ${vm.name} is suspended`,
          name: user.name,
          lines: [holdMessage(hold), "The VM was shut down. Your data is kept; reply to this email if you have questions."],
          action: { label: "Open the VM's page", url: appUrl(`/vms/${hold.vmId}`) },
        })
      : renderCustomerEmail({
          subject: `The suspension of your VM ${vm.name} was lifted`,
          name: user.name,
          lines: ["The suspension of your VM was lifted: you can use it again from its page (start it there if it is stopped)."],
          action: { label: "Open the VM's page", url: appUrl(`/vms/${hold.vmId}`) },
        });
  return sendEmailOnce({ key: holdEmailKey(holdId, change), to: user.email, ...email });
}
