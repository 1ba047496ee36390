// Sends queued emails after the response has gone out (Next's `after`), so a page answers in the
// same time whether or not it queued mail (no account enumeration by timing) and never waits on
// Resend's pacing. Outside a request (tests, scripts) it starts at once. A send that fails here
// stays in the outbox for its drainer.
import { after } from "next/server";
import { tryDeliverEmail } from "@/lib/email/outbox";

export function deliverLater(keys: Array<string | null | undefined>) {
  const work = async () => {
    for (const key of keys) if (key) await tryDeliverEmail(key).catch((error: unknown) => console.error(`[mail] ${key}: ${(error as Error).message}`));
  };
  try {
    after(work);
  } catch {
    void work();
  }
}
