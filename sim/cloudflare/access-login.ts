// Logging in to an Access application and the application token it yields. Cloudflare evaluates
// the application's policies when a person logs in (one-time PIN by email, or another identity
// provider) and then issues an RS256 JWT for the application: `aud` = the application's audience
// tag, `email`, `iss` = `https://<team>.cloudflareaccess.com`, valid for the session duration. The
// edge accepts that token from the `CF_Authorization` cookie or a `cf-access-token` header (what
// `cloudflared access` sends, carrier.BuildAccessRequest) and forwards it to the origin as
// `Cf-Access-Jwt-Assertion`, which cloudflared checks against the team's keys at
// `/cdn-cgi/access/certs` when the ingress rule has `originRequest.access.required`
// (cloudflared ingress/middleware/jwtvalidator.go). Tokens issued before `revoke_tokens` are void.
import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, randomInt, randomUUID, sign, verify, type KeyObject } from "node:crypto";
import type { AccessApp, AccessPolicy, AccessStore, Rule } from "./access";

export interface Identity {
  email: string;
  /** The identity provider the person logged in with. */
  idp: string;
}

export interface AccessClaims {
  aud: string[];
  email: string;
  exp: number;
  iat: number;
  nbf: number;
  iss: string;
  sub: string;
  type: "app";
  identity_nonce: string;
  country: string;
}

const b64url = (value: Buffer | string) => Buffer.from(value).toString("base64url");

function parseDuration(text: string): number {
  let ms = 0;
  const units: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  for (const [, n, unit] of text.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)) ms += Number(n) * units[unit];
  return ms || 24 * 3_600_000;
}

function ruleMatches(rule: Rule, who: Identity): boolean {
  const [type] = Object.keys(rule);
  const inner = rule[type] ?? {};
  if (type === "everyone") return true;
  if (type === "email") return String(inner.email).toLowerCase() === who.email.toLowerCase();
  if (type === "email_domain") return who.email.toLowerCase().endsWith(`@${String(inner.domain).toLowerCase()}`);
  if (type === "login_method") return inner.id === who.idp;
  return false; // groups, IP lists, service tokens: not modelled, so they never admit anyone here
}

function policyMatches(p: AccessPolicy, who: Identity): boolean {
  return p.include.some((r) => ruleMatches(r, who)) && !p.exclude.some((r) => ruleMatches(r, who)) && p.require.every((r) => ruleMatches(r, who));
}

export type LoginOutcome = { ok: true; token: string; claims: AccessClaims } | { ok: false; reason: string };

export class AccessTokens {
  #keys: { kid: string; privateKey: KeyObject; publicKey: KeyObject } | undefined;
  /** PINs sent by the one-time PIN provider (email → code), as a test would read them from the mailbox. */
  readonly pins = new Map<string, string>();
  /** Issue time in milliseconds per token nonce: `iat` has whole seconds, revocation does not. */
  #issuedAt = new Map<string, number>();

  constructor(private readonly store: AccessStore) {}

  get issuer() {
    return `https://${this.store.authDomain}`;
  }

