// The EVE-NG web admin password of one VM: random, created once, sealed with VM_SECRET_KEY before
// it goes anywhere (I9), written into that VM's first-boot user-data only (render-user-data.ts), and
// shown to the owner on request (lib/vms/reveal-password.ts). A re-run reuses it (I3).
import { db } from "@/lib/db";
import { env } from "@/lib/env";
import { generateVmPassword, openSecret, sealSecret } from "@/lib/crypto/secret-box";

export async function eveAdminPassword(vmId: string): Promise<string> {
  const { VM_SECRET_KEY } = env();
  const vm = await db.vm.findUniqueOrThrow({ where: { id: vmId }, select: { eveAdminPasswordCiphertext: true } });
  if (vm.eveAdminPasswordCiphertext) return openSecret(vm.eveAdminPasswordCiphertext, VM_SECRET_KEY);
  // Conditional write: overlapping runs still end with one password, the first one stored.
  await db.vm.updateMany({
    where: { id: vmId, eveAdminPasswordCiphertext: null },
    data: { eveAdminPasswordCiphertext: sealSecret(generateVmPassword(), VM_SECRET_KEY) },
  });
  const stored = await db.vm.findUniqueOrThrow({ where: { id: vmId }, select: { eveAdminPasswordCiphertext: true } });
  return openSecret(stored.eveAdminPasswordCiphertext!, VM_SECRET_KEY);
}
