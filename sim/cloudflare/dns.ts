// DNS records (`/zones/:zone/dns_records`) for the one configured zone. Names are stored fully
// qualified like Cloudflare does (`ssh-101` becomes `ssh-101.<zone>`), while list filters match the
// stored FQDN exactly, so a client that filters by a relative name finds nothing here as in prod.
import { randomBytes } from "node:crypto";
import { isIPv4, isIPv6 } from "node:net";
import { CfError, badRequest, nowIso, paginate, route, type Route } from "./envelope";

export interface DnsRecord {
  id: string;
  zone_id: string;
  zone_name: string;
  name: string;
  type: string;
  content: string;
  proxiable: boolean;
  proxied: boolean;
  ttl: number;
  settings: Record<string, unknown>;
  meta: Record<string, unknown>;
  comment: string | null;
  tags: string[];
  created_on: string;
  modified_on: string;
}

const PROXIABLE = new Set(["A", "AAAA", "CNAME"]);
const TYPES = new Set([..."A AAAA CAA CERT CNAME DNSKEY DS HTTPS LOC MX NAPTR NS OPENPGPKEY PTR SMIMEA SRV SSHFP SVCB TLSA TXT URI".split(" ")]);
const LABELS = /^(\*\.)?([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?\.)*[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?$/;

const cnameTaken = () => badRequest(81053, "An A, AAAA, or CNAME record with that host already exists.");

export class DnsStore {
  #records = new Map<string, DnsRecord>();

  constructor(
    private readonly zoneId: string,
    private readonly zoneName: string,
  ) {}

  list(): DnsRecord[] {
    return [...this.#records.values()].map((r) => structuredClone(r));
  }

  clear() {
    this.#records.clear();
  }

  get(id: string): DnsRecord {
    const record = this.#records.get(id);
    if (!record) throw new CfError(404, 81044, "Record does not exist.");
    return structuredClone(record);
  }

  create(body: Record<string, unknown>): DnsRecord {
    const now = nowIso();
    const record = this.#validate(body, {
      id: randomBytes(16).toString("hex"),
      zone_id: this.zoneId,
      zone_name: this.zoneName,
      settings: {},
      meta: { auto_added: false, managed_by_apps: false, managed_by_argo_tunnel: false },
      created_on: now,
      modified_on: now,
    });
    this.#records.set(record.id, record);
    return structuredClone(record);
  }

  /** PUT replaces the record (type, name and content required); PATCH merges into it. */
  update(id: string, body: Record<string, unknown>, merge: boolean): DnsRecord {
    const current = this.get(id);
    const input = merge ? { ...current, ...body } : { comment: null, tags: [], ...body };
    const record = this.#validate(input, { ...current, modified_on: nowIso() });
    this.#records.set(id, record);
    return structuredClone(record);
  }

  delete(id: string): { id: string } {
    this.get(id);
    this.#records.delete(id);
    return { id };
  }

  /** Accepts `ssh-1`, `ssh-1.<zone>`, `@` and a trailing dot; anything else is put under the zone. */
  #fqdn(name: unknown): string {
    if (typeof name !== "string" || !name.trim()) throw badRequest(9000, "DNS name is invalid.");
    const bare = name.trim().toLowerCase().replace(/\.$/, "");
    const fqdn = bare === "@" || bare === this.zoneName ? this.zoneName : bare.endsWith(`.${this.zoneName}`) ? bare : `${bare}.${this.zoneName}`;
    if (fqdn.length > 253 || !LABELS.test(fqdn)) throw badRequest(9000, "DNS name is invalid.");
    return fqdn;
  }

  #validate(body: Record<string, unknown>, base: Partial<DnsRecord>): DnsRecord {
    const type = String(body.type ?? "").toUpperCase();
    if (!TYPES.has(type)) throw badRequest(1004, "DNS Validation Error: type is invalid or missing");
    const name = this.#fqdn(body.name);
    const content = typeof body.content === "string" ? body.content.trim() : "";
    if (type === "A" && !isIPv4(content)) throw badRequest(9005, "Content for A record must be a valid IPv4 address.");
    if (type === "AAAA" && !isIPv6(content)) throw badRequest(9005, "Content for AAAA record must be a valid IPv6 address.");
    if (type === "CNAME" && (!LABELS.test(content.toLowerCase().replace(/\.$/, "")) || isIPv4(content))) {
      throw badRequest(9007, "Content for CNAME record is invalid.");
    }
    if (!content) throw badRequest(9002, "DNS record content is required.");
    const ttl = body.ttl === undefined ? 1 : Number(body.ttl);
    if (!(ttl === 1 || (Number.isInteger(ttl) && ttl >= 60 && ttl <= 86400))) {
      throw badRequest(9021, "Invalid TTL. Must be between 60 and 86400 seconds, or 1 for Automatic.");
    }
    const proxied = body.proxied === true;
    if (body.proxied !== undefined && typeof body.proxied !== "boolean") throw badRequest(9003, "proxied must be a boolean");
    if (proxied && !PROXIABLE.has(type)) throw badRequest(9004, "This record type cannot be proxied.");

    const record = {
      ...base,
      name,
      type,
      content: type === "CNAME" ? content.toLowerCase().replace(/\.$/, "") : content,
      proxiable: PROXIABLE.has(type),
      proxied,
      ttl,
      comment: typeof body.comment === "string" ? body.comment : null,
      tags: Array.isArray(body.tags) ? body.tags.map(String) : [],
    } as DnsRecord;
    this.#checkConflicts(record);
    return record;
  }

  // A CNAME must be alone at its name; other identical records are refused too.
  #checkConflicts(candidate: DnsRecord) {
    const atName = [...this.#records.values()].filter((r) => r.name === candidate.name && r.id !== candidate.id);
    const addressLike = PROXIABLE.has(candidate.type);
    if (candidate.type === "CNAME" && atName.some((r) => PROXIABLE.has(r.type))) throw cnameTaken();
    if (addressLike && atName.some((r) => r.type === "CNAME")) throw cnameTaken();
    if (candidate.type === "CNAME" && atName.length > 0)
      throw badRequest(81054, "A record with that host already exists. CNAME records must be the only record at their name.");
    if (atName.some((r) => r.type === "CNAME")) throw badRequest(81054, "A CNAME record with that host already exists.");
    if (atName.some((r) => r.type === candidate.type && r.content === candidate.content)) {
      throw badRequest(81058, "An identical record already exists.");
    }
  }
}

