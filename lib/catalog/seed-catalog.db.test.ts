import { expect, it } from "vitest";
import { db } from "@/lib/db";
import { verifyPassword } from "@/lib/auth/password";
import { seedCatalog } from "./seed-catalog";
import { seedPlans } from "./seed-data";

it("seeding twice leaves one copy of the catalogue, node, templates and admin", async () => {
  const admin = { email: "Operator@Example.com", password: "operator pass phrase" };
  await seedCatalog(db, admin);
  const counts = async () => ({
    plans: await db.plan.count({ where: { slug: { in: seedPlans.map((p) => p.slug) } } }),
    nodes: await db.proxmoxNode.count({ where: { name: "pve1" } }),
    templates: await db.template.count({ where: { node: { name: "pve1" } } }),
    admins: await db.user.count({ where: { email: "operator@example.com", role: "admin" } }),
  });
  const first = await counts();
  await seedCatalog(db, admin);
  expect(await counts()).toEqual(first);
  expect(first).toEqual({ plans: seedPlans.length, nodes: 1, templates: 2, admins: 1 });

  const labTypes = await db.plan.groupBy({ by: ["labType"], where: { active: true }, _count: true });
  expect(Object.fromEntries(labTypes.map((g) => [g.labType, g._count]))).toMatchObject({ eve: expect.any(Number), containerlab: expect.any(Number) });
  for (const g of labTypes) expect(g._count).toBeGreaterThanOrEqual(2);

  const stored = await db.user.findUniqueOrThrow({ where: { email: "operator@example.com" }, omit: { passwordHash: false } });
  expect(await verifyPassword(stored.passwordHash, admin.password)).toBe(true);
});

it("a changed ADMIN_PASSWORD takes effect on the next seed", async () => {
  await seedCatalog(db, { email: "rotate@example.com", password: "first pass phrase" });
  await seedCatalog(db, { email: "rotate@example.com", password: "second pass phrase" });
  const stored = await db.user.findUniqueOrThrow({ where: { email: "rotate@example.com" }, omit: { passwordHash: false } });
  expect(await verifyPassword(stored.passwordHash, "second pass phrase")).toBe(true);
  expect(await verifyPassword(stored.passwordHash, "first pass phrase")).toBe(false);
});
