import type { Metadata } from "next";
import { randomUUID } from "node:crypto";
import { notFound } from "next/navigation";
import { requireUser } from "@/lib/auth/session";
import { loadLabView } from "@/lib/vm-operations/lab-view";
import { LabHeader } from "@/components/vms/lab/lab-header";
import { SnapshotPanel } from "@/components/vms/lab/snapshot-panel";
import { deleteSnapshotAction, rollbackSnapshotAction, takeSnapshotAction } from "./actions";
import { isRouteId } from "@/lib/http/route-id";

export const metadata: Metadata = { title: "Snapshots" };
export const dynamic = "force-dynamic";

export default async function SnapshotsPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const user = await requireUser(`/vms/${encodeURIComponent(id)}/snapshots`);
  // Unknown id and someone else's VM look the same: 404 (I5). Nothing here calls Proxmox (I2).
  const lab = isRouteId(id) ? await loadLabView(user.id, id) : null;
  if (!lab) notFound();
  return (
    <div className="mx-auto max-w-content space-y-6 px-gutter py-10">
      <LabHeader lab={lab} page="snapshots" />
      <SnapshotPanel lab={lab} requestKey={randomUUID()} take={takeSnapshotAction} rollback={rollbackSnapshotAction} remove={deleteSnapshotAction} />
    </div>
  );
}
