// The API token's permissions, as pve-access-control computes them: ACL entries grant privileges
// on a path; the deepest path with an entry that applies (the path itself, or an ancestor with
// `propagate`) decides, and a missing privilege is HTTP 403 "Permission check failed (<path>,
// <priv>)" (PVE::RPCEnvironment::check / check_any, pve-common's raise_perm_exc).
import { PveError } from "./errors";

export type PveVersion = 8 | 9;

// pve-access-control's $privgroups: 9.0 dropped VM.Monitor (commit 0706945 "privileges: drop
// VM.Monitor") and added VM.GuestAgent.* and VM.Replicate. A role naming a privilege the
// version does not know is refused, so the product's role set must use the common ones only.
const COMMON = [
  "VM.Allocate",
  "VM.Audit",
  "VM.Backup",
  "VM.Clone",
  "VM.Config.CDROM",
  "VM.Config.CPU",
  "VM.Config.Cloudinit",
  "VM.Config.Disk",
  "VM.Config.HWType",
  "VM.Config.Memory",
  "VM.Config.Network",
  "VM.Config.Options",
  "VM.Console",
  "VM.Migrate",
  "VM.PowerMgmt",
  "VM.Snapshot",
  "VM.Snapshot.Rollback",
  "Sys.Audit",
  "Sys.Console",
  "Sys.Incoming",
  "Sys.Modify",
  "Sys.PowerMgmt",
  "Sys.Syslog",
  "Sys.AccessNetwork",
  "Datastore.Allocate",
  "Datastore.AllocateSpace",
  "Datastore.AllocateTemplate",
  "Datastore.Audit",
  "SDN.Allocate",
  "SDN.Audit",
  "SDN.Use",
  "Pool.Allocate",
  "Pool.Audit",
  "Permissions.Modify",
  "User.Modify",
  "Group.Allocate",
  "Realm.Allocate",
  "Realm.AllocateUser",
  "Mapping.Audit",
  "Mapping.Modify",
  "Mapping.Use",
];
export const PRIVILEGES: Record<PveVersion, string[]> = {
  8: [...COMMON, "VM.Monitor"],
  9: [
    ...COMMON,
    "VM.GuestAgent.Audit",
    "VM.GuestAgent.FileRead",
    "VM.GuestAgent.FileSystemMgmt",
    "VM.GuestAgent.FileWrite",
    "VM.GuestAgent.Unrestricted",
    "VM.Replicate",
  ],
};

export interface AclEntry {
  path: string;
  privs: string[];
  /** Default true, as `pveum acl modify --propagate` defaults. */
  propagate?: boolean;
}

export const permissionError = (path: string, privs: string[]) => new PveError(`Permission check failed (${path}, ${privs.join("|")})`, 403);

function normalise(path: string): string {
  return `/${path.split("/").filter(Boolean).join("/")}`;
}

export class Permissions {
  private acl: AclEntry[] | null = null;

  constructor(private readonly versionOf: () => PveVersion) {}

  /** The PVE major version whose privilege names apply. */
  get version(): PveVersion {
    return this.versionOf();
  }

  /** null: every privilege everywhere (a token without privilege separation of root@pam). */
  set(acl: AclEntry[] | null) {
    if (acl) {
      const known = new Set(PRIVILEGES[this.versionOf()]);
      for (const entry of acl) {
        if (typeof entry.path !== "string" || !Array.isArray(entry.privs)) throw new Error("an ACL entry needs a path and a privs array");
        const unknown = entry.privs.filter((p) => !known.has(p));
        // PVE::AccessControl::verify_privname
        if (unknown.length) throw new Error(`invalid privilege '${unknown[0]}' (PVE ${this.versionOf()})`);
      }
    }
    this.acl = acl && acl.map((e) => ({ path: normalise(e.path), privs: [...e.privs], propagate: e.propagate ?? true }));
  }

  get(): AclEntry[] | null {
    return this.acl && this.acl.map((e) => ({ ...e, privs: [...e.privs] }));
  }

  /** Privileges held on `path`. */
  privileges(path: string): Set<string> {
    if (!this.acl) return new Set(PRIVILEGES[this.versionOf()]);
    const target = normalise(path);
    const parts = target.split("/").filter(Boolean);
    for (let depth = parts.length; depth >= 0; depth--) {
      const level = `/${parts.slice(0, depth).join("/")}`;
      const entries = this.acl.filter((e) => e.path === level && (depth === parts.length || e.propagate));
      if (entries.length) return new Set(entries.flatMap((e) => e.privs));
    }
    return new Set();
  }

  has(path: string, priv: string): boolean {
    return this.privileges(path).has(priv);
  }

  /** Every privilege in `privs` (RPCEnvironment::check). */
  check(path: string, privs: string[]) {
    const held = this.privileges(path);
    const missing = privs.find((p) => !held.has(p));
    if (missing) throw permissionError(normalise(path), [missing]);
  }

  /** At least one of `privs` (RPCEnvironment::check_any). */
  checkAny(path: string, privs: string[]) {
    const held = this.privileges(path);
    if (!privs.some((p) => held.has(p))) throw permissionError(normalise(path), privs);
  }
}
