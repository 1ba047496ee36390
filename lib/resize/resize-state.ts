// The resize request state machine (lib/state's shape). Every writer moves a request with
// transitionResize(), a conditional update that succeeds for exactly one of any number of
// concurrent callers (I3). `openKey` (the one-open-per-subscription index) is set while a request
// is open and cleared whenever it closes, by the same write.
import type { Prisma, ResizeStatus } from "@/lib/generated/prisma/client";
import { db } from "@/lib/db";
import { defineStateMachine } from "@/lib/state/state-machine";

const resizeMachine = defineStateMachine<ResizeStatus>("resize request", {
  quoted: ["awaiting_payment", "scheduled", "canceled"],
  awaiting_payment: ["paid", "expired", "canceled"],
  // A downgrade: paid once its renewal is; canceled by the customer (or a later upgrade) before it takes effect.
  scheduled: ["paid", "expired", "canceled"],
  paid: ["applying", "failed"],
  applying: ["applied", "failed"],
  failed: ["paid", "refunded"], // the operator's retry (the payment is kept), or refund
  applied: [],
  expired: [],
  canceled: [],
  refunded: [],
});

/** Requests that hold the subscription (and the node's room for their extra resources). */
export const OPEN_RESIZE_STATUSES = ["awaiting_payment", "scheduled", "paid", "applying", "failed"] as const satisfies readonly ResizeStatus[];
const CLOSED: readonly ResizeStatus[] = ["applied", "expired", "canceled", "refunded"];

export const canTransitionResize = resizeMachine.can;

type Client = Pick<typeof db, "resizeRequest">;

/** Moves the request from one of `from` to `to` with `data`; false when it was not in `from`. */
export async function transitionResize(
  resizeRequestId: string,
  from: ResizeStatus | readonly ResizeStatus[],
  to: ResizeStatus,
  data: Omit<Prisma.ResizeRequestUpdateManyMutationInput, "status" | "openKey"> = {},
  client: Client = db,
): Promise<boolean> {
  const sources = resizeMachine.sources(from, to);
  const closing = CLOSED.includes(to) ? { openKey: null } : {};
  const { count } = await client.resizeRequest.updateMany({
    where: { id: resizeRequestId, status: { in: sources } },
    data: { ...data, ...closing, status: to },
  });
  return count === 1;
}
