// Append-only trail of what happened to money and machines, and who asked (DESIGN: quality bar).
import { db } from "@/lib/db";
import type { Prisma } from "@/lib/generated/prisma/client";

export type AuditActor = { type: "system" | "customer" | "admin" | "stripe"; id?: string | null };

export async function recordAudit(
  actor: AuditActor,
  action: string,
  subject: { type: string; id: string },
  data: Prisma.InputJsonValue = {},
  client: Pick<typeof db, "auditEvent"> = db,
) {
  await client.auditEvent.create({
    data: { actorType: actor.type, actorId: actor.id ?? null, action, subjectType: subject.type, subjectId: subject.id, data },
  });
}
