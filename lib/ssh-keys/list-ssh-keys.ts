import { db } from "@/lib/db";
import { sshKeySummarySelect, type SshKeySummary } from "@/lib/ssh-keys/add-ssh-key";

/** The user's saved keys, newest first (never another user's: I5). */
export function listSshKeys(userId: string): Promise<SshKeySummary[]> {
  return db.sshKey.findMany({ where: { userId }, orderBy: [{ createdAt: "desc" }, { id: "asc" }], select: sshKeySummarySelect });
}
