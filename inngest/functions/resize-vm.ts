// Applies a paid resize to the VM (DESIGN §3 Resize): only after Stripe confirmed the money,
// re-read again as the first step (I1); one step per Proxmox operation, each safe to re-run (I3):
// disk (online), graceful shutdown (then stop), cores + memory, start if it was running, the VM
// row, one email. One operation per VM: runs for one VM never step at once, and a power action in
// progress is waited for (as steps, bounded) before anything starts; every task takes a Proxmox
// work slot shared with provisioning and power actions.
// A final failure leaves the request `failed` for the operator (the payment stays) and the VM
// back on its old CPU and RAM, started again if it was running, its row matching the machine.
import { NonRetriableError } from "inngest";
import { inngest } from "@/lib/jobs/client";
import { resizeApplyRequested } from "@/lib/jobs/events";
import {
  claimResize,
  confirmResized,
  failResize,
  growDiskForResize,
  loadResizeTarget,
  markResized,
  openPowerActionOn,
  recordWasRunning,
  restartAfterFailure,
  sendResizedEmail,
  setCoresAndMemory,
  shutdownForResize,
  startAfterResize,
  verifyResizePaid,
} from "@/lib/resize/apply-resize";

// A power request is abandoned after 15 minutes (lib/power/request-power.ts): wait at most that.
const POWER_WAIT = "10s";
const POWER_WAIT_TURNS = 90;

export const resizeVmFunction = inngest.createFunction(
  {
    id: "resize-vm",
    name: "Apply a paid VM resize",
    triggers: [{ event: resizeApplyRequested }],
    concurrency: [{ limit: 1, key: "event.data.vmId" }],
    retries: 4,
    onFailure: async ({ event, error, step }) => {
      const { resizeRequestId } = event.data.event.data;
      await step.run("mark resize failed", () => failResize(resizeRequestId, error.message || "resize failed"));
      await step.run("restore old size and start", () => restartAfterFailure(resizeRequestId));
    },
  },
  async ({ event, step }) => {
    const { resizeRequestId, vmId } = event.data;
    const claimed = await step.run("claim resize", () => claimResize(resizeRequestId));
    if (!claimed) return { resizeRequestId, skipped: "request is not paid" };
    await step.run("verify payment", () => verifyResizePaid(resizeRequestId));
    // One operation per VM: a reboot or shutdown already under way is waited for, step by step
    // (bounded), never by spending retries; it cannot start anew while this request is applying.
    for (let turn = 1; await step.run(turn === 1 ? "check power actions" : `check power actions ${turn}`, () => openPowerActionOn(vmId)); turn++) {
      if (turn > POWER_WAIT_TURNS) throw new NonRetriableError("a power action on this VM did not finish in 15 minutes");
      await step.sleep(`wait for power action ${turn}`, POWER_WAIT);
    }
    const target = await step.run("load vm", () => loadResizeTarget(resizeRequestId));
    const wasRunning = await step.run("read power state", () => recordWasRunning(target));
    // The disk first, while the guest runs (Proxmox grows disks online): a failure there leaves
    // the VM exactly as it was; a bigger disk is never taken back (Proxmox cannot shrink one).
    await step.run("grow disk", () => growDiskForResize(target));
    if (wasRunning) await step.run("shut down", () => shutdownForResize(target));
    await step.run("set cores and memory", () => setCoresAndMemory(target));
    await step.run("start again", () => startAfterResize(target, wasRunning));
    // Proxmox keeps non-hotpluggable changes pending on a running VM: the running VM must have them.
    await step.run("confirm new size", () => confirmResized(target));
    await step.run("mark resized", () => markResized(target));
    await step.run("send resized email", () => sendResizedEmail(resizeRequestId));
    return { resizeRequestId, status: "applied" as const };
  },
);
