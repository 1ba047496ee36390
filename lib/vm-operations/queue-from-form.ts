// The one shape every lab form action takes: record the operation (I2), 404 for a VM that is not
// the user's (I5), and a sentence for the customer. Server actions stay one line each.
import { notFound } from "next/navigation";
import type { FormState } from "@/lib/actions/form-state";
import type { OperationRequest } from "@/lib/vm-operations/operation-input";
import { requestVmOperation } from "@/lib/vm-operations/request-operation";

const QUEUED: Record<OperationRequest["kind"], string> = {
  snapshot_create: "Snapshot requested.",
  snapshot_rollback: "Rollback requested.",
  snapshot_delete: "Deletion requested.",
  backup_create: "Backup requested.",
  backup_restore: "Restore requested.",
  rebuild: "Rebuild requested: this takes a few minutes.",
};

export async function queueFromForm(userId: string, input: { vmId: string; requestKey: string }, request: OperationRequest): Promise<FormState> {
  const queued = await requestVmOperation({ userId, vmId: input.vmId, requestKey: input.requestKey, request });
  if (!queued) notFound();
  return { status: "success", message: queued.duplicate ? "Already requested." : QUEUED[request.kind] };
}
