// `npm run access:protect-existing`: puts Cloudflare Access in front of every VM built before it
// (lib/access/protect-existing.ts). Safe to run again; exits 1 if any VM could not be protected.
import { protectExistingVms } from "../lib/access/protect-existing";
import { db } from "../lib/db";

const results = await protectExistingVms();
for (const r of results) console.log(`${r.vmId}: ${r.result}`);
const failed = results.filter((r) => r.result.startsWith("FAILED"));
console.log(`\n${results.length} VM(s) without Access found; ${failed.length} failed`);
await db.$disconnect();
process.exit(failed.length ? 1 : 0);
