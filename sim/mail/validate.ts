// Resend's request checks for `POST /emails`. Errors use Resend's shape `{ statusCode, name,
// message }`, which the SDK hands back as `{ data: null, error }` instead of throwing.

export type ResendErrorName =
  | "missing_required_field"
  | "validation_error"
  | "missing_api_key"
  | "restricted_api_key"
  | "invalid_api_key"
  | "invalid_from_address"
  | "daily_quota_exceeded"
  | "monthly_quota_exceeded"
  | "invalid_idempotency_key"
  | "invalid_idempotent_request"
  | "not_found"
  | "method_not_allowed"
  | "rate_limit_exceeded"
  | "internal_server_error"
  | "application_error";

export class ResendError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: ResendErrorName,
    message: string,
    /** Response headers that go with the error (rate-limit and quota headers). */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }

  toJSON() {
    return { statusCode: this.statusCode, name: this.code, message: this.message };
  }
}

export interface EmailContent {
  from: string;
  to: string[];
  cc: string[] | null;
  bcc: string[] | null;
  reply_to: string[] | null;
  subject: string;
  html: string | null;
  text: string | null;
  headers: Record<string, string>;
  tags: { name: string; value: string }[];
  attachments: { filename: string | null; size: number }[];
  scheduled_at: string | null;
}

const MAX_RECIPIENTS = 50;
const ADDRESS = /^[^\s@<>,;]+@[^\s@<>,;]+\.[^\s@<>,;]+$/;
const TAG = /^[A-Za-z0-9_-]{1,256}$/;

/** `a@b.c` or `Name <a@b.c>`, as Resend accepts them. */
export function bareAddress(value: string): string | null {
  const named = value.trim().match(/^(.*?)\s*<([^<>]+)>$/);
  const address = (named ? named[2] : value).trim();
  return ADDRESS.test(address) ? address.toLowerCase() : null;
}

const invalid = (message: string) => new ResendError(422, "validation_error", message);
const missing = (field: string) => new ResendError(422, "missing_required_field", `Missing \`${field}\` field.`);
const badAddress = (field: string) =>
  invalid(`Invalid \`${field}\` field. The email address needs to follow the \`email@example.com\` or \`Name <email@example.com>\` format.`);

function addresses(field: string, value: unknown, required: boolean): string[] | null {
  if (value === undefined || value === null || (Array.isArray(value) && value.length === 0) || value === "") {
    if (required) throw missing(field);
    return null;
  }
  const list = Array.isArray(value) ? value : [value];
  if (!list.every((v) => typeof v === "string")) throw invalid(`The \`${field}\` field must be a \`string\` or an array of strings.`);
  if (list.some((v) => bareAddress(v) === null)) throw badAddress(field);
  if (list.length > MAX_RECIPIENTS) throw invalid(`The \`${field}\` field must contain ${MAX_RECIPIENTS} recipients or fewer.`);
  return list;
}

function optionalString(field: string, value: unknown): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== "string") throw invalid(`The \`${field}\` field must be a \`string\`.`);
  return value;
}

export function validateEmail(input: unknown, forBatch = false): EmailContent {
  if (!input || typeof input !== "object" || Array.isArray(input)) throw invalid("The request body must be a JSON object.");
  const body = input as Record<string, unknown>;

  if (body.from === undefined || body.from === "") throw missing("from");
  // Resend names a malformed sender `invalid_from_address` (422), unlike other address fields.
  if (typeof body.from !== "string" || bareAddress(body.from) === null) {
    throw new ResendError(422, "invalid_from_address", badAddress("from").message);
  }
  const to = addresses("to", body.to, true)!;
  if (body.subject === undefined || body.subject === "") throw missing("subject");
  const subject = optionalString("subject", body.subject)!;
  const html = optionalString("html", body.html);
  const text = optionalString("text", body.text);
  if (html === null && text === null && !body.template) throw missing("html` or `text");

  const headers = body.headers ?? {};
  if (typeof headers !== "object" || Array.isArray(headers) || Object.values(headers).some((v) => typeof v !== "string")) {
    throw invalid("The `headers` field must be an object of string values.");
  }
  const tags = body.tags ?? [];
  if (!Array.isArray(tags) || tags.some((t) => !t || !TAG.test(t.name) || !TAG.test(t.value))) {
    throw invalid("Tags `name` and `value` must only contain ASCII letters, numbers, underscores or dashes (1-256 characters).");
  }
  if (forBatch && body.attachments !== undefined) throw invalid("The `attachments` field is not supported in batch emails.");
  if (forBatch && body.scheduled_at !== undefined) throw invalid("The `scheduled_at` field is not supported in batch emails.");
  const attachments = Array.isArray(body.attachments) ? (body.attachments as { filename?: string; content?: string }[]) : [];

  return {
    from: body.from,
    to,
    cc: addresses("cc", body.cc, false),
    bcc: addresses("bcc", body.bcc, false),
    reply_to: addresses("reply_to", body.reply_to, false),
    subject,
    html,
    text,
    headers: headers as Record<string, string>,
    tags: tags as { name: string; value: string }[],
    attachments: attachments.map((a) => ({ filename: a.filename ?? null, size: typeof a.content === "string" ? Buffer.from(a.content, "base64").length : 0 })),
    scheduled_at: optionalString("scheduled_at", body.scheduled_at),
  };
}
