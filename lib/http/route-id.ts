// Our ids (cuids) are 25 characters. A path or query id longer than this is no id of ours: it is
// answered like an unknown one (404, I5) without a query carrying an attacker's megabyte.
export const MAX_ID_LENGTH = 64;

/** Whether a value from a URL can be one of our ids; pages and routes ask before they query. */
export const isRouteId = (value: unknown): value is string => typeof value === "string" && value.length > 0 && value.length <= MAX_ID_LENGTH;