// `name` / `content` filters come as `name=x` (older clients) or `name.exact=x`, `name.contains=x`...
// (the SDK sends `name: { exact }` with dotted keys).
function textFilters(field: "name" | "content", q: URLSearchParams): ((r: DnsRecord) => boolean)[] {
  const ops: Record<string, (value: string, wanted: string) => boolean> = {
    exact: (v, w) => v === w,
    contains: (v, w) => v.includes(w),
    startswith: (v, w) => v.startsWith(w),
    endswith: (v, w) => v.endsWith(w),
  };
  const filters: ((r: DnsRecord) => boolean)[] = [];
  const plain = q.get(field);
  if (plain !== null) filters.push((r) => r[field].toLowerCase() === plain.toLowerCase());
  for (const [op, test] of Object.entries(ops)) {
    const wanted = q.get(`${field}.${op}`);
    if (wanted !== null) filters.push((r) => test(r[field].toLowerCase(), wanted.toLowerCase()));
  }
  return filters;
}

function listRecords(store: DnsStore, q: URLSearchParams) {
  const filters = [...textFilters("name", q), ...textFilters("content", q)];
  const type = q.get("type");
  if (type) filters.push((r) => r.type === type.toUpperCase());
  const proxied = q.get("proxied");
  if (proxied) filters.push((r) => String(r.proxied) === proxied);
  const any = q.get("match") === "any";
  let records = store.list().filter((r) => filters.length === 0 || (any ? filters.some((f) => f(r)) : filters.every((f) => f(r))));
  const order = q.get("order") as keyof DnsRecord | null;
  if (order && ["type", "name", "content", "ttl", "proxied"].includes(order)) {
    const sign = q.get("direction") === "desc" ? -1 : 1;
    records = records.sort((a, b) => sign * String(a[order]).localeCompare(String(b[order])));
  }
  return paginate(records, q, 100, 5000);
}

export function dnsRoutes(store: DnsStore): Route[] {
  const base = "/zones/:zone/dns_records";
  return [
    route("POST", base, ({ body }) => ({ result: store.create(body) })),
    route("GET", base, ({ query }) => listRecords(store, query)),
    route("GET", `${base}/:id`, ({ params }) => ({ result: store.get(params.id) })),
    route("PUT", `${base}/:id`, ({ params, body }) => ({ result: store.update(params.id, body, false) })),
    route("PATCH", `${base}/:id`, ({ params, body }) => ({ result: store.update(params.id, body, true) })),
    route("DELETE", `${base}/:id`, ({ params }) => ({ result: store.delete(params.id) })),
  ];
}
