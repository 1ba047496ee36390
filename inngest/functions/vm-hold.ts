// A hold on a VM (issue 25: abuse, a disputed payment, a fraud warning), apart from billing: placed
// = consoles closed, onboot off, graceful shutdown then hard stop, Cloudflare Access denying
// everyone, collection paused when the operator chose it, the customer emailed; lifted = collection
// resumed, onboot put back and the owner admitted to Access again when nothing else holds the VM,
// the customer emailed. One run at a time per VM; each step re-reads
// the hold, so a lift that lands mid-run stops the run before the machine is touched (I2, I3).
import { inngest } from "@/lib/jobs/client";
import { vmHoldLifted, vmHoldPlaced } from "@/lib/jobs/events";
import {
  closeAccessOfHeldVm,
  isHoldStanding,
  loadHeldVm,
  markHoldStopped,
  pauseCollectionForHold,
  recordPowerBeforeHold,
  restoreAfterLift,
  resumeCollectionAfterLift,
  stopHeldVm,
} from "@/lib/vm-holds/enforce-hold";
import { sendHoldEmail } from "@/lib/vm-holds/hold-email";
import { syncAccessOfHold } from "@/lib/vm-holds/hold-access";

export const vmHoldFunction = inngest.createFunction(
  {
    id: "vm-hold",
    name: "Enforce or lift a VM hold",
    triggers: [vmHoldPlaced, vmHoldLifted],
    concurrency: { limit: 1, key: "event.data.vmId" },
    retries: 6,
  },
  async ({ event, step }) => {
    const { holdId } = event.data;
    if (event.name === "vm/hold.lifted") {
      const billing = await step.run("resume collection", () => resumeCollectionAfterLift(holdId));
      const onboot = await step.run("restore after lift", () => restoreAfterLift(holdId));
      const access = await step.run("admit owner to access", () => syncAccessOfHold(holdId, "lifted"));
      await step.run("email customer lifted", () => sendHoldEmail(holdId, "lifted"));
      return { lifted: true, billing, onboot, access };
    }
    if (!(await step.run("check hold standing", () => isHoldStanding(holdId)))) return { skipped: "lifted" };
    const target = await step.run("load vm", () => loadHeldVm(holdId));
    let how = "no VM to stop";
    if (target) {
      await step.run("record power before hold", () => recordPowerBeforeHold(target));
      await step.run("close consoles and turn onboot off", () => closeAccessOfHeldVm(target));
      if (!(await step.run("re-check hold standing", () => isHoldStanding(holdId)))) return { skipped: "lifted during the run" };
      how = await step.run("shut down then stop", () => stopHeldVm(target));
    }
    await step.run("record stopped", () => markHoldStopped(holdId, how));
    // After the stop, so a Cloudflare outage cannot hold up the stop (as billing's suspension does).
    const access = await step.run("deny access", () => syncAccessOfHold(holdId, "placed"));
    const billing = await step.run("pause collection", () => pauseCollectionForHold(holdId));
    await step.run("email customer placed", () => sendHoldEmail(holdId, "placed"));
    return { how, access, billing };
  },
);
