import type { Db } from "@/lib/db";
import { hashPassword, verifyPassword } from "@/lib/auth/password";
import { normalizeEmail } from "@/lib/auth/email";
import { seedNode, seedNodeSsh, seedPlans, seedResourcePrices, seedTemplates } from "@/lib/catalog/seed-data";
import { defaultNetworkSettings } from "@/lib/network/settings";

/** Idempotent: creates or updates the catalogue, the first node, its templates and the admin. */
export async function seedCatalog(db: Db, admin?: { email?: string; password?: string }) {
  for (const plan of seedPlans) {
    await db.plan.upsert({ where: { slug: plan.slug }, create: plan, update: plan });
  }
  // Created once: the operator's later prices are kept.
  for (const price of seedResourcePrices) {
    await db.resourcePrice.upsert({ where: { kind: price.kind }, create: price, update: {} });
  }
  const ssh = seedNodeSsh(process.env);
  const node = await db.proxmoxNode.upsert({ where: { name: seedNode.name }, create: { ...seedNode, ...ssh }, update: {} });
  // A node row from before per-node SSH gets the env defaults once; an operator's edit is kept.
  if (ssh) await db.proxmoxNode.updateMany({ where: { id: node.id, sshHost: null }, data: ssh });
  for (const template of seedTemplates) {
    // The node's default image per lab type; images added for rebuilds are left alone.
    const existing = await db.template.findFirst({ where: { nodeId: node.id, labType: template.labType, isDefault: true }, select: { id: true } });
    if (existing) await db.template.update({ where: { id: existing.id }, data: { templateVmid: template.templateVmid, name: template.name } });
    else await db.template.create({ data: { ...template, nodeId: node.id } });
  }
  // Created once (issue 26): the operator's later settings are kept.
  await db.networkSettings.upsert({ where: { id: defaultNetworkSettings.id }, create: defaultNetworkSettings, update: {} });
  if (admin?.email && admin.password) await seedAdmin(db, normalizeEmail(admin.email), admin.password);
}

async function seedAdmin(db: Db, email: string, password: string) {
  const existing = await db.user.findUnique({ where: { email }, omit: { passwordHash: false } });
  if (!existing) {
    await db.user.create({ data: { email, name: "Operator", role: "admin", passwordHash: await hashPassword(password), emailVerified: new Date() } });
    return;
  }
  // Re-hash only when ADMIN_PASSWORD changed, so re-seeding does not churn the row.
  const passwordHash = (await verifyPassword(existing.passwordHash, password)) ? existing.passwordHash : await hashPassword(password);
  await db.user.update({ where: { id: existing.id }, data: { role: "admin", passwordHash } });
}
