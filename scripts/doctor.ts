// `npm run doctor`: the operator's preflight against the configured Proxmox, Stripe, Cloudflare,
// Resend and Inngest endpoint (lib/doctor). Changes nothing; exits 1 when any check fails.
import { formatResults, runDoctor } from "../lib/doctor/run-doctor";
import { db } from "../lib/db";
import { inngest } from "../lib/jobs/client";
import { functions } from "../inngest/index";

const { ok, results } = await runDoctor(functions.map((fn) => `${inngest.id}-${fn.id()}`));
console.log(formatResults(results));
console.log(ok ? `\nall ${results.length} checks passed` : `\n${results.filter((r) => !r.ok).length} of ${results.length} checks failed`);
await db.$disconnect();
process.exit(ok ? 0 : 1);
