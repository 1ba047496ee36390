// Deterministic Inngest event ids for enforcement work: a re-sent request is kept once (I3).
export const suspendEventId = (enforcementId: string, suspendedAt: string) => `billing-suspend-${enforcementId}-${suspendedAt}`;
export const restoreEventId = (enforcementId: string, episode: string | null) => `billing-restore-${enforcementId}-${episode ?? "none"}`;
export const deleteEventId = (enforcementId: string) => `billing-delete-${enforcementId}`;
