// Which request parameters each route accepts. Stripe refuses a parameter it does not know with
// `parameter_unknown` ("Received unknown parameter: x", param `x`, nested as `a[b]`) — also one an
// API version removed, such as Checkout's `payment_method_types` in 2026-10-28.endive. The stand-in
// refuses the same way anything outside a route's list, so a caller can never rely on a parameter
// the stand-in silently ignores. Each list is typed against stripe-node's own params type
// (`accepts<Stripe.X>`), so a parameter the pinned API does not have cannot be listed at all.
import { StripeApiError } from "./errors";
import type { FormObject, FormValue } from "./form";

/** `true`: any value (the handler checks it); an object: nested keys; `[spec]`: a list of objects. */
export type ParamSpec = { [key: string]: true | ParamSpec | readonly [ParamSpec] };

type Leaf = true;
type SpecFor<V> =
  NonNullable<V> extends ReadonlyArray<infer E>
    ? E extends object
      ? Leaf | readonly [SpecOf<E>]
      : Leaf
    : NonNullable<V> extends object
      ? Leaf | SpecOf<NonNullable<V>>
      : Leaf;
/** Only keys of `T` (an SDK params type) may appear, at every level. */
export type SpecOf<T> = { [K in keyof T]?: SpecFor<T[K]> };

export function accepts<T>(spec: SpecOf<T>): ParamSpec {
  return spec as ParamSpec;
}

/** The cursor parameters every list endpoint takes. */
export const PAGE = { limit: true, starting_after: true, ending_before: true } as const;

// Stripe's wording, one or several: "Received unknown parameter: trial_period_days" (stripe-node
// issue reports, code parameter_unknown) and "Received unknown parameters: quantity, trial_end".
export function unknownParameter(params: string[]): StripeApiError {
  const message = params.length === 1 ? `Received unknown parameter: ${params[0]}` : `Received unknown parameters: ${params.join(", ")}`;
  return new StripeApiError(400, { type: "invalid_request_error", code: "parameter_unknown", param: params[0], message });
}

/** Throws `parameter_unknown` naming every parameter outside `spec` (`expand` is always allowed). */
export function refuseUnknownParams(raw: FormObject, spec: ParamSpec) {
  const unknown = findUnknown(raw, { expand: true, ...spec }, "");
  if (unknown.length) throw unknownParameter(unknown);
}

function findUnknown(raw: FormObject, spec: ParamSpec, prefix: string): string[] {
  const unknown: string[] = [];
  for (const [key, value] of Object.entries(raw)) {
    const name = prefix ? `${prefix}[${key}]` : key;
    const rule = spec[key];
    if (rule === undefined) unknown.push(name);
    else if (rule !== true) unknown.push(...findUnknownIn(value, rule, name));
  }
  return unknown;
}

function findUnknownIn(value: FormValue, rule: ParamSpec | readonly [ParamSpec], name: string): string[] {
  if (Array.isArray(rule)) {
    if (!Array.isArray(value)) return [];
    return value.flatMap((item, i) => (isObject(item) ? findUnknown(item, rule[0], `${name}[${i}]`) : []));
  }
  // A wrong shape (a string where an object belongs, "" to unset) is the handler's error to give.
  return isObject(value) ? findUnknown(value, rule as ParamSpec, name) : [];
}

function isObject(value: FormValue): value is FormObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
