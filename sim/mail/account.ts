// The Resend account behind the stand-in: its sending domains, its API keys' permissions, its
// per-team rate limit and its email quotas. Each answer is Resend's own (docs: api-reference/errors
// and api-reference/rate-limit; the error names are resend-node's RESEND_ERROR_CODE_KEY union).
import { ResendError } from "./validate";

/** Resend's domain statuses (resend-node `DomainStatus`); only `verified` may send. */
export const DOMAIN_STATUSES = ["not_started", "pending", "verified", "failed", "partially_verified", "partially_failed"] as const;
export type DomainStatus = (typeof DOMAIN_STATUSES)[number];

export type KeyPermission = "full_access" | "sending_access";

export interface AccountOptions {
  /** Sending domains, all verified at start (`PUT /_sim/domains/:name` changes their status). */
  domains: string[];
  /** Requests per second for the whole team, across keys (Resend's default: 2); null = no limit. */
  rateLimitPerSecond: number | null;
  /** Emails (each to/cc/bcc recipient counts) per UTC day; null = no daily quota (paid plans). */
  dailyQuota: number | null;
  /** Emails per calendar month (UTC); null = none. */
  monthlyQuota: number | null;
  /** The account owner's address: the only recipient `@resend.dev` senders may reach. */
  ownerEmail: string;
}

const WINDOW_MS = 1000;

export class MailAccount {
  #domains = new Map<string, DomainStatus>();
  #keys = new Map<string, KeyPermission>();
  /** Arrival times (ms) of the requests Resend counted against the rate limit. */
  #hits: number[] = [];
  #peak = 0;
  #limited = 0;
  /** Recipients sent per UTC day (`YYYY-MM-DD`) and month (`YYYY-MM`). */
  #sent = new Map<string, number>();

  constructor(readonly options: AccountOptions) {
    this.reset();
  }

  reset() {
    this.#domains = new Map(this.options.domains.map((d) => [d.toLowerCase(), "verified" as DomainStatus]));
    this.#keys.clear();
    this.#hits = [];
    this.#peak = 0;
    this.#limited = 0;
    this.#sent.clear();
  }

