// The API token's own shape: user-owned or account-owned, and the permission groups it holds.
// Cloudflare answers a call the token has no permission group for with 403, code 10000
// "Authentication error". A user token verifies at `/user/tokens/verify`; an account-owned token
// only at `/accounts/{id}/tokens/verify` (the user endpoint answers it 401, code 1000 "Invalid API
// Token"). Reading a token's own policies needs "API Tokens Read" (user) or "Account API Tokens
// Read" (account): without it the doctor can only probe with reads.
import { CfError } from "./envelope";

export type TokenKind = "user" | "account";

export interface TokenModel {
  kind: TokenKind;
  /** Permission group names the token holds; null = every group. */
  permissions: string[] | null;
}

/** Cloudflare's permission group names (the dashboard's "Edit" is "Write" in the API). */
export const PERMISSION = {
  accessApps: "Access: Apps and Policies",
  accessOrg: "Access: Organizations, Identity Providers, and Groups",
  tunnel: "Cloudflare Tunnel",
  dns: "DNS",
  zone: "Zone",
} as const;

export const TOKEN_ID = "sim0token0000000000000000000000a";

const invalidToken = () => new CfError(401, 1000, "Invalid API Token");
const denied = () => new CfError(403, 10000, "Authentication error");

/** The permission group (base name) an API path belongs to, or null when any valid token may call it. */
function groupOf(path: string): string | null {
  if (/^\/accounts\/[^/]+\/cfd_tunnel(\/|$)/.test(path)) return PERMISSION.tunnel;
  if (/^\/accounts\/[^/]+\/access\/(apps|policies)(\/|$)/.test(path)) return PERMISSION.accessApps;
  if (/^\/accounts\/[^/]+\/access\/(organizations|identity_providers)(\/|$)/.test(path)) return PERMISSION.accessOrg;
  if (/^\/zones\/[^/]+\/dns_records(\/|$)/.test(path)) return PERMISSION.dns;
  return null;
}

export class ApiToken {
  constructor(public model: TokenModel) {}

  has(group: string, write: boolean): boolean {
    const held = this.model.permissions;
    if (held === null) return true;
    return held.includes(`${group} Write`) || (!write && held.includes(`${group} Read`));
  }

  /** Throws what Cloudflare answers when this token may not make the call. */
  authorize(method: string, path: string) {
    if (path === "/user/tokens/verify") {
      if (this.model.kind !== "user") throw invalidToken();
      return;
    }
    if (/^\/accounts\/[^/]+\/tokens\/verify$/.test(path)) {
      if (this.model.kind !== "account") throw invalidToken();
      return;
    }
    if (/^\/user\/tokens\/[^/]+$/.test(path)) {
      if (this.model.kind !== "user") throw invalidToken();
      if (!this.has("API Tokens", false)) throw denied();
      return;
    }
    if (/^\/accounts\/[^/]+\/tokens\/[^/]+$/.test(path)) {
      if (this.model.kind !== "account" || !this.has("Account API Tokens", false)) throw denied();
      return;
    }
    // Zone details: any zone-scoped permission lets a token read the zone it is scoped to.
    if (/^\/zones(\/[^/]+)?$/.test(path)) {
      if (method === "GET" && (this.has(PERMISSION.dns, false) || this.has(PERMISSION.zone, false))) return;
      throw denied();
    }
    const group = groupOf(path);
    if (group && !this.has(group, method !== "GET")) throw denied();
  }

  verifyResult() {
    return { id: TOKEN_ID, status: "active", not_before: null, expires_on: null };
  }

  /** `GET …/tokens/:id` for the token itself: its policies and their permission groups. */
  details(id: string, accountId: string, zoneId: string) {
    if (id !== TOKEN_ID) throw new CfError(404, 1003, "Token not found");
    const groups = this.model.permissions ?? [
      `${PERMISSION.accessApps} Write`,
      `${PERMISSION.accessOrg} Read`,
      `${PERMISSION.tunnel} Write`,
      `${PERMISSION.dns} Write`,
    ];
    return {
      id: TOKEN_ID,
      name: "Lab VPS (sim)",
      status: "active",
      issued_on: "2026-01-01T00:00:00Z",
      modified_on: "2026-01-01T00:00:00Z",
      policies: [
        {
          id: "sim-policy-account",
          effect: "allow",
          permission_groups: groups.filter((g) => !g.startsWith("DNS") && !g.startsWith("Zone")).map((name) => ({ id: name, name })),
          resources: { [`com.cloudflare.api.account.${accountId}`]: "*" },
        },
        {
          id: "sim-policy-zone",
          effect: "allow",
          permission_groups: groups.filter((g) => g.startsWith("DNS") || g.startsWith("Zone")).map((name) => ({ id: name, name })),
          resources: { [`com.cloudflare.api.account.zone.${zoneId}`]: "*" },
        },
      ],
    };
  }
}
