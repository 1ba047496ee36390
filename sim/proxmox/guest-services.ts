// What a guest serves behind its tunnel: sshd (its banner is enough to prove the stream reached
// it) and, on EVE-NG images, the EVE-NG web UI's REST API. EVE-NG (from UNetLab, html/api.php and
// includes/api_authentication.php) logs in with `POST /api/auth/login` {username, password}
// (JSend: 200 "User logged in (90013)." and an `unetlab_session` cookie, or 400 "fail" 90014),
// stores sha256(password) per user and changes a password with `PUT /api/users/<user>`
// {password} from an admin session. An image ships the well-known admin password `eve`.
// Also cloudflared's Access check for ingress rules with `originRequest.access.required`
// (ingress/middleware/jwtvalidator.go): no `Cf-Access-Jwt-Assertion` is 403, a token the team's
// keys do not verify is an error (502), an audience outside `audTag` is 403.
import { createHash, createPublicKey, randomUUID, verify, type JsonWebKey } from "node:crypto";

export const EVE_DEFAULT_ADMIN_PASSWORD = "eve";
export const SSH_BANNER = "SSH-2.0-OpenSSH_9.6p1 Ubuntu-3ubuntu13.5\r\n";

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

export interface WebAnswer {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

/** The EVE-NG web application of one guest: users (admin only) and sessions. */
export class EveWeb {
  #adminHash = sha256(EVE_DEFAULT_ADMIN_PASSWORD);
  #sessions = new Set<string>();

  /** True once something changed the admin password from the image's default. */
  get defaultChanged(): boolean {
    return this.#adminHash !== sha256(EVE_DEFAULT_ADMIN_PASSWORD);
  }

  handle(method: string, path: string, body: string, cookies: Record<string, string>): WebAnswer {
    const json = (status: number, payload: Record<string, unknown>, headers?: Record<string, string>): WebAnswer => ({ status, body: payload, headers });
    const p = path.split("?")[0];
    if (method === "POST" && p === "/api/auth/login") {
      let input: { username?: unknown; password?: unknown } = {};
      try {
        input = JSON.parse(body || "{}");
      } catch {
        return json(400, { code: 400, status: "fail", message: "Request not valid (60027)." });
      }
      if (input.username === undefined) return json(400, { code: 400, status: "fail", message: "Username not set (90011)." });
      if (input.password === undefined) return json(400, { code: 400, status: "fail", message: "Password not set (90012)." });
      if (input.username !== "admin" || sha256(String(input.password)) !== this.#adminHash) {
        return json(400, { code: 400, status: "fail", message: "Authentication failed: invalid username/password (90014)." });
      }
      // One session per user: a new login ends the previous one (EVE-NG's API how-to).
      this.#sessions.clear();
      const session = randomUUID();
      this.#sessions.add(session);
      return json(
        200,
        { code: 200, status: "success", message: "User logged in (90013)." },
        { "set-cookie": `unetlab_session=${session}; Path=/api/; HttpOnly` },
      );
    }
    const signedIn = this.#sessions.has(cookies.unetlab_session ?? "");
    if (method === "GET" && p === "/api/auth") {
      if (!signedIn) return json(412, { code: 412, status: "unauthorized", message: "User is not authenticated (90001)." });
      return json(200, {
        code: 200,
        status: "success",
        message: "User has been loaded (90002).",
        data: { username: "admin", role: "admin", name: "EVE-NG Administrator" },
      });
    }
    const user = /^\/api\/users\/([^/]+)$/.exec(p)?.[1];
    if (method === "PUT" && user) {
      if (!signedIn) return json(412, { code: 412, status: "unauthorized", message: "User is not authenticated (90001)." });
      if (user !== "admin") return json(404, { code: 404, status: "fail", message: "User not found (60039)." });
      let input: { password?: unknown } = {};
      try {
        input = JSON.parse(body || "{}");
      } catch {
        return json(400, { code: 400, status: "fail", message: "Request not valid (60027)." });
      }
      if (typeof input.password === "string" && input.password) this.#adminHash = sha256(input.password);
      return json(200, { code: 200, status: "success", message: "User saved (60042)." });
    }
    if (method === "GET" && (p === "/" || p === "/index.html")) {
      return {
        status: 200,
        body: "<!doctype html><title>EVE-NG</title><h1>EVE-NG</h1><form>Username <input name=username> Password <input type=password></form>",
        headers: { "content-type": "text/html" },
      };
    }
    return json(404, { code: 404, status: "fail", message: "Resource not found (60038)." });
  }
}

export interface AccessRequirement {
  required?: boolean;
  teamName?: string;
  audTag?: string[];
}

export type AccessVerdict = { ok: true } | { ok: false; status: number; reason: string };

/** cloudflared's JWTValidator: keys from `https://<team>.cloudflareaccess.com/cdn-cgi/access/certs`. */
export async function checkAccessJwt(access: AccessRequirement, assertion: string | undefined, certsUrl: (team: string) => string): Promise<AccessVerdict> {
  if (!access.required) return { ok: true };
  if (!assertion) return { ok: false, status: 403, reason: "no access token in request" };
  const team = access.teamName ?? "";
  try {
    const [head, body, signature] = assertion.split(".");
    const header = JSON.parse(Buffer.from(head, "base64url").toString("utf8")) as { kid?: string; alg?: string };
    const res = await fetch(certsUrl(team));
    if (!res.ok) throw new Error(`cannot fetch the keys of team ${team}`);
    const { keys } = (await res.json()) as { keys: Array<JsonWebKey & { kid?: string }> };
    const key = keys.find((k) => k.kid === header.kid);
    if (!key || header.alg !== "RS256") throw new Error("unknown signing key");
    if (!verify("sha256", Buffer.from(`${head}.${body}`), createPublicKey({ key, format: "jwk" }), Buffer.from(signature, "base64url")))
      throw new Error("bad signature");
    const claims = JSON.parse(Buffer.from(body, "base64url").toString("utf8")) as { iss?: string; aud?: string[]; exp?: number };
    if (claims.iss !== `https://${team}.cloudflareaccess.com`) throw new Error(`issuer ${claims.iss} is not team ${team}`);
    if (!claims.exp || claims.exp * 1000 <= Date.now()) throw new Error("token expired");
    if (!(claims.aud ?? []).some((a) => (access.audTag ?? []).includes(a)))
      return { ok: false, status: 403, reason: `Invalid token in jwt: ${JSON.stringify(claims.aud)}` };
    return { ok: true };
  } catch (error) {
    return { ok: false, status: 502, reason: `error while processing middleware handler AccessJWTValidator: ${(error as Error).message}` };
  }
}
