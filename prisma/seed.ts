// `npm run db:seed`: idempotent catalogue + admin (from ADMIN_EMAIL / ADMIN_PASSWORD when set).
import { db } from "../lib/db";
import { seedCatalog } from "../lib/catalog/seed-catalog";

await seedCatalog(db, { email: process.env.ADMIN_EMAIL, password: process.env.ADMIN_PASSWORD });
const plans = await db.plan.count({ where: { active: true } });
console.log(`seeded: ${plans} active plans${process.env.ADMIN_EMAIL ? `, admin ${process.env.ADMIN_EMAIL}` : ""}`);
await db.$disconnect();
