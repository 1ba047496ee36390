// Scheduled backups (BACKUP_TICK_CRON): one pass records a backup operation per due slot (by each
// VM's node clock, lib/vm-operations/backup-schedule.ts) and hands each to vm-operation, which
// carries it out like "back up now" (one operation per VM, work slots, retention, billing gate).
import { inngest } from "@/lib/jobs/client";
import { vmOperationRequested } from "@/lib/jobs/events";
import { envSchema } from "@/lib/env";
import { runBackupScheduleTick } from "@/lib/vm-operations/backup-schedule";

// Read at import without the whole env: `next build` imports this file with no secrets set.
const cron = envSchema.shape.BACKUP_TICK_CRON.parse(process.env.BACKUP_TICK_CRON || undefined);

export const backupScheduleFunction = inngest.createFunction(
  { id: "backup-schedule", name: "Scheduled backups tick", triggers: [{ cron }], concurrency: { limit: 1 }, retries: 2 },
  async ({ step }) => {
    const tick = await step.run("find due backups", () => runBackupScheduleTick());
    // The operation id is the event id: a re-sent event starts no second run.
    if (tick.queued.length)
      await step.sendEvent(
        "request backups",
        tick.queued.map((q) => vmOperationRequested.once(q)),
      );
    return { queued: tick.queued.length, skipped: tick.skipped };
  },
);
