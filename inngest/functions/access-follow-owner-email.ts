// The owner's email changed: every live VM of theirs admits the new address only, and Access
// sessions opened under the old one end (lib/access/vm-access.ts). Re-running is harmless: each
// policy is written to what the database says now.
import { inngest } from "@/lib/jobs/client";
import { userEmailChanged } from "@/lib/jobs/events";
import { syncOwnerEmailToAccess } from "@/lib/access/vm-access";

export const accessFollowOwnerEmailFunction = inngest.createFunction(
  {
    id: "access-follow-owner-email",
    name: "Admit a customer's new email address to their VMs' Access",
    triggers: [userEmailChanged],
    concurrency: [{ limit: 1, key: "event.data.userId" }],
    retries: 8,
  },
  async ({ event, step }) => step.run("sync access policies to the owner's email", () => syncOwnerEmailToAccess(event.data.userId)),
);
