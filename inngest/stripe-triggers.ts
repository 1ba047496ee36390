// Wildcard triggers for forwarded Stripe signals. Inngest allows at most 10 triggers per function
// (inngest/inngest pkg/consts MaxTriggers; the whole sync is refused past it), and one trigger per
// Stripe type does not fit a function that listens to many. So the types are grouped by their
// prefix into `stripe/<prefix>.*` (Inngest's wildcard: a trailing `*` after a "." matches the
// rest of the name), each filtered by an `if` to exactly the handled types, so a type Stripe adds
// later under the same prefix still starts nothing (the webhook forwards only handled types too).
import { stripeEventName } from "@/lib/jobs/events";

export type StripeSignalTrigger = { event: string; if: string };

export function stripeWildcardTriggers(types: readonly string[]): StripeSignalTrigger[] {
  const groups = new Map<string, string[]>();
  for (const type of types) {
    const prefix = type.slice(0, type.lastIndexOf("."));
    if (!prefix) throw new Error(`Stripe event type "${type}" has no prefix to group under`);
    groups.set(prefix, [...(groups.get(prefix) ?? []), type]);
  }
  return [...groups].map(([prefix, members]) => ({
    event: stripeEventName(`${prefix}.*`),
    if: members.map((type) => `event.name == '${stripeEventName(type)}'`).join(" || "),
  }));
}
