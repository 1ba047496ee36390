// Every minute (MAIL_DRAIN_CRON): send what the outbox still holds (lib/email/drain.ts), e.g. the
// emails a mail incident held back, once the operator has fixed the sending domain or key.
import { inngest } from "@/lib/jobs/client";
import { envSchema } from "@/lib/env";
import { deliverWaitingEmails } from "@/lib/email/drain";

// Read at import (the schedule is part of the function's registration), without the whole env.
const cron = envSchema.shape.MAIL_DRAIN_CRON.parse(process.env.MAIL_DRAIN_CRON || undefined);

export const deliverWaitingMailFunction = inngest.createFunction(
  {
    id: "deliver-waiting-mail",
    name: "Send the mail the outbox still holds",
    triggers: [{ cron }],
    // One drain at a time: a slow one (paced under Resend's rate limit) is not overtaken.
    concurrency: { limit: 1 },
    retries: 1,
  },
  async ({ step }) => step.run("deliver waiting mail", () => deliverWaitingEmails()),
);
