// `npx tsx sim/inngest/cli.ts`: the stand-in on its own, configured from INNGEST_SIM_* env.
import { inngestSimOptionsFromEnv, startInngestSim } from "./index";

const options = inngestSimOptionsFromEnv();
const sim = await startInngestSim(options);
console.log(`[inngest sim] ${sim.url} (set INNGEST_DEV=${sim.url} in the app); syncing ${options.appUrls.join(", ") || "no apps"}`);
const stop = () => void sim.close().then(() => process.exit(0));
process.once("SIGINT", stop);
process.once("SIGTERM", stop);
