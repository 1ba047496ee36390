// Stripe list envelopes and cursor pagination: newest first, `limit` 1..100 (default 10),
// `starting_after` / `ending_before` take an object id from the previous page.
import type Stripe from "stripe";
import { invalidParam, noSuch } from "./errors";
import type { Params } from "./params";

export function list<T>(data: T[], url: string): Stripe.ApiList<T> {
  return { object: "list", data, has_more: false, url };
}

/** `items` come oldest first (insertion order); the page is returned newest first. */
export function paginate<T extends { id: string }>(items: T[], params: Params, url: string): Stripe.ApiList<T> {
  const limit = params.int("limit") ?? 10;
  if (limit < 1 || limit > 100) throw invalidParam("limit", "Invalid limit: must be between 1 and 100");
  const ordered = [...items].reverse();
  const after = params.str("starting_after");
  const before = params.str("ending_before");
  let start = 0;
  let end = ordered.length;
  if (after) {
    const index = ordered.findIndex((item) => item.id === after);
    if (index === -1) throw noSuch("object", after, "starting_after");
    start = index + 1;
  } else if (before) {
    const index = ordered.findIndex((item) => item.id === before);
    if (index === -1) throw noSuch("object", before, "ending_before");
    end = index;
    start = Math.max(0, end - limit);
  }
  const page = ordered.slice(start, Math.min(end, start + limit));
  const hasMore = before ? start > 0 : start + limit < end;
  return { object: "list", data: page, has_more: hasMore, url };
}

/** `created` filters as Stripe takes them: a number or `created[gte|gt|lte|lt]`. */
export function createdMatches(params: Params, created: number): boolean {
  const exact = params.int("created");
  if (exact !== undefined) return created === exact;
  const range = params.obj("created");
  if (!range) return true;
  const gte = range.int("gte");
  const gt = range.int("gt");
  const lte = range.int("lte");
  const lt = range.int("lt");
  return (
    (gte === undefined || created >= gte) && (gt === undefined || created > gt) && (lte === undefined || created <= lte) && (lt === undefined || created < lt)
  );
}
