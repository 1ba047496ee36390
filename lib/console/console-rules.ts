// What a console can end with, shared by the broker (server.ts) and the console page. The browser
// learns only a WebSocket close code and these plain words, never Proxmox text (I4).

export const CONSOLE_WS_PATH = "/console/ws";
/** The browser-binding cookie: set with the token, sent only to the console socket. */
export const CONSOLE_BINDING_COOKIE = "labvps-console";
/** A token must be opened within this long of being issued (DESIGN §3: ≤ 30 s). */
export const CONSOLE_TOKEN_TTL_MS = 30_000;

export const consoleCloseReasons = {
  ended: { code: 4000, message: "The console connection ended." },
  vm_stopped: { code: 4001, message: "The VM is not running, so its console closed." },
  access_revoked: { code: 4002, message: "Console access for this VM is not available on your account right now." },
  token_refused: { code: 4003, message: "This console link is no longer valid. Reconnect to get a new one." },
  too_many: { code: 4004, message: "Too many consoles are open for this VM or your account. Close one and try again." },
  unavailable: { code: 4005, message: "The console could not be reached. Try again in a moment." },
  too_slow: { code: 4006, message: "The connection could not keep up with the screen updates." },
  server_restart: { code: 4007, message: "The server is restarting. Reconnect in a moment." },
  // The WebSocket form of HTTP 402 (DESIGN §3 Enforcement: gates answer "payment required").
  payment_required: { code: 4008, message: "Payment required: pay the overdue invoice on your Billing page to use the console again." },
} as const;

export type ConsoleCloseReason = keyof typeof consoleCloseReasons;

export function closeReasonForCode(code: number): ConsoleCloseReason | null {
  for (const [reason, value] of Object.entries(consoleCloseReasons)) if (value.code === code) return reason as ConsoleCloseReason;
  return null;
}

/** Why a token is refused, as recorded in the audit trail (never shown as such). */
export type ConsoleRefusal =
  | "no_token"
  | "malformed"
  | "unknown"
  | "reused"
  | "expired"
  | "wrong_session"
  | "wrong_user"
  | "vm_not_running"
  | "too_many"
  | "rate_limited"
  | "bad_origin"
  | "payment_required";

/** Base64url of 32 random bytes. */
export const CONSOLE_TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;
