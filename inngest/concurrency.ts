// Concurrency rules shared by every function that works on Proxmox. A constant key in env scope
// makes them draw on ONE budget of PROVISION_CONCURRENCY steps in flight, whichever function runs.
import { envSchema } from "@/lib/env";

// Read at import time (`next build` imports the functions without the full environment): only
// this variable, with lib/env.ts's own rule and default.
const PROVISION_CONCURRENCY = envSchema.shape.PROVISION_CONCURRENCY.parse(process.env.PROVISION_CONCURRENCY);

export const proxmoxBudget = { limit: PROVISION_CONCURRENCY, key: '"proxmox"', scope: "env" } as const;
