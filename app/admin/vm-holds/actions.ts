"use server";
// The operator suspends a VM for abuse, or lifts a suspension (issue 25, Build 3). placeHold and
// liftHold validate the VM, write the audit and hand the machine work to the vm-hold function (I2).
import { revalidatePath } from "next/cache";
import { validatedAdminAction } from "@/lib/actions/validated-action";
import type { FormState } from "@/lib/actions/form-state";
import { abuseHoldSchema, liftHoldSchema, liftHold, placeHold } from "@/lib/vm-holds/place-hold";

const suspend = validatedAdminAction(abuseHoldSchema, async ({ vmId, reason, customerNote, billing }, { user }) => {
  const { created } = await placeHold({ vmId, kind: "abuse", reason, customerNote, pauseBilling: billing === "pause", actor: { type: "admin", id: user.id } });
  revalidatePath("/admin/orders");
  return { status: "success", message: created ? "Suspended: the VM is being stopped and the customer emailed." : "This VM is already suspended." };
});

export async function suspendVmForAbuseAction(previous: FormState, formData: FormData): Promise<FormState> {
  return suspend(previous, formData);
}

const lift = validatedAdminAction(liftHoldSchema, async ({ holdId }, { user }) => {
  const lifted = await liftHold({ holdId, actor: { type: "admin", id: user.id } });
  revalidatePath("/admin/orders");
  return { status: "success", message: lifted ? "Suspension lifted; the VM stays stopped for its owner to start." : "Already lifted." };
});

export async function liftVmHoldAction(previous: FormState, formData: FormData): Promise<FormState> {
  return lift(previous, formData);
}
