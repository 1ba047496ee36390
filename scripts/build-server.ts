// `npm run build`'s last step: compiles server.ts into .next/labvps/server.mjs (scripts/server-bundle.ts).
import { buildServerBundle } from "./server-bundle";

const started = performance.now();
const { outfile, bytes } = await buildServerBundle();
console.log(`server bundle: ${outfile} (${Math.round(bytes / 1024)} KiB) in ${Math.round(performance.now() - started)} ms`);
