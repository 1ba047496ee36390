// `npm run doctor`: the operator's preflight against the configured Proxmox, Stripe, Cloudflare
// and Resend (lib/doctor). Changes nothing; exits 1 when any check fails.
import { formatResults, runDoctor } from "../lib/doctor/run-doctor";
import { db } from "../lib/db";

const { ok, results } = await runDoctor();
console.log(formatResults(results));
console.log(ok ? `\nall ${results.length} checks passed` : `\n${results.filter((r) => !r.ok).length} of ${results.length} checks failed`);
await db.$disconnect();
process.exit(ok ? 0 : 1);
