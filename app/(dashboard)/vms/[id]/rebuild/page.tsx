import type { Metadata } from "next";
import { randomUUID } from "node:crypto";
import { notFound } from "next/navigation";
import { requireUser } from "@/lib/auth/session";
import { listSshKeys } from "@/lib/ssh-keys/list-ssh-keys";
import { loadLabView } from "@/lib/vm-operations/lab-view";
import { LabHeader } from "@/components/vms/lab/lab-header";
import { RebuildPanel } from "@/components/vms/lab/rebuild-panel";
import { rebuildAction } from "./actions";
import { isRouteId } from "@/lib/http/route-id";

export const metadata: Metadata = { title: "Rebuild" };
export const dynamic = "force-dynamic";

export default async function RebuildPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const user = await requireUser(`/vms/${encodeURIComponent(id)}/rebuild`);
  // Unknown id and someone else's VM look the same: 404 (I5). Nothing here calls Proxmox (I2).
  const lab = isRouteId(id) ? await loadLabView(user.id, id) : null;
  if (!lab) notFound();
  const keys = await listSshKeys(user.id);
  return (
    <div className="mx-auto max-w-content space-y-6 px-gutter py-10">
      <LabHeader lab={lab} page="rebuild" />
      <RebuildPanel lab={lab} requestKey={randomUUID()} keyCount={keys.length} rebuild={rebuildAction} />
    </div>
  );
}
