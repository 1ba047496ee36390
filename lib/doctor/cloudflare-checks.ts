// Cloudflare preflight (`npm run doctor`), read-only. The token must be able to edit Access
// applications and policies, tunnels and DNS (README, "Pointing at the real services"):
//   - it verifies as a user token (`/user/tokens/verify`) or, for an account-owned token, at
//     `/accounts/{id}/tokens/verify` (the user endpoint answers those 401);
//   - where the token may read itself (API Tokens Read / Account API Tokens Read), its permission
//     groups are compared with the three it needs; otherwise the reads below are all a read-only
//     check can prove, and the line says so;
//   - reads of tunnels, DNS (and that BASE_DOMAIN is in the zone), Access applications and
//     policies, and, where readable, the Zero Trust organization (CLOUDFLARE_ACCESS_TEAM is its
//     auth domain) and the configured identity provider.
import Cloudflare from "cloudflare";
import { cloudflare } from "@/lib/access/cloudflare";
import { env } from "@/lib/env";
import { type CheckResult, fail, guarded, pass } from "@/lib/doctor/check";

/** The permission groups (API names; the dashboard says "Edit" for "Write") the product needs. */
export const REQUIRED_CLOUDFLARE_PERMISSIONS = ["Access: Apps and Policies Write", "Cloudflare Tunnel Write", "DNS Write"] as const;

type TokenKind = "user" | "account";

async function verifyToken(cf: Cloudflare, accountId: string): Promise<{ kind: TokenKind; id: string; status: string }> {
  try {
    const token = await cf.user.tokens.verify();
    return { kind: "user", id: token.id, status: token.status };
  } catch (error) {
    if (!(error instanceof Cloudflare.AuthenticationError)) throw error;
    // An account-owned token: Cloudflare verifies it only under its account.
    const token = await cf.accounts.tokens.verify({ account_id: accountId });
    return { kind: "account", id: token.id, status: token.status };
  }
}

async function tokenPermissions(cf: Cloudflare, kind: TokenKind, id: string, accountId: string): Promise<string[] | null> {
  try {
    const token = kind === "user" ? await cf.user.tokens.get(id) : await cf.accounts.tokens.get(id, { account_id: accountId });
    return (token.policies ?? []).filter((p) => p.effect === "allow").flatMap((p) => p.permission_groups.map((g) => g.name ?? ""));
  } catch (error) {
    if (error instanceof Cloudflare.PermissionDeniedError || error instanceof Cloudflare.AuthenticationError) return null;
    throw error;
  }
}

/** A read the token may lack permission for: null when Cloudflare says it may not. */
async function readable<T>(call: () => Promise<T>): Promise<T | null> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof Cloudflare.PermissionDeniedError) return null;
    throw error;
  }
}

export async function cloudflareChecks(): Promise<CheckResult[]> {
  const { CLOUDFLARE_ACCOUNT_ID: account_id, CLOUDFLARE_ZONE_ID, BASE_DOMAIN, CLOUDFLARE_ACCESS_TEAM, CLOUDFLARE_ACCESS_IDP_ID } = env();
  const cf = cloudflare();
  const token = await verifyToken(cf, account_id);
  const ownerText = token.kind === "account" ? "account-owned token" : "user token";
  const results = [
    token.status === "active" ? pass("cloudflare", "token", `active (${ownerText})`) : fail("cloudflare", "token", `${ownerText} status ${token.status}`),
  ];

  results.push(
    ...(await guarded("cloudflare", "token permissions", async () => {
      const held = await tokenPermissions(cf, token.kind, token.id, account_id);
      if (held === null) {
        return pass(
          "cloudflare",
          "token permissions",
          `cannot read its own permissions (add ${token.kind === "account" ? "Account API Tokens Read" : "API Tokens Read"} to check them); the reads below show what it reaches`,
        );
      }
      const missing = REQUIRED_CLOUDFLARE_PERMISSIONS.filter((p) => !held.includes(p));
      return missing.length
        ? fail("cloudflare", "token permissions", `missing ${missing.join(", ")} (dashboard: Access: Apps and Policies, Cloudflare Tunnel, DNS, each Edit)`)
        : pass("cloudflare", "token permissions", REQUIRED_CLOUDFLARE_PERMISSIONS.join(", "));
    })),
    ...(await guarded("cloudflare", "tunnels scope", async () => {
      await cf.zeroTrust.tunnels.cloudflared.list({ account_id, per_page: 1 });
      return pass("cloudflare", "tunnels scope", `reads tunnels of account ${account_id}`);
    })),
    ...(await guarded("cloudflare", "DNS scope", async () => {
      const zone = await cf.zones.get({ zone_id: CLOUDFLARE_ZONE_ID });
      await cf.dns.records.list({ zone_id: CLOUDFLARE_ZONE_ID, per_page: 1 });
      const inside = BASE_DOMAIN === zone.name || BASE_DOMAIN.endsWith(`.${zone.name}`);
      return inside
        ? pass("cloudflare", "DNS scope", `reads DNS of ${zone.name}; BASE_DOMAIN ${BASE_DOMAIN} is in it`)
        : fail("cloudflare", "DNS scope", `BASE_DOMAIN ${BASE_DOMAIN} is not in zone ${zone.name}`);
    })),
    ...(await guarded("cloudflare", "Access scope", async () => {
      await cf.zeroTrust.access.applications.list({ account_id, per_page: 1 });
      await cf.zeroTrust.access.policies.list({ account_id, per_page: 1 });
      return pass("cloudflare", "Access scope", `reads Access applications and policies of account ${account_id}`);
    })),
    ...(await guarded("cloudflare", "Access team", async () => {
      const org = await readable(() => cf.zeroTrust.organizations.list({ account_id }));
      const idp = CLOUDFLARE_ACCESS_IDP_ID ? await readable(() => cf.zeroTrust.identityProviders.get(CLOUDFLARE_ACCESS_IDP_ID, { account_id })) : undefined;
      const authDomain = `${CLOUDFLARE_ACCESS_TEAM}.cloudflareaccess.com`;
      if (org && org.auth_domain !== authDomain)
        return fail("cloudflare", "Access team", `CLOUDFLARE_ACCESS_TEAM gives ${authDomain}, the organization's is ${org.auth_domain}`);
      const teamText = org
        ? `team ${authDomain}`
        : `team ${authDomain} not checked (the organization needs Access: Organizations, Identity Providers, and Groups Read)`;
      const idpText = !CLOUDFLARE_ACCESS_IDP_ID
        ? "login: the account's methods (one-time PIN)"
        : idp
          ? `login: ${idp.name ?? CLOUDFLARE_ACCESS_IDP_ID}`
          : "identity provider not readable with this token";
      return pass("cloudflare", "Access team", `${teamText}; ${idpText}`);
    })),
  );
  return results;
}
