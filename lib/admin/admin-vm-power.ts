// Power from /admin (issue 22, Build 1): the same request as the customer's button (I2: intent
// recorded, vm-power does the Proxmox work; one operation per VM; billing gates on start), for the
// VM's owner, audited as the operator's.
import { z } from "zod";
import { db } from "@/lib/db";
import { UserFacingError } from "@/lib/errors";
import { requestPower } from "@/lib/power/request-power";

export const adminPowerSchema = z.object({
  vmId: z.string().trim().min(1, "Missing VM.").max(64, "Unknown VM."),
  action: z.enum(["start", "shutdown", "stop", "reboot"], { error: "Choose start, shutdown, stop or reboot." }),
});

export async function requestPowerAsOperator(input: z.infer<typeof adminPowerSchema> & { adminId: string }) {
  const vm = await db.vm.findUnique({ where: { id: input.vmId }, select: { userId: true } });
  if (!vm) throw new UserFacingError("Unknown VM.");
  const queued = await requestPower({ userId: vm.userId, vmId: input.vmId, action: input.action, actor: { type: "admin", id: input.adminId } });
  if (!queued) throw new UserFacingError("Unknown VM.");
  return queued;
}
