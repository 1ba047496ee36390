// Test plumbing for the *.db.test.ts files of the VM page, power and admin lists: customers,
// plans, orders and VM rows with unique names, and a signed-in user for the mocked Auth.js
// session. Imported by tests only.
import { sealSecret } from "@/lib/crypto/secret-box";
import { db } from "@/lib/db";
import { env } from "@/lib/env";
import type { LabType, OrderStatus, Role, VmStatus } from "@/lib/generated/prisma/client";

let counter = 0;
export const uniqueTag = () => `${Date.now().toString(36)}${(counter++).toString(36)}${Math.random().toString(36).slice(2, 6)}`;

/** A VMID far above VM_ID_MAX's default range, so fixtures never meet provisioning's VMs. */
export const uniqueVmid = () => 700_000 + Math.floor(Math.random() * 290_000);

export async function createUser(role: Role = "customer") {
  const tag = uniqueTag();
  return db.user.create({ data: { email: `${role}.${tag}@example.com`, name: `User ${tag}`, passwordHash: "x", role }, select: { id: true, email: true } });
}

export async function createPlan(labType: LabType = "containerlab") {
  const tag = uniqueTag();
  return db.plan.create({ data: { slug: `vm-test-${tag}`, name: `Plan ${tag}`, labType, vcpus: 2, ramGb: 4, diskGb: 40, monthlyPriceMinor: 2900 } });
}

export async function createOrder(opts: { userId: string; planId: string; status?: OrderStatus; createdAt?: Date; failureReason?: string; flagReason?: string }) {
  return db.order.create({
    data: {
      userId: opts.userId, planId: opts.planId, interval: "month", amountMinor: 2900, currency: "usd", hostname: `lab-${uniqueTag()}`, sshPublicKeys: [],
      status: opts.status ?? "provisioned", createdAt: opts.createdAt, failureReason: opts.failureReason, flagReason: opts.flagReason,
    },
  });
}

export type VmFixtureOptions = {
  userId?: string;
  status?: VmStatus;
  labType?: LabType;
  vmid?: number | null;
  nodeName?: string | null;
  password?: string | null;
  createdAt?: Date;
};

/** A customer (unless `userId` is given) with a provisioned order and its VM row. */
export async function createVmFixture(opts: VmFixtureOptions = {}) {
  const userId = opts.userId ?? (await createUser()).id;
  const plan = await createPlan(opts.labType);
  const order = await createOrder({ userId, planId: plan.id });
  const vmid = opts.vmid === undefined ? uniqueVmid() : opts.vmid;
  const vm = await db.vm.create({
    data: {
      userId, orderId: order.id, planId: plan.id, name: order.hostname, vmid, nodeName: opts.nodeName === undefined ? "pve1" : opts.nodeName,
      status: opts.status ?? "running", labType: plan.labType, vcpus: plan.vcpus, ramGb: plan.ramGb, diskGb: plan.diskGb,
      passwordCiphertext: opts.password === null ? null : sealSecret(opts.password ?? "correct-horse-battery", env().VM_SECRET_KEY),
      tunnelId: `tunnel-${uniqueTag()}`, sshDnsRecordId: `dns-${uniqueTag()}`, webDnsRecordId: `dns-${uniqueTag()}`,
      snippetPath: `/var/lib/vz/snippets/user-${vmid}.yaml`, createdAt: opts.createdAt,
    },
  });
  return { userId, plan, order, vm };
}

/** A FormData as a browser would post it. */
export function formData(fields: Record<string, string>): FormData {
  const data = new FormData();
  for (const [key, value] of Object.entries(fields)) data.set(key, value);
  return data;
}

/** The Next.js control-flow digest a call threw (notFound, forbidden, redirect), or null if it resolved. */
export const digestOf = (promise: Promise<unknown>) => promise.then(() => null, (e: { digest?: string }) => e.digest ?? String(e));
