// The VM's login password, decrypted for its owner on request only (I9): never rendered into a
// page by default, never logged; every reveal is audited.
import { UserFacingError, type FormState } from "@/lib/actions/form-state";
import { recordAudit } from "@/lib/audit/record-audit";
import { openSecret } from "@/lib/crypto/secret-box";
import { db } from "@/lib/db";
import { env } from "@/lib/env";

/** The reveal action's answer: the password travels to the requesting client only. */
export type RevealPasswordState = FormState & { password?: string };

/** The password, or null when the VM is not this user's (I5: callers answer 404). */
export async function revealVmPassword(userId: string, vmId: string): Promise<string | null> {
  const vm = await db.vm.findFirst({ where: { id: vmId, userId, status: { not: "destroyed" } }, select: { id: true, passwordCiphertext: true } });
  if (!vm) return null;
  if (!vm.passwordCiphertext) throw new UserFacingError("The password is set while your VM is being built. It will be here once the VM is ready.");
  const password = openSecret(vm.passwordCiphertext, env().VM_SECRET_KEY);
  await recordAudit({ type: "customer", id: userId }, "vm.password_revealed", { type: "vm", id: vm.id });
  return password;
}
