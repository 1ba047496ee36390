// Renders a VM's cloud-init user-data from user-data.yaml.tmpl. Every value is validated against
// a strict pattern first and then written as a YAML double-quoted string (JSON's escaping is valid
// YAML), so a hostname or key can neither break the YAML nor reach a shell (issue 4: no shell
// injection is possible). SSH keys are re-parsed and written in normalised form, comment dropped.
import fs from "node:fs";
import path from "node:path";
import { parsePublicKey } from "@/lib/ssh-keys/parse-public-key";
import { PermanentError } from "@/lib/errors";

export type UserDataInput = {
  hostname: string;
  user: string;
  sshPublicKeys: string[];
  tunnelToken: string;
  /** `$6$` crypt hash of the VM password (sha512-crypt.ts); never the clear text. */
  passwordHash: string;
  /** EVE-NG images: the web admin password this VM gets at first boot (its own, random). */
  eveAdminPassword?: string;
};

/** Names the field that failed, never its value: the token must not end up in a log (I9). */
export class CloudInitInputError extends PermanentError {
  constructor(
    readonly field: keyof UserDataInput,
    reason: string,
  ) {
    super(`cloud-init ${field} refused: ${reason}`);
    this.name = "CloudInitInputError";
  }
}

const HOSTNAME = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const USER = /^[a-z_][a-z0-9_-]{0,31}$/;
// Cloudflare tunnel tokens are base64 (standard or URL-safe) of a small JSON document.
const TOKEN = /^[A-Za-z0-9+/_-]{32,4096}={0,2}$/;
const PASSWORD_HASH = /^\$6\$[./0-9A-Za-z]{1,16}\$[./0-9A-Za-z]{86}$/;
// What generateVmPassword draws from: nothing that needs escaping in JSON, YAML or a shell.
const EVE_PASSWORD = /^[A-Za-z0-9]{16,64}$/;
export const EVE_ADMIN_FILE = "/run/labvps/eve-admin.json";
const EVE_COOKIE_FILE = "/run/labvps/eve.cookie";

// Next's file tracing follows `path.join(process.cwd(), "<literal>")`, so a production build
// ships the template next to the server code.
const TEMPLATE_PATH = path.join(process.cwd(), "lib/cloud-init/user-data.yaml.tmpl");
let template: string | undefined;

function loadTemplate(): string {
  template ??= fs.readFileSync(TEMPLATE_PATH, "utf8");
  return template;
}

const quote = (value: string) => JSON.stringify(value);

export function validateUserDataInput(input: UserDataInput): { keys: string[] } {
  if (!HOSTNAME.test(input.hostname)) throw new CloudInitInputError("hostname", "not a lowercase DNS label");
  if (!USER.test(input.user)) throw new CloudInitInputError("user", "not a safe user name");
  if (!TOKEN.test(input.tunnelToken)) throw new CloudInitInputError("tunnelToken", "not a base64 token");
  if (!PASSWORD_HASH.test(input.passwordHash)) throw new CloudInitInputError("passwordHash", "not a sha512-crypt hash");
  if (input.sshPublicKeys.length === 0) throw new CloudInitInputError("sshPublicKeys", "no key");
  if (input.eveAdminPassword !== undefined && !EVE_PASSWORD.test(input.eveAdminPassword))
    throw new CloudInitInputError("eveAdminPassword", "not 16-64 letters and digits");
  const keys = input.sshPublicKeys.map((line, i) => {
    const parsed = parsePublicKey(line);
    if (!parsed.ok) throw new CloudInitInputError("sshPublicKeys", `key ${i + 1}: ${parsed.error}`);
    return parsed.key.normalized;
  });
  return { keys };
}

/**
 * EVE-NG ships its web UI with the admin password `eve` and no command to manage web users in the
 * image: the documented way to change it is EVE-NG's own REST API (`POST /api/auth/login`, then
 * `PUT /api/users/admin` {password}, html/api.php), called on the guest itself at first boot. The
 * new password travels in a root-only file on /run (tmpfs), never on a command line, and is
 * removed once used. Without EVE-NG both placeholders render empty.
 */
function eveAdminBlocks(password: string | undefined): { eve_write_files: string; eve_runcmd: string } {
  if (password === undefined) return { eve_write_files: "", eve_runcmd: "" };
  const login = JSON.stringify({ username: "admin", password: "eve" });
  return {
    eve_write_files: [
      "write_files:",
      `  - path: ${quote(EVE_ADMIN_FILE)}`,
      '    permissions: "0600"',
      `    content: ${quote(JSON.stringify({ password }))}`,
    ].join("\n"),
    eve_runcmd: [
      "  # EVE-NG web admin: its own password instead of the image's default (EVE-NG's REST API on this guest).",
      `  - [curl, -fsS, --retry, "60", --retry-connrefused, --retry-delay, "2", -c, ${quote(EVE_COOKIE_FILE)}, -X, POST, -H, "Content-Type: application/json", -d, ${quote(login)}, "http://127.0.0.1/api/auth/login"]`,
      `  - [curl, -fsS, -b, ${quote(EVE_COOKIE_FILE)}, -X, PUT, -H, "Content-Type: application/json", --data-binary, ${quote(`@${EVE_ADMIN_FILE}`)}, "http://127.0.0.1/api/users/admin"]`,
      `  - [rm, -f, ${quote(EVE_ADMIN_FILE)}, ${quote(EVE_COOKIE_FILE)}]`,
    ].join("\n"),
  };
}

export function renderUserData(input: UserDataInput, source: string = loadTemplate()): string {
  const { keys } = validateUserDataInput(input);
  const values: Record<string, string> = {
    hostname: quote(input.hostname),
    user: quote(input.user),
    password_hash: quote(input.passwordHash),
    tunnel_token: quote(input.tunnelToken),
    ssh_authorized_keys: keys.map((k) => `      - ${quote(k)}`).join("\n"),
    ...eveAdminBlocks(input.eveAdminPassword),
  };
  const used = new Set<string>();
  const out = source.replace(/\{\{(\w+)\}\}/g, (_match, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`cloud-init template names an unknown value {{${name}}}`);
    used.add(name);
    return value;
  });
  const missing = Object.keys(values).filter((name) => !used.has(name));
  if (missing.length) throw new Error(`cloud-init template does not use ${missing.join(", ")}`);
  return out;
}
