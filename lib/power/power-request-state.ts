// The power request state machine (lib/state's shape): the only place that says which status may
// follow which. Every writer moves a request with transitionPowerRequest(), a conditional update
// that succeeds for exactly one of any number of concurrent callers (I3).
import type { PowerRequestStatus, Prisma } from "@/lib/generated/prisma/client";
import { db } from "@/lib/db";
import { defineStateMachine } from "@/lib/state/state-machine";

const powerRequestMachine = defineStateMachine<PowerRequestStatus>("power request", {
  pending: ["running", "failed"], // claimed by its run, or closed (refused, unsent, abandoned)
  running: ["done", "failed"],
  done: [],
  failed: [],
});

/** Requests that block the VM's power controls until they end. */
export const OPEN_POWER_STATUSES = ["pending", "running"] as const satisfies readonly PowerRequestStatus[];

export const canTransitionPowerRequest = powerRequestMachine.can;

/** Moves the request from one of `from` to `to` with `data`; false when it was not in `from`. */
export async function transitionPowerRequest(
  powerRequestId: string,
  from: PowerRequestStatus | readonly PowerRequestStatus[],
  to: PowerRequestStatus,
  data: Omit<Prisma.PowerRequestUpdateManyMutationInput, "status"> = {},
  client: Pick<typeof db, "powerRequest"> = db,
): Promise<boolean> {
  const sources = powerRequestMachine.sources(from, to);
  const { count } = await client.powerRequest.updateMany({ where: { id: powerRequestId, status: { in: sources } }, data: { ...data, status: to } });
  return count === 1;
}
