// Every environment variable the app reads, validated once at start-up. A bad or missing value
// fails fast with the variable's name instead of surfacing later as an odd runtime error.
import "server-only";
import { z } from "zod";

const bool = z.enum(["1", "0", "true", "false", "yes", "no", ""]).transform((v) => v === "1" || v === "true" || v === "yes");
const int = (fallback: number) => z.coerce.number().int().positive().default(fallback);

export const envSchema = z
  .object({
    NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
    // Set by `npm run dev`/the test harness to the embedded PGlite when you do not provide one.
    DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/, error: "must be a postgresql:// URL" }),
    // PGlite serves one query at a time; a pool of 1 per process avoids queueing surprises there.
    DATABASE_POOL_MAX: int(10),
    APP_URL: z.url().default("http://localhost:3000"),
    AUTH_SECRET: z.string().min(32, "must be at least 32 characters (openssl rand -base64 32)"),
    // Take the client address from X-Forwarded-For (first hop) only behind a trusted proxy.
    TRUST_PROXY: bool.default(false),
    LOGIN_MAX_FAILURES_PER_EMAIL: int(5),
    LOGIN_MAX_FAILURES_PER_IP: int(20),
    LOGIN_WINDOW_MINUTES: int(15),
    // The operator account must sign in with a second factor (TOTP): admin pages ask to enrol first.
    ADMIN_REQUIRE_2FA: bool.default(false),
    ADMIN_EMAIL: z.email().optional(),
    ADMIN_PASSWORD: z.string().min(10).optional(),

    // --- Stripe (the only authority on money) ---
    STRIPE_SECRET_KEY: z.string().regex(/^(sk|rk)_(test|live)_/, "must be a Stripe secret key (sk_test_… or sk_live_…)"),
    STRIPE_WEBHOOK_SECRET: z.string().startsWith("whsec_", "must be a webhook signing secret (whsec_…)"),
    // Only for a Stripe-compatible endpoint other than api.stripe.com (the local stand-in).
    STRIPE_API_URL: z.url().optional(),
    // For 3-D Secure in our own page (Stripe.js handleNextAction); without it, the hosted invoice page only.
    STRIPE_PUBLISHABLE_KEY: z
      .string()
      .regex(/^pk_(test|live)_/, "must be a Stripe publishable key (pk_test_… or pk_live_…)")
      .optional(),
    // Where the browser loads Stripe.js from (the local stand-in serves a compatible one).
    STRIPE_JS_URL: z.url().default("https://js.stripe.com/v3"),
    // Stripe Tax: Checkout computes tax, collects the billing address and business tax IDs; prices
    // are shown excluding tax. Needs Stripe Tax active with a head office (`npm run doctor`).
    STRIPE_AUTOMATIC_TAX: bool.default(false),

    // --- Proxmox VE ---
    PROXMOX_API_URL: z.url().refine((u) => u.startsWith("https://"), "must be https:// (TLS is never turned off)"),
    PROXMOX_TOKEN_ID: z.string().regex(/^[^@\s]+@[^!\s]+![\w.-]+$/, "must look like user@realm!tokenid"),
    PROXMOX_TOKEN_SECRET: z.string().min(1),
    // The CA (or self-signed server certificate) to trust, as a PEM file. Pinned: no other CA is used.
    PROXMOX_CA_CERT_FILE: z.string().min(1),
    PROXMOX_SSH_HOST: z.string().min(1),
    PROXMOX_SSH_PORT: z.coerce.number().int().min(1).max(65535).default(22),
    PROXMOX_SSH_USER: z.string().min(1).default("root"),
    PROXMOX_SSH_KEY_FILE: z.string().min(1),
    // SHA256 host-key fingerprint (base64, as `ssh-keygen -lf` prints after "SHA256:"). Required:
    // an unknown host key is refused.
    PROXMOX_SSH_HOST_FINGERPRINT: z.string().min(1),
    PROXMOX_SNIPPETS_DIR: z.string().startsWith("/").default("/var/lib/vz/snippets"),
    PROXMOX_SNIPPETS_STORAGE: z
      .string()
      .regex(/^[a-zA-Z][\w-]*$/)
      .default("local"),
    PROXMOX_DISK: z
      .string()
      .regex(/^(scsi|virtio|sata|ide)\d+$/)
      .default("scsi0"),
    VM_ID_MIN: z.coerce.number().int().min(100).default(1000),
    VM_ID_MAX: z.coerce.number().int().max(999_999_999).default(8999),
    PROVISION_CONCURRENCY: int(10),
    // A Proxmox work-slot lease lives this long between renewals (lib/proxmox/work-slots.ts). Only
    // tests change it, shrinking it with the Inngest stand-in's time scale.
    PROXMOX_LEASE_TTL_MS: int(5 * 60_000),
    // Browser consoles (lib/console): concurrent per VM and per user, tokens a user may ask per minute.
    CONSOLE_MAX_PER_VM: int(2),
    CONSOLE_MAX_PER_USER: int(4),
    CONSOLE_TOKENS_PER_MINUTE: int(10),
    CLONE_TIMEOUT_MINUTES: int(15),
    // Resize: how long the guest gets to shut down (ACPI) before Proxmox stops it.
    RESIZE_SHUTDOWN_TIMEOUT_SECONDS: int(120),
    // From a new VM's start until it must be reachable (agent, cloud-init, tunnel), else it fails.
    GUEST_READY_TIMEOUT_SECONDS: int(900),
    // How long compensation keeps retrying a failed order's cleanup before it becomes an operator finding.
    CLEANUP_DEADLINE_HOURS: int(24),
    VM_DEFAULT_USER: z
      .string()
      .regex(/^[a-z_][a-z0-9_-]{0,31}$/)
      .default("lab"),
    // 32 random bytes, base64: encrypts VM passwords at rest (AES-256-GCM).
    VM_SECRET_KEY: z.string().refine((k) => Buffer.from(k, "base64").length === 32, "must be 32 bytes, base64 (openssl rand -base64 32)"),

    // --- Cloudflare (tunnel + DNS per VM) ---
    CLOUDFLARE_API_TOKEN: z.string().min(1),
    CLOUDFLARE_ACCOUNT_ID: z.string().min(1),
    CLOUDFLARE_ZONE_ID: z.string().min(1),
    CLOUDFLARE_BASE_URL: z.url().optional(),
    BASE_DOMAIN: z.string().regex(/^([a-z0-9-]+\.)+[a-z0-9-]+$/, "must be a domain name such as lab.example.com"),
    // Cloudflare Access (Zero Trust) in front of every VM hostname: the team name is the first label
    // of the auth domain `<team>.cloudflareaccess.com` (the connector checks tokens against it).
    CLOUDFLARE_ACCESS_TEAM: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, "must be the Zero Trust team name (<team>.cloudflareaccess.com)"),
    // Unset: the account's login methods (one-time PIN by default). Set: only this identity provider.
    CLOUDFLARE_ACCESS_IDP_ID: z
      .string()
      .regex(/^[0-9a-f-]{36}$/, "must be an Access identity provider id (a UUID)")
      .optional(),

    // --- Email (Resend) ---
    RESEND_API_KEY: z.string().startsWith("re_", "must be a Resend API key (re_…)"),
    RESEND_BASE_URL: z.url().optional(),
    MAIL_FROM: z.string().min(3).default("Lab VPS <no-reply@lab.localhost>"),
    OPERATOR_EMAIL: z.email().default("ops@lab.localhost"),
    // Resend's rate limit is per team (2 requests/s by default): sends are paced under it.
    RESEND_REQUESTS_PER_SECOND: int(2),
    // How often waiting mail (a mail incident, an outage) is tried again.
    MAIL_DRAIN_CRON: z
      .string()
      .regex(/^(TZ=\S+ )?(\S+ ){4}\S+$/, "must be a five-field cron expression")
      .default("* * * * *"),
    // A Slack- or Discord-compatible incoming webhook: operator alerts go there too (lib/alerts).
    OPERATOR_WEBHOOK_URL: z.url({ protocol: /^https?$/ }).optional(),

    // --- Inngest ---
    // Dev server / local stand-in origin (e.g. http://127.0.0.1:8288); unset in production.
    INNGEST_DEV: z.string().optional(),
    INNGEST_EVENT_KEY: z.string().optional(),
    INNGEST_SIGNING_KEY: z.string().optional(),
    // INNGEST_DEV makes the SDK skip request signatures on /api/inngest, so anyone who can reach it
    // could feed a function forged step results. Production refuses it unless this says the
    // "production" server is a local one talking to the stand-in (`npm run start:local`, tests).
    INNGEST_DEV_IN_PRODUCTION: bool.default(false),

    // --- Sweeper: converges work Stripe accepted but nothing carried out (DESIGN §3, Webhook) ---
    SWEEP_CRON: z
      .string()
      .regex(/^(TZ=\S+ )?(\S+ ){4}\S+$/, "must be a five-field cron expression")
      .default("*/5 * * * *"),
    SWEEP_AWAITING_PAYMENT_MINUTES: int(30),
    SWEEP_PROVISIONING_MINUTES: int(60),
    SWEEP_UNPROCESSED_EVENT_MINUTES: int(15),

    // --- Billing enforcement ladder (DESIGN §3 Enforcement, I6/I7): hours after "overdue since" ---
    BILLING_FINAL_WARNING_HOURS: int(72),
    BILLING_BACKUPS_BLOCKED_HOURS: int(72),
    BILLING_SUSPEND_HOURS: int(120),
    BILLING_RETAIN_DAYS: int(14),
    // Deletion after the retention window needs an operator's approval unless this is on.
    BILLING_AUTO_DELETE: bool.default(false),
    // After payment: start again the VMs that were running when suspended (previous), or none.
    RESTORE_POWER: z.enum(["previous", "never"]).default("previous"),
    // An early fraud warning refunds, cancels and stops at once instead of waiting for the operator (issue 25).
    FRAUD_WARNING_AUTO_REFUND: bool.default(false),
    BILLING_TICK_CRON: z
      .string()
      .regex(/^(TZ=\S+ )?(\S+ ){4}\S+$/, "must be a five-field cron expression")
      .default("*/10 * * * *"),
    // Drift reconciliation (lib/reconcile): compares our records with Proxmox, Cloudflare and Stripe.
    RECONCILE_CRON: z
      .string()
      .regex(/^(TZ=\S+ )?(\S+ ){4}\S+$/, "must be a five-field cron expression")
      .default("41 * * * *"),
    // --- Observability (lib/observability) ---
    // JSON log lines at this level and above.
    LOG_LEVEL: z.enum(["trace", "debug", "info", "warn", "error", "fatal", "silent"]).default("info"),
    // Bearer token Prometheus sends to GET /metrics; unset = no /metrics (404).
    METRICS_TOKEN: z.string().min(24, "must be at least 24 characters (openssl rand -hex 24)").optional(),
    BILLING_RECONCILE_CRON: z
      .string()
      .regex(/^(TZ=\S+ )?(\S+ ){4}\S+$/, "must be a five-field cron expression")
      .default("17 3 * * *"),
    // How often scheduled backups are looked for (each falls due by its VM's node clock).
    BACKUP_TICK_CRON: z
      .string()
      .regex(/^(TZ=\S+ )?(\S+ ){4}\S+$/, "must be a five-field cron expression")
      .default("*/10 * * * *"),
  })
  .refine((e) => e.VM_ID_MIN < e.VM_ID_MAX, { path: ["VM_ID_MAX"], message: "must be greater than VM_ID_MIN" })
  .refine((e) => e.INNGEST_DEV || e.INNGEST_SIGNING_KEY, { path: ["INNGEST_SIGNING_KEY"], message: "is required unless INNGEST_DEV points at a dev server" })
  // Cloud mode (no INNGEST_DEV) refuses every send without an event key: nothing would start.
  .refine((e) => e.NODE_ENV !== "production" || e.INNGEST_DEV || e.INNGEST_EVENT_KEY, {
    path: ["INNGEST_EVENT_KEY"],
    message: "is required in production: without it Inngest refuses every event the app sends",
  })
  .refine((e) => e.NODE_ENV !== "production" || !e.INNGEST_DEV || e.INNGEST_DEV_IN_PRODUCTION, {
    path: ["INNGEST_DEV"],
    message: "must not be set in production (it turns off Inngest request signatures); use INNGEST_SIGNING_KEY",
  });

export type Env = z.infer<typeof envSchema>;

export function parseEnv(source: Record<string, string | undefined>): Env {
  // An empty value means "not set" (deploy/compose.yaml passes `${VAR:-}` for every optional
  // variable), so the defaults above apply rather than a validation error on "".
  const result = envSchema.safeParse(Object.fromEntries(Object.entries(source).filter(([, value]) => value !== "")));
  if (!result.success) {
    const lines = result.error.issues.map((issue) => `  ${issue.path.join(".")}: ${issue.message}`);
    throw new Error(`Invalid environment configuration:\n${lines.join("\n")}`);
  }
  return result.data;
}

let cached: Env | undefined;
/** The validated environment; throws naming the bad variable on first use. */
export function env(): Env {
  cached ??= parseEnv(process.env);
  return cached;
}
