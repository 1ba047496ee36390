// Resend allows each team a few API requests per second (2 by default; docs api-reference/
// rate-limit), across every key and process, and answers 429 past it. Every send reserves the next
// free slot in one shared row (an atomic upsert, so app processes and Inngest steps coordinate
// through the database) and waits for it: a burst is paced, never refused.
import { db } from "@/lib/db";
import { env } from "@/lib/env";

// A little under the limit: arrival times at Resend jitter with the network, and Resend counts a
// request in the second it arrives.
const MARGIN = 1.1;

export const sendIntervalMs = () => Math.ceil((1000 / env().RESEND_REQUESTS_PER_SECOND) * MARGIN);

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Reserves the next request slot for the whole team (sends and reads alike) and waits until it comes. Returns the wait in ms. */
export async function waitForSendSlot(): Promise<number> {
  const interval = sendIntervalMs();
  const [slot] = await db.$queryRaw<{ wait_ms: number }[]>`
    INSERT INTO mail_pace (id, next_at) VALUES ('resend', clock_timestamp() + ${interval} * interval '1 millisecond')
    ON CONFLICT (id) DO UPDATE SET next_at = greatest(mail_pace.next_at, clock_timestamp()) + ${interval} * interval '1 millisecond'
    RETURNING (extract(epoch from (next_at - clock_timestamp())) * 1000)::float8 - ${interval} AS wait_ms`;
  const wait = Math.max(0, Math.ceil(Number(slot?.wait_ms ?? 0)));
  if (wait > 0) await sleep(wait);
  return wait;
}