  // Generated on first use: an RSA key costs tens of milliseconds the stand-in's start need not pay.
  #key() {
    if (!this.#keys) {
      const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
      this.#keys = {
        kid: randomBytes(16).toString("hex"),
        privateKey: createPrivateKey(privateKey.export({ type: "pkcs8", format: "pem" })),
        publicKey: createPublicKey(privateKey),
      };
    }
    return this.#keys;
  }

  /** `GET /cdn-cgi/access/certs`: the team's signing keys. */
  certs() {
    const { kid, publicKey } = this.#key();
    return { keys: [{ ...publicKey.export({ format: "jwk" }), kid, alg: "RS256", use: "sig" }] };
  }

  /** Sends a PIN to `email` (recorded in `pins`); the one-time PIN provider's first step. */
  sendPin(email: string): string {
    const pin = String(randomInt(100000, 1_000_000));
    this.pins.set(email.toLowerCase(), pin);
    return pin;
  }

  otpProvider() {
    return this.store.identityProviders.find((p) => p.type === "onetimepin");
  }

  /**
   * A login to `app`: the identity provider must be one the application allows, and the first
   * allow/deny policy (by precedence) that matches decides. No match is a denial.
   */
  login(app: AccessApp, who: Identity): LoginOutcome {
    if (app.allowed_idps.length > 0 && !app.allowed_idps.includes(who.idp))
      return { ok: false, reason: "This identity provider is not allowed for this application." };
    if (!this.store.identityProviders.some((p) => p.id === who.idp)) return { ok: false, reason: "Unknown identity provider." };
    const decisive = this.store.policiesOf(app).find((p) => (p.decision === "allow" || p.decision === "deny") && policyMatches(p, who));
    if (!decisive || decisive.decision === "deny") return { ok: false, reason: "That account does not have access." };
    return { ok: true, ...this.issue(app, who.email) };
  }

  /** Logging in with a PIN: the PIN must be the last one sent to that email (used once). */
  loginWithPin(app: AccessApp, email: string, pin: string): LoginOutcome {
    const otp = this.otpProvider();
    const sent = this.pins.get(email.toLowerCase());
    if (!otp || !sent || sent !== pin) return { ok: false, reason: "That code is not valid." };
    this.pins.delete(email.toLowerCase());
    return this.login(app, { email, idp: otp.id });
  }

  issue(app: AccessApp, email: string): { token: string; claims: AccessClaims } {
    const { kid, privateKey } = this.#key();
    const now = Math.floor(Date.now() / 1000);
    const claims: AccessClaims = {
      aud: [app.aud],
      email,
      exp: now + Math.floor(parseDuration(app.session_duration) / 1000),
      iat: now,
      nbf: now,
      iss: this.issuer,
      sub: randomUUID(),
      type: "app",
      identity_nonce: randomBytes(8).toString("hex"),
      country: "XX",
    };
    const head = b64url(JSON.stringify({ alg: "RS256", kid, typ: "JWT" }));
    const body = b64url(JSON.stringify(claims));
    const signature = sign("sha256", Buffer.from(`${head}.${body}`), privateKey);
    this.#issuedAt.set(claims.identity_nonce, Date.now());
    return { token: `${head}.${body}.${b64url(signature)}`, claims };
  }

  /** The claims when `token` is a live token of `app` signed by this team; null otherwise. */
  check(token: string | undefined, app: AccessApp): AccessClaims | null {
    const claims = this.verifySignature(token);
    if (!claims || !claims.aud.includes(app.aud)) return null;
    const now = Date.now();
    if (claims.exp * 1000 <= now || claims.nbf * 1000 > now + 5_000) return null;
    if ((this.#issuedAt.get(claims.identity_nonce) ?? claims.iat * 1000) <= app.revokedBefore) return null;
    return claims;
  }

  verifySignature(token: string | undefined): AccessClaims | null {
    if (!token) return null;
    const [head, body, signature] = token.split(".");
    if (!head || !body || !signature) return null;
    try {
      const header = JSON.parse(Buffer.from(head, "base64url").toString("utf8"));
      if (header.alg !== "RS256" || header.kid !== this.#key().kid) return null;
      if (!verify("sha256", Buffer.from(`${head}.${body}`), this.#key().publicKey, Buffer.from(signature, "base64url"))) return null;
      const claims = JSON.parse(Buffer.from(body, "base64url").toString("utf8")) as AccessClaims;
      return claims.iss === this.issuer && Array.isArray(claims.aud) ? claims : null;
    } catch {
      return null;
    }
  }

  /** An application with a `bypass` policy for everyone lets requests through without a login. */
  bypasses(app: AccessApp): boolean {
    return this.store
      .policiesOf(app)
      .some((p) => p.decision === "bypass" && p.include.some((r) => "everyone" in r) && p.exclude.length === 0 && p.require.length === 0);
  }
}
