// Deterministic Inngest event ids for enforcement work: a re-sent request is kept once (I3).
import { billingSuspendRequested } from "@/lib/jobs/events";
export const suspendEventId = (enforcementId: string, suspendedAt: string) => `billing-suspend-${enforcementId}-${suspendedAt}`;
export const restoreEventId = (enforcementId: string, episode: string | null) => `billing-restore-${enforcementId}-${episode ?? "none"}`;
export const deleteEventId = (enforcementId: string) => `billing-delete-${enforcementId}`;

/** The request to stop a suspended subscription's VM, one per suspension: the tick and the mirror both send it. */
export const suspendRequestedEvent = (suspend: { enforcementId: string; suspendedAt: string }) =>
  billingSuspendRequested.create(suspend, { id: suspendEventId(suspend.enforcementId, suspend.suspendedAt) });
