// Cloudflare Access in front of every VM hostname (I5): one self-hosted application for exactly
// the VM's hostnames, with one reusable policy that admits exactly the owner's email, both named
// after the Vm row (`labvps-vm-<id>`, the owner tag: something with another name is never touched).
// The policy follows the VM's life: the owner's current email, and a deny-everyone policy while
// billing has the VM suspended or a hold stands on it (abuse, a disputed payment: lib/vm-holds). A changed policy binds only new logins (Access evaluates policies
// at login), so taking access away also revokes the application's sessions. The tunnel's ingress
// names the application's `aud` in `originRequest.access`, so cloudflared itself refuses what did
// not come through Access (lib/provisioning/create-tunnel-and-dns.ts).
import { db } from "@/lib/db";
import { env } from "@/lib/env";
import { STOPPED_STATES } from "@/lib/billing-state/billing-state";
import { isVmHeld } from "@/lib/vm-holds/hold-gate";
import {
  createAccessApp,
  createAccessPolicy,
  deleteAccessApp,
  deleteAccessPolicy,
  findAccessApps,
  findAccessPolicies,
  getAccessApp,
  getAccessPolicy,
  revokeAccessTokens,
  updateAccessApp,
  updateAccessPolicy,
  type FoundApp,
  type PolicySpec,
} from "@/lib/access/access-api";
import { accessName, sshHostname, webHostname } from "@/lib/provisioning/naming";

type AccessVm = {
  id: string;
  userId: string;
  orderId: string;
  labType: string;
  hostLabel: string | null;
  sshHostname: string | null;
  webHostname: string | null;
  accessAppId: string | null;
  accessPolicyId: string | null;
};
const vmSelect = {
  id: true,
  userId: true,
  orderId: true,
  labType: true,
  hostLabel: true,
  sshHostname: true,
  webHostname: true,
  accessAppId: true,
  accessPolicyId: true,
} as const;

/**
 * The hostnames the application covers: exactly the VM's. From its host label, or, for a VM built
 * before labels (protected by `npm run access:protect-existing`), the names it was given.
 */
export function accessHostnames(vm: { hostLabel: string | null; labType: string; sshHostname?: string | null; webHostname?: string | null }): string[] {
  if (!vm.hostLabel) return [vm.sshHostname, vm.webHostname].filter((h): h is string => !!h);
  return [sshHostname(vm.hostLabel), ...(vm.labType === "eve" ? [webHostname(vm.hostLabel)] : [])];
}

/** Owner only, through the configured identity provider if any; nobody while suspended. */
export function accessPolicySpec(ownerEmail: string, suspended: boolean, idpId = env().CLOUDFLARE_ACCESS_IDP_ID): PolicySpec {
  if (suspended) return { decision: "deny", include: [{ everyone: {} }], require: [] };
  return { decision: "allow", include: [{ email: { email: ownerEmail } }], require: idpId ? [{ login_method: { id: idpId } }] : [] };
}

async function desiredPolicy(vm: AccessVm): Promise<{ spec: PolicySpec; suspended: boolean }> {
  const [owner, billing, held] = await Promise.all([
    db.user.findUniqueOrThrow({ where: { id: vm.userId }, select: { email: true } }),
    db.billingEnforcement.findUnique({ where: { orderId: vm.orderId }, select: { state: true } }),
    isVmHeld(vm.id),
  ]);
  // Every state that keeps the VM stopped, an ending by the customer (issue 16) included, and any
  // standing hold (issue 25): lifting one of the two never admits the owner while the other stands.
  const suspended = held || (!!billing && (STOPPED_STATES as readonly string[]).includes(billing.state));
  return { spec: accessPolicySpec(owner.email, suspended), suspended };
}

const sameJson = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** This VM's policy (stored id if still ours, else found by name, else created), set to `spec`. */
async function ensurePolicy(vm: AccessVm, spec: PolicySpec): Promise<string> {
  const name = accessName(vm.id);
  const stored = vm.accessPolicyId ? await getAccessPolicy(vm.accessPolicyId) : null;
  const current = stored?.name === name ? stored : ((await findAccessPolicies(name))[0] ?? null);
  let id: string;
  if (!current) id = (await createAccessPolicy(name, spec)).id;
  else {
    id = current.id;
    if (current.decision !== spec.decision || !sameJson(current.include, spec.include) || !sameJson(current.require, spec.require))
      await updateAccessPolicy(id, name, spec);
  }
  if (vm.accessPolicyId !== id) await db.vm.update({ where: { id: vm.id }, data: { accessPolicyId: id } });
  return id;
}

