// What a customer may ask of a VM's power, and how each outcome is worded for them. Pure: shared
// by the server action (refuse early, I10), the page (which buttons to offer) and the Inngest
// function (what to expect after the task).
import { z } from "zod";
import type { PowerAction, PowerRequestStatus, VmStatus } from "@/lib/generated/prisma/client";

export const POWER_ACTIONS = ["start", "shutdown", "stop", "reboot"] as const satisfies readonly PowerAction[];

export const powerActionLabel: Record<PowerAction, string> = { start: "Start", shutdown: "Shut down", stop: "Hard stop", reboot: "Reboot" };

export const powerRequestSchema = z.object({
  vmId: z.string().trim().min(1, "Missing VM.").max(64, "Unknown VM."),
  action: z.enum(POWER_ACTIONS, { error: "Choose start, shut down, hard stop or reboot." }),
});
export type PowerRequestInput = z.output<typeof powerRequestSchema>;

/** The VM state each action needs (our record; the function re-reads Proxmox before acting). */
const needs: Record<PowerAction, VmStatus> = { start: "stopped", shutdown: "running", stop: "running", reboot: "running" };

/** The state the VM should be in once the action's task has finished. */
export const expectedStatusAfter: Record<PowerAction, "running" | "stopped"> = { start: "running", shutdown: "stopped", stop: "stopped", reboot: "running" };

/** Why `action` makes no sense for a VM in `status`, in words for the customer; null when it does. */
export function powerRefusal(status: VmStatus, action: PowerAction): string | null {
  if (status === "provisioning") return "Your VM is still being set up. Power controls are available once it is ready.";
  if (status === "failed" || status === "destroyed") return "This VM is not available any more.";
  if (needs[action] === status) return null;
  return status === "running" ? "Your VM is already running." : `Your VM is stopped. Start it before you ${action === "reboot" ? "reboot" : "stop"} it.`;
}

/** The actions to offer for a VM in `status` when nothing else is in progress. */
export function allowedPowerActions(status: VmStatus): PowerAction[] {
  return POWER_ACTIONS.filter((action) => powerRefusal(status, action) === null);
}

export const isActivePowerStatus = (status: PowerRequestStatus) => status === "pending" || status === "running";

const progress: Record<PowerAction, string> = {
  start: "Starting your VM…",
  shutdown: "Shutting your VM down…",
  stop: "Stopping your VM…",
  reboot: "Rebooting your VM…",
};
const done: Record<PowerAction, string> = {
  start: "Your VM was started.",
  shutdown: "Your VM was shut down.",
  stop: "Your VM was stopped.",
  reboot: "Your VM was rebooted.",
};
const verb: Record<PowerAction, string> = { start: "start", shutdown: "shut down", stop: "stop", reboot: "reboot" };

/**
 * The customer's sentence for a request. Failures are worded from the action alone: the
 * operator's `error` text (Proxmox's words) never reaches this function (I4).
 */
export function powerStatusMessage(action: PowerAction, status: PowerRequestStatus): string {
  if (status === "pending") return `Queued: ${progress[action].charAt(0).toLowerCase()}${progress[action].slice(1)}`;
  if (status === "running") return progress[action];
  if (status === "done") return done[action];
  const hint =
    action === "shutdown"
      ? " The system inside may be ignoring the shutdown signal: try again, or use Hard stop."
      : " Please try again in a few minutes; if it keeps failing, contact support.";
  return `We couldn't ${verb[action]} your VM.${hint}`;
}
