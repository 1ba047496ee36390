import type { Metadata } from "next";
import { randomUUID } from "node:crypto";
import { notFound } from "next/navigation";
import { requireUser } from "@/lib/auth/session";
import { loadLabView } from "@/lib/vm-operations/lab-view";
import { LabHeader } from "@/components/vms/lab/lab-header";
import { BackupPanel } from "@/components/vms/lab/backup-panel";
import { backUpNowAction, restoreBackupAction, setBackupScheduleAction } from "./actions";
import { isRouteId } from "@/lib/http/route-id";

export const metadata: Metadata = { title: "Backups" };
export const dynamic = "force-dynamic";

export default async function BackupsPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const user = await requireUser(`/vms/${encodeURIComponent(id)}/backups`);
  // Unknown id and someone else's VM look the same: 404 (I5). Nothing here calls Proxmox (I2).
  const lab = isRouteId(id) ? await loadLabView(user.id, id) : null;
  if (!lab) notFound();
  return (
    <div className="mx-auto max-w-content space-y-6 px-gutter py-10">
      <LabHeader lab={lab} page="backups" />
      <BackupPanel lab={lab} requestKey={randomUUID()} schedule={setBackupScheduleAction} backUpNow={backUpNowAction} restore={restoreBackupAction} />
    </div>
  );
}
