// Proxmox preflight: the token's privileges on every path the product uses, the templates on their
// nodes, each node's SSH daemon (reachable, host key as pinned) and snippet directory, and free
// VMIDs. Read-only API calls (`GET /access/permissions`, config reads) and, over SSH, `test -d`.
import { db } from "@/lib/db";
import { env } from "@/lib/env";
import { getVmConfig, isVmidFree, listClusterVms } from "@/lib/proxmox/api";
import { proxmoxRequest } from "@/lib/proxmox/client";
import { DOCTOR_ACL, requiredAcl, storagesAndBridgesOf, type AclEntry } from "@/lib/proxmox/required-privileges";
import { loadNetworkSettings } from "@/lib/network/settings";
import { probeSsh, withSsh } from "@/lib/proxmox/ssh";
import { type CheckResult, fail, guarded, pass } from "@/lib/doctor/check";

const P = "proxmox" as const;

/** Privileges the token holds on one path, as Proxmox computes them. */
async function privilegesOn(path: string): Promise<Set<string>> {
  const answer = await proxmoxRequest<Record<string, Record<string, number>>>("GET", "/access/permissions", { path });
  return new Set(Object.keys(answer[path] ?? {}));
}

async function checkPrivileges(acl: AclEntry[]): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  for (const { path, privs } of acl) {
    const held = await privilegesOn(path);
    const missing = privs.filter((p) => !held.has(p));
    results.push(
      missing.length ? fail(P, `privileges on ${path}`, `token lacks ${missing.join(", ")} on ${path}`) : pass(P, `privileges on ${path}`, privs.join(" ")),
    );
  }
  return results;
}

export async function runProxmoxChecks(): Promise<CheckResult[]> {
  const { VM_ID_MIN, VM_ID_MAX } = env();
  const results: CheckResult[] = [];
  let pveVersion: 8 | 9 = 9;
  results.push(
    ...(await guarded(P, "API", async () => {
      const v = await proxmoxRequest<{ version: string; release: string }>("GET", "/version");
      pveVersion = Number(v.version.split(".")[0]) === 8 ? 8 : 9;
      return pass(P, "API", `Proxmox VE ${v.version} (pinned TLS, token accepted)`);
    })),
  );
  if (!results[0].ok) return results;

  const nodes = await db.proxmoxNode.findMany({ where: { enabled: true }, include: { templates: true }, orderBy: { name: "asc" } });
  if (!nodes.length) results.push(fail(P, "nodes", "no enabled node in the database (admin → nodes)"));
  // Backups go to each node's backup storage (vzdump, restore, pruning).
  const storages = new Set<string>(nodes.map((n) => n.backupStorage));
  const bridges = new Set<string>();
  const templatePaths: AclEntry[] = [];

  for (const node of nodes) {
    for (const t of node.templates) {
      results.push(
        ...(await guarded(P, `template ${t.templateVmid} on ${node.name}`, async () => {
          const config = await getVmConfig(node.name, t.templateVmid);
          const used = storagesAndBridgesOf(config);
          used.storages.forEach((s) => storages.add(s));
          used.bridges.forEach((b) => bridges.add(b));
          templatePaths.push({ path: `/vms/${t.templateVmid}`, privs: ["VM.Audit", "VM.Clone"] });
          return Number(config.template) === 1
            ? pass(P, `template ${t.templateVmid} on ${node.name}`, `${t.labType}: ${config.name ?? ""} is a template`)
            : fail(P, `template ${t.templateVmid} on ${node.name}`, `${t.labType}: VM ${t.templateVmid} exists but is not a template`);
        })),
      );
    }
    results.push(...(await checkNodeSsh(node)));
  }

  // /vms covers every new id; a more specific ACL on a template or on the range's first id could
  // still take privileges away, so those paths are asked too.
  // SDN mode: the customers' zone (and /sdn for the apply); every mode: the doctor's own read.
  const network = await loadNetworkSettings();
  const acl = [
    ...requiredAcl({
      storages: [...storages],
      bridges: [...bridges, ...(network?.mode === "bridge" ? [network.bridge] : [])],
      zone: network?.mode === "sdn" ? network.sdnZone : null,
      pveVersion,
    }),
    ...DOCTOR_ACL.map((e) => ({ ...e, privs: [...e.privs] })),
    ...templatePaths,
    { path: `/vms/${VM_ID_MIN}`, privs: requiredAcl({ storages: [], bridges: [], pveVersion })[0].privs },
  ];
  results.push(...(await guarded(P, "privileges", () => checkPrivileges(acl))));
  results.push(...(await guarded(P, "free VMIDs", () => checkFreeVmids(VM_ID_MIN, VM_ID_MAX))));
  return results;
}

async function checkNodeSsh(node: {
  name: string;
  sshHost: string | null;
  sshPort: number;
  sshHostFingerprint: string | null;
  snippetStorage: string;
  snippetDir: string;
}): Promise<CheckResult[]> {
  const name = `SSH to ${node.name}`;
  if (!node.sshHost || !node.sshHostFingerprint) return [fail(P, name, "no SSH host or pinned host key set (admin → nodes)")];
  const target = { host: node.sshHost, port: node.sshPort, hostFingerprint: node.sshHostFingerprint };
  const probe = await probeSsh(target);
  if (!probe.ok) {
    const detail =
      probe.presented && probe.presented !== node.sshHostFingerprint
        ? `host key ${probe.presented} is not the pinned ${node.sshHostFingerprint}`
        : `${node.sshHost}:${node.sshPort}: ${probe.error}`;
    return [fail(P, name, detail)];
  }
  const results = [pass(P, name, `${node.sshHost}:${node.sshPort}, host key ${node.sshHostFingerprint}`)];
  results.push(
    ...(await guarded(P, `snippets on ${node.name}`, async () => {
      const found = await withSsh(target, (ssh) =>
        ssh.exec(["test", "-d", node.snippetDir]).then(
          () => true,
          () => false,
        ),
      );
      return found
        ? pass(P, `snippets on ${node.name}`, `${node.snippetStorage}:snippets → ${node.snippetDir}`)
        : fail(P, `snippets on ${node.name}`, `${node.snippetDir} does not exist on ${node.name} (storage ${node.snippetStorage} needs content type snippets)`);
    })),
  );
  return results;
}

async function checkFreeVmids(min: number, max: number): Promise<CheckResult> {
  const inCluster = new Set((await listClusterVms()).map((v) => Number(v.vmid)).filter((id) => id >= min && id <= max));
  const reserved = new Set((await db.vmidReservation.findMany({ where: { vmid: { gte: min, lte: max } }, select: { vmid: true } })).map((r) => r.vmid));
  const free = max - min + 1 - new Set([...inCluster, ...reserved]).size;
  let first = min;
  while (first <= max && (inCluster.has(first) || reserved.has(first))) first++;
  if (free <= 0 || first > max) return fail(P, "free VMIDs", `no free VMID in ${min}..${max}`);
  // cluster/resources hides guests the token cannot audit; nextid sees them all.
  const confirmed = await isVmidFree(first);
  return confirmed
    ? pass(P, "free VMIDs", `${free} of ${max - min + 1} free in ${min}..${max}; next ${first} confirmed by nextid`)
    : fail(P, "free VMIDs", `VMID ${first} looks free but nextid says it is taken (a guest this token cannot audit)`);
}
