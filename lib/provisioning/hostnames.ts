// Host labels: `<the VM's chosen name>-<8 random characters>`, issued once per VM row and recorded
// forever in issued_hostnames (its primary key is the guarantee), so a label is never handed to a
// second VM, past or present, whatever happens to VMIDs. The random part (36^8, ~41 bits) makes the
// hostnames unguessable from anything a stranger knows; Cloudflare Access is what actually keeps
// them closed (lib/access/vm-access.ts).
import { randomBytes } from "node:crypto";
import { db } from "@/lib/db";
import { ProvisioningHaltedError } from "@/lib/provisioning/errors";

const ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";
export const SUFFIX_LENGTH = 8;
const MAX_NAME = 40;

/** A random suffix, every character equally likely (rejection sampling). */
export function randomSuffix(length = SUFFIX_LENGTH, bytes: (n: number) => Buffer = randomBytes): string {
  let out = "";
  while (out.length < length) {
    for (const b of bytes(length * 2)) {
      if (b < 256 - (256 % ALPHABET.length)) out += ALPHABET[b % ALPHABET.length];
      if (out.length === length) break;
    }
  }
  return out;
}

/** A label for `name` (a DNS label already, checked at checkout and again at provisioning). */
export function candidateLabel(name: string, suffix = randomSuffix()): string {
  const base = name
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .slice(0, MAX_NAME)
    .replace(/^-+|-+$/g, "");
  return `${base || "lab"}-${suffix}`;
}

/** The VM's host label, issuing one the first time (a re-run returns the same label, I3). */
export async function issueHostLabel(vmId: string, suffix: () => string = randomSuffix): Promise<string> {
  const vm = await db.vm.findUniqueOrThrow({ where: { id: vmId }, select: { name: true, hostLabel: true } });
  if (vm.hostLabel) return vm.hostLabel;
  for (let attempt = 0; attempt < 10; attempt++) {
    const label = candidateLabel(vm.name, suffix());
    // The insert either takes the label for this VM or conflicts (issued before, to anyone): then draw again.
    const { count } = await db.issuedHostname.createMany({ data: [{ label, vmId }], skipDuplicates: true });
    if (count === 0) continue;
    await db.vm.updateMany({ where: { id: vmId, hostLabel: null }, data: { hostLabel: label } });
    // A concurrent run may have set another label first: that one stands, this one stays issued (unused).
    return (await db.vm.findUniqueOrThrow({ where: { id: vmId }, select: { hostLabel: true } })).hostLabel!;
  }
  throw new ProvisioningHaltedError("could not draw an unused host label in 10 tries");
}
