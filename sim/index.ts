// `npm run sim`: starts every local stand-in and the status page, prints one line per service,
// and closes them all on SIGINT/SIGTERM so no port stays taken.
import { startAllSims, type RunningSims } from "./launch";
import { displayEnv } from "./status-page";

const began = performance.now();
let running: RunningSims;
try {
  running = await startAllSims();
} catch (error) {
  console.error(`sim: ${(error as Error).message}`);
  process.exit(1);
}

for (const { name, handle, startMs } of running.sims) {
  console.log(`${name.padEnd(11)} ${handle.url.padEnd(26)} inspect ${new URL("/_sim", handle.url)}  (${startMs} ms)`);
}
// performance.now() counts from process start, so the second figure includes tsx and imports.
const upMs = Math.round(performance.now() - began);
console.log(`${"status".padEnd(11)} ${running.statusUrl.padEnd(26)} all up in ${upMs} ms (${Math.round(performance.now())} ms since launch)`);
console.log(
  "app env:",
  displayEnv(running.env)
    .map(([k, v]) => `${k}=${v}`)
    .join(" "),
);

let closing = false;
async function shutdown(signal: NodeJS.Signals) {
  // A second Ctrl-C while closing means "now": leave without waiting.
  if (closing) process.exit(130);
  closing = true;
  console.log(`\n${signal}: closing stand-ins…`);
  await running.close();
  process.exit(0);
}
process.on("SIGINT", shutdown);
process.on("SIGTERM", shutdown);