/** This VM's application, covering exactly `hostnames` with exactly its policy. */
async function ensureApp(vm: AccessVm, hostnames: string[], policyId: string): Promise<FoundApp> {
  const name = accessName(vm.id);
  const idpId = env().CLOUDFLARE_ACCESS_IDP_ID;
  const spec = { hostnames, policyId, idpId };
  const stored = vm.accessAppId ? await getAccessApp(vm.accessAppId) : null;
  const current = stored?.name === name ? stored : ((await findAccessApps(name))[0] ?? null);
  let app: FoundApp;
  if (!current) app = await createAccessApp(name, spec);
  else {
    const matches = sameJson(current.hostnames, hostnames) && sameJson(current.policyIds, [policyId]) && sameJson(current.allowedIdps, idpId ? [idpId] : []);
    app = matches ? current : await updateAccessApp(current.id, name, spec);
  }
  if (vm.accessAppId !== app.id) await db.vm.update({ where: { id: vm.id }, data: { accessAppId: app.id } });
  return app;
}

/**
 * Step "protect hostnames with access": the application and policy for the VM's hostnames,
 * created once, found again on a re-run. Returns the application's audience tag for the tunnel.
 */
export async function ensureVmAccess(vmId: string): Promise<{ appId: string; aud: string; hostnames: string[] }> {
  const vm = await db.vm.findUniqueOrThrow({ where: { id: vmId }, select: vmSelect });
  const hostnames = accessHostnames(vm);
  if (hostnames.length === 0) throw new Error(`VM ${vm.id} has no host label yet`);
  const { spec } = await desiredPolicy(vm);
  const policyId = await ensurePolicy(vm, spec);
  const app = await ensureApp({ ...vm, accessPolicyId: policyId }, hostnames, policyId);
  return { appId: app.id, aud: app.aud, hostnames };
}

/**
 * Puts the VM's policy in line with its owner's email and its billing state; when that takes
 * access away (suspension, another email), the sessions already issued are revoked too.
 */
export async function syncVmAccess(vmId: string, { revoke = false } = {}): Promise<string> {
  const vm = await db.vm.findUnique({ where: { id: vmId }, select: vmSelect });
  if (!vm?.accessPolicyId) return "no Access application";
  const { spec, suspended } = await desiredPolicy(vm);
  await ensurePolicy(vm, spec);
  if ((suspended || revoke) && vm.accessAppId) await revokeAccessTokens(vm.accessAppId);
  return suspended ? "access denied (suspended)" : "owner admitted";
}

/** Billing hooks: the VM of a billing row follows its state (suspended → nobody, restored → owner). */
export async function syncVmAccessOfOrder(orderId: string): Promise<string> {
  const vm = await db.vm.findUnique({ where: { orderId }, select: { id: true } });
  return vm ? syncVmAccess(vm.id) : "no VM";
}

/**
 * For the account-email change (another issue builds the form): every live VM of the user admits
 * the new address only, and sessions opened under the old one end.
 */
export async function syncOwnerEmailToAccess(userId: string): Promise<{ vmId: string; result: string }[]> {
  const vms = await db.vm.findMany({ where: { userId, status: { not: "destroyed" }, accessPolicyId: { not: null } }, select: { id: true } });
  const out: { vmId: string; result: string }[] = [];
  for (const vm of vms) out.push({ vmId: vm.id, result: await syncVmAccess(vm.id, { revoke: true }) });
  return out;
}

/** Cleanup: the application, then its policy (Cloudflare keeps a policy an application still uses). */
export async function removeVmAccess(vmId: string): Promise<string> {
  const vm = await db.vm.findUnique({ where: { id: vmId }, select: vmSelect });
  if (!vm) return "no VM row";
  const name = accessName(vm.id);
  const stored = vm.accessAppId ? await getAccessApp(vm.accessAppId) : null;
  const appIds = new Set((await findAccessApps(name)).map((a) => a.id));
  if (stored?.name === name) appIds.add(stored.id);
  for (const id of appIds) await deleteAccessApp(id);
  await db.vm.update({ where: { id: vm.id }, data: { accessAppId: null } });
  // The stored id when it is ours; otherwise (a create whose id was never written) by name, which
  // pages through every reusable policy of the account.
  const storedPolicy = vm.accessPolicyId ? await getAccessPolicy(vm.accessPolicyId) : null;
  const policyIds = new Set(storedPolicy?.name === name ? [storedPolicy.id] : (await findAccessPolicies(name)).map((p) => p.id));
  for (const id of policyIds) await deleteAccessPolicy(id);
  await db.vm.update({ where: { id: vm.id }, data: { accessPolicyId: null } });
  return `deleted ${appIds.size} Access application(s) and ${policyIds.size} policy(ies)`;
}
