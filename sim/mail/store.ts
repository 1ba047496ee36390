// Received messages and Resend's idempotency memory. Resend keeps an Idempotency-Key for 24 hours:
// the same key with the same payload replays the first answer (nothing new is sent, which is what
// makes an Inngest step that retries "send the ready email" safe, I3); a different payload is a 409.
import { createHash, randomUUID } from "node:crypto";
import { ResendError, bareAddress, type EmailContent } from "./validate";

export interface StoredEmail extends EmailContent {
  id: string;
  object: "email";
  created_at: string;
  last_event: "delivered" | "scheduled";
  message_id: string;
  idempotency_key: string | null;
}

export interface MessageFilter {
  to?: string;
  subject?: string;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** Stable JSON (sorted keys) so the same payload always hashes the same. */
function fingerprint(value: unknown): string {
  const canonical = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(canonical)
      : v && typeof v === "object"
        ? Object.fromEntries(
            Object.entries(v)
              .sort(([a], [b]) => a.localeCompare(b))
              .map(([k, x]) => [k, canonical(x)]),
          )
        : v;
  return createHash("sha256")
    .update(JSON.stringify(canonical(value)))
    .digest("hex");
}

export class MailStore {
  #messages: StoredEmail[] = [];
  #keys = new Map<string, { fingerprint: string; response: unknown; expires: number }>();
  #listeners = new Set<() => void>();

  add(content: EmailContent, idempotencyKey: string | null): StoredEmail {
    const id = randomUUID();
    const message: StoredEmail = {
      ...content,
      id,
      object: "email",
      created_at: new Date().toISOString(),
      last_event: content.scheduled_at ? "scheduled" : "delivered",
      message_id: `<${id}@sim.resend.local>`,
      idempotency_key: idempotencyKey,
    };
    this.#messages.push(message);
    for (const notify of this.#listeners) notify();
    return message;
  }

  get(id: string): StoredEmail | undefined {
    return this.#messages.find((m) => m.id === id);
  }

  /** Newest first; `to` matches any of to/cc/bcc by bare address, `subject` is a substring. */
  list(filter: MessageFilter = {}): StoredEmail[] {
    const to = filter.to ? (bareAddress(filter.to) ?? filter.to.toLowerCase()) : null;
    return this.#messages
      .filter((m) => !to || [...m.to, ...(m.cc ?? []), ...(m.bcc ?? [])].some((a) => bareAddress(a) === to))
      .filter((m) => !filter.subject || m.subject.includes(filter.subject))
      .reverse();
  }

  clear() {
    this.#messages = [];
    this.#keys.clear();
  }

  /** Runs `send` once per key+payload; replays its response for the same pair within 24 h. */
  idempotent<T>(scope: string, key: string | null, payload: unknown, send: () => T): T {
    if (key === null) return send();
    if (key.length < 1 || key.length > 256) {
      throw new ResendError(400, "invalid_idempotency_key", "The key must be between 1-256 chars.");
    }
    const now = Date.now();
    for (const [k, v] of this.#keys) if (v.expires < now) this.#keys.delete(k);
    const slot = `${scope} ${key}`;
    const print = fingerprint(payload);
    const seen = this.#keys.get(slot);
    if (seen && seen.fingerprint !== print) {
      throw new ResendError(
        409,
        "invalid_idempotent_request",
        "Same idempotency key used with a different request payload. Change your idempotency key or payload.",
      );
    }
    if (seen) return seen.response as T;
    const response = send();
    this.#keys.set(slot, { fingerprint: print, response, expires: now + DAY_MS });
    return response;
  }

  /** Resolves with the newest message matching `filter`, waiting for one to arrive if needed. */
  waitFor(filter: MessageFilter, timeoutMs: number): Promise<StoredEmail> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = this.list(filter)[0];
        if (!found) return false;
        cleanup();
        resolve(found);
        return true;
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`no mail matching ${JSON.stringify(filter)} within ${timeoutMs} ms`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.#listeners.delete(check);
      };
      if (!check()) this.#listeners.add(check);
    });
  }
}
