// Every search parameter a page reads goes through a zod schema built from these. Next hands a
// page `string | string[] | undefined` per key: `?next=/a&next=//evil` arrives as an array, and
// code that assumed a string crashed (HTTP 500). Like URLSearchParams.get(), the first value of a
// repeated parameter counts; a value that does not parse is the parameter's default, never an error.
import { z } from "zod";
import { safeReturnPath } from "@/lib/auth/return-path";

export type RawSearchParams = Record<string, string | string[] | undefined>;

/** One parameter: the first value when repeated, then `schema`. */
export function searchParam<T extends z.ZodType>(schema: T) {
  return z.preprocess((value) => (Array.isArray(value) ? value[0] : value), schema);
}

/** `?page=`-style parameter: a positive integer, anything else is page 1. */
export const pageParam = searchParam(z.coerce.number().int().min(1).max(100_000).catch(1));

/** `?next=` after sign-in or sign-up: a same-site path, or absent. */
export const returnPathParam = searchParam(
  z
    .string()
    .max(2048)
    .optional()
    .catch(undefined)
    .transform((next) => (next ? safeReturnPath(next, "") || undefined : undefined)),
);

/** A `?flag=1` switch. */
export const flagParam = searchParam(z.literal("1").optional().catch(undefined)).transform((v) => v === "1");

/** Parses a page's search parameters; unknown keys are dropped and nothing here ever throws. */
export function parseSearchParams<S extends z.ZodObject>(schema: S, raw: RawSearchParams | undefined): z.output<S> {
  return schema.parse(raw ?? {});
}