  // --- domains ---
  domains(): { name: string; status: DomainStatus }[] {
    return [...this.#domains].map(([name, status]) => ({ name, status }));
  }

  setDomain(name: string, status: DomainStatus | null) {
    if (status === null) this.#domains.delete(name.toLowerCase());
    else this.#domains.set(name.toLowerCase(), status);
  }

  /**
   * Resend refuses a `from` on a domain that is not verified in the account with a 403
   * validation_error (api-reference/errors; the message as the live API words it), and a
   * `resend.dev` test sender to anyone but the account owner.
   */
  checkSender(from: string, recipients: string[]) {
    const domain = /@([^>\s]+)>?\s*$/.exec(from)?.[1]?.toLowerCase() ?? "";
    if (domain === "resend.dev") {
      if (recipients.every((r) => r === this.options.ownerEmail)) return;
      throw new ResendError(
        403,
        "validation_error",
        `You can only send testing emails to your own email address (${this.options.ownerEmail}). To send emails to other recipients, please verify a domain at resend.com/domains, and change the \`from\` address to an email using this domain.`,
      );
    }
    if (this.#domains.get(domain) !== "verified") {
      throw new ResendError(403, "validation_error", `The ${domain} domain is not verified. Please, add and verify your domain on https://resend.com/domains`);
    }
  }

  // --- API keys ---
  setKey(token: string, permission: KeyPermission) {
    this.#keys.set(token, permission);
  }

  /** Any `re_` key is a full-access key unless registered otherwise. */
  permissionOf(token: string): KeyPermission {
    return this.#keys.get(token) ?? "full_access";
  }

  /** A sending-only key may send (and read usage); every other endpoint is a 401 restricted_api_key. */
  checkPermission(token: string, method: string, path: string) {
    if (this.permissionOf(token) === "full_access") return;
    const sending = method === "POST" && (path === "/emails" || path === "/emails/batch");
    if (sending || (method === "GET" && path === "/usage")) return;
    throw new ResendError(401, "restricted_api_key", "This API key is restricted to only send emails.");
  }

  // --- rate limit (per team, every API request) ---
  /** Counts one request; a 429 rate_limit_exceeded when the team already made its share this second. */
  takeRequest(now = Date.now()): Record<string, string> {
    const limit = this.options.rateLimitPerSecond;
    if (limit === null) return {};
    this.#hits = this.#hits.filter((t) => t > now - WINDOW_MS);
    const resetSeconds = (hits: number[]) => String(Math.max(1, Math.ceil(((hits[0] ?? now) + WINDOW_MS - now) / 1000)));
    if (this.#hits.length >= limit) {
      this.#limited++;
      const reset = resetSeconds(this.#hits);
      throw new ResendError(
        429,
        "rate_limit_exceeded",
        "Too many requests. Please limit the number of requests per second. Or contact support to increase rate limit.",
        {
          "ratelimit-limit": String(limit),
          "ratelimit-remaining": "0",
          "ratelimit-reset": reset,
          "retry-after": reset,
        },
      );
    }
    this.#hits.push(now);
    this.#peak = Math.max(this.#peak, this.#hits.length);
    return { "ratelimit-limit": String(limit), "ratelimit-remaining": String(limit - this.#hits.length), "ratelimit-reset": resetSeconds(this.#hits) };
  }

  /** Starts the peak and refusal counts afresh (the window itself is kept: Resend's clock runs on). */
  resetRateStats() {
    this.#peak = this.#hits.length;
    this.#limited = 0;
  }

  /** The most requests admitted within any one-second window, and how many were refused with 429. */
  rateStats() {
    return { peakPerSecond: this.#peak, limited: this.#limited };
  }

  // --- quotas (each recipient is one email, like Resend counts them) ---
  #periods(now: Date) {
    const day = now.toISOString().slice(0, 10);
    return { day, month: day.slice(0, 7) };
  }

  quotaHeaders(now = new Date()): Record<string, string> {
    const { day, month } = this.#periods(now);
    return { "x-resend-daily-quota": String(this.#sent.get(day) ?? 0), "x-resend-monthly-quota": String(this.#sent.get(month) ?? 0) };
  }

  /** Before a send: a 429 once the day's or month's quota is used up. */
  checkQuota(now = new Date()) {
    const { day, month } = this.#periods(now);
    const { dailyQuota, monthlyQuota } = this.options;
    if (dailyQuota !== null && (this.#sent.get(day) ?? 0) >= dailyQuota) {
      throw new ResendError(429, "daily_quota_exceeded", "You have reached your daily email sending quota.", this.quotaHeaders(now));
    }
    if (monthlyQuota !== null && (this.#sent.get(month) ?? 0) >= monthlyQuota) {
      throw new ResendError(429, "monthly_quota_exceeded", "You have reached your monthly email sending quota.", this.quotaHeaders(now));
    }
  }

  countSent(recipients: number, now = new Date()) {
    const { day, month } = this.#periods(now);
    this.#sent.set(day, (this.#sent.get(day) ?? 0) + recipients);
    this.#sent.set(month, (this.#sent.get(month) ?? 0) + recipients);
  }

  /** `GET /usage` (resend-node `GetUsageResponseSuccess`, the email part). */
  usage(now = new Date()) {
    const { day, month } = this.#periods(now);
    const tomorrow = new Date(`${day}T00:00:00.000Z`);
    tomorrow.setUTCDate(tomorrow.getUTCDate() + 1);
    const nextMonth = new Date(`${month}-01T00:00:00.000Z`);
    nextMonth.setUTCMonth(nextMonth.getUTCMonth() + 1);
    const daily = this.#sent.get(day) ?? 0;
    const monthly = this.#sent.get(month) ?? 0;
    return {
      object: "usage",
      emails: {
        daily: { used: daily, limit: this.options.dailyQuota, sent: daily, received: 0, resets_at: tomorrow.toISOString() },
        monthly: { used: monthly, limit: this.options.monthlyQuota, sent: monthly, received: 0, resets_at: nextMonth.toISOString() },
      },
    };
  }
}
