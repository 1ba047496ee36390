// A VM's passwords, decrypted for its owner on request only (I9): never rendered into a page by
// default, never logged; every reveal is audited. Two of them: the VM's login (console and sudo)
// and, on EVE-NG VMs, the EVE-NG web admin password set at first boot.
import { type FormState } from "@/lib/actions/form-state";
import { UserFacingError } from "@/lib/errors";
import { recordAudit } from "@/lib/audit/record-audit";
import { openSecret } from "@/lib/crypto/secret-box";
import { db } from "@/lib/db";
import { env } from "@/lib/env";

/** The reveal action's answer: the password travels to the requesting client only. */
export type RevealPasswordState = FormState & { password?: string };

export type VmSecretKind = "login" | "eve-web";

/** The password, or null when the VM is not this user's (I5: callers answer 404). */
export async function revealVmPassword(userId: string, vmId: string, kind: VmSecretKind = "login"): Promise<string | null> {
  const vm = await db.vm.findFirst({
    where: { id: vmId, userId, status: { not: "destroyed" } },
    select: { id: true, labType: true, passwordCiphertext: true, eveAdminPasswordCiphertext: true },
  });
  if (!vm) return null;
  if (kind === "eve-web" && vm.labType !== "eve") throw new UserFacingError("This VM has no EVE-NG web UI.");
  const sealed = kind === "login" ? vm.passwordCiphertext : vm.eveAdminPasswordCiphertext;
  if (!sealed) throw new UserFacingError("The password is set while your VM is being built. It will be here once the VM is ready.");
  const password = openSecret(sealed, env().VM_SECRET_KEY);
  await recordAudit({ type: "customer", id: userId }, kind === "login" ? "vm.password_revealed" : "vm.eve_password_revealed", { type: "vm", id: vm.id });
  return password;
}
