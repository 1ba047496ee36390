// Remote tunnel configuration checks. Cloudflare refuses an ingress list whose last rule is not a
// catch-all (cloudflared would have nowhere to send unmatched requests); the SDK types demand a
// hostname on every rule, so a client that forgets to cast the catch-all gets caught here.
import { badRequest } from "./envelope";

export interface IngressRule {
  hostname?: string;
  path?: string;
  service: string;
  originRequest?: Record<string, unknown>;
}

export interface IngressConfig {
  ingress: IngressRule[];
  originRequest?: Record<string, unknown>;
  [key: string]: unknown;
}

// Schemes and special services cloudflared accepts as an ingress `service`.
const SERVICE = /^(https?|ssh|tcp|rdp|smb|unix|unix\+tls|ws|wss):\/\/?\S+$|^http_status:[1-5]\d\d$|^hello_world$|^bastion$/;
const HOSTNAME = /^(\*\.)?([a-z0-9_-]+\.)*[a-z0-9_-]+$/i;

const invalid = (message: string) => badRequest(1056, `Validation failed: ${message}`);

export interface AccessRequirement {
  required?: boolean;
  teamName?: string;
  audTag?: string[];
}

/** cloudflared ingress.validateAccessConfiguration: audTags without a team name cannot be checked. */
function checkAccess(access: unknown, n: number) {
  if (access === undefined) return;
  if (!access || typeof access !== "object" || Array.isArray(access)) throw invalid(`ingress rule #${n} originRequest.access must be an object`);
  const { required, teamName, audTag } = access as AccessRequirement;
  if (required !== undefined && typeof required !== "boolean") throw invalid(`ingress rule #${n} access.required must be a boolean`);
  if (teamName !== undefined && typeof teamName !== "string") throw invalid(`ingress rule #${n} access.teamName must be a string`);
  if (audTag !== undefined && (!Array.isArray(audTag) || audTag.some((t) => typeof t !== "string")))
    throw invalid(`ingress rule #${n} access.audTag must be a list of strings`);
  if (required && !teamName && (audTag?.length ?? 0) > 0) throw invalid("access.TeamName cannot be blank when access.audTags are present");
}

export function validateIngress(config: unknown): IngressConfig {
  if (!config || typeof config !== "object" || Array.isArray(config)) throw invalid("config must be an object");
  const ingress = (config as { ingress?: unknown }).ingress;
  if (!Array.isArray(ingress) || ingress.length === 0) throw invalid("config.ingress must be a non-empty array");

  ingress.forEach((rule: Partial<IngressRule>, i) => {
    const n = i + 1;
    if (!rule || typeof rule !== "object") throw invalid(`ingress rule #${n} must be an object`);
    if (typeof rule.service !== "string" || !SERVICE.test(rule.service)) {
      throw invalid(`ingress rule #${n} has an invalid service ${JSON.stringify(rule.service)}`);
    }
    if (rule.hostname !== undefined && (typeof rule.hostname !== "string" || !HOSTNAME.test(rule.hostname))) {
      throw invalid(`ingress rule #${n} has an invalid hostname ${JSON.stringify(rule.hostname)} (no scheme, port or path)`);
    }
    const catchAll = !rule.hostname && !rule.path;
    const last = i === ingress.length - 1;
    if (last && !catchAll) {
      throw invalid("The last ingress rule must match all URLs (i.e. it should not have a hostname or path filter)");
    }
    if (!last && catchAll) throw invalid(`ingress rule #${n} matches all URLs but is not the last rule`);
    checkAccess(rule.originRequest?.access, n);
  });
  return structuredClone(config) as IngressConfig;
}
