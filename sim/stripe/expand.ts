// `expand[]` as Stripe does it: an id field becomes the full object; an "includable" field that is
// absent by default (a session's `line_items`, an invoice's `payments` and `confirmation_secret`)
// is built on request.
// Paths nest with dots (`subscription.latest_invoice`, `data.customer` on lists), up to 4 levels.
import type Stripe from "stripe";
import { invalidRequest } from "./errors";
import { sessionLineItems } from "./objects/checkout-session";
import { invoiceConfirmationSecret, invoicePaymentList } from "./objects/payment";
import { clone } from "./store";
import type { SimContext } from "./types";

type Node = Record<string, unknown>;
type Includable = (ctx: SimContext, owner: Node) => unknown;

const includables: Record<string, Record<string, Includable>> = {
  "checkout.session": { line_items: (ctx, s) => sessionLineItems(ctx, String(s.id)) },
  invoice: {
    payments: (ctx, inv) => invoicePaymentList(ctx, String(inv.id)),
    confirmation_secret: (ctx, inv) => invoiceConfirmationSecret(ctx, inv as unknown as Stripe.Invoice),
  },
};

export function applyExpand(ctx: SimContext, value: unknown, paths: string[]): unknown {
  for (const path of paths) {
    const segments = path.split(".");
    if (segments.length > 4) throw invalidRequest(`You cannot expand more than 4 levels of a property. Property: ${path}`, { param: "expand" });
    expandPath(ctx, value, segments, path);
  }
  return value;
}

function expandPath(ctx: SimContext, node: unknown, [head, ...rest]: string[], path: string) {
  if (!node || typeof node !== "object") return;
  if (Array.isArray(node)) {
    for (const item of node) expandPath(ctx, item, [head, ...rest], path);
    return;
  }
  const owner = node as Node;
  let value = owner[head];
  if (typeof value === "string") {
    const found = ctx.store.resolve(value);
    if (found) owner[head] = value = clone(found);
  } else if (value === undefined) {
    const build = includables[String(owner.object)]?.[head];
    if (!build) throw invalidRequest(`This property cannot be expanded (${path}).`, { param: "expand" });
    owner[head] = value = build(ctx, owner);
  }
  if (rest.length) expandPath(ctx, value, rest, path);
}
