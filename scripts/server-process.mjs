// Loaded with `--import` by every process that runs our server code outside Next's bundler
// (server.ts under tsx, scripts/, bench/, the browser tests' fixtures): such a process is the server,
// so `import "server-only"` must resolve to the package's own no-op, as it does in Next's server
// layers. It does so through the package's "react-server" export condition, added for that one
// package only: added process-wide (node -C react-server) it would also hand React's server build
// to Next itself. Vitest does the same with an alias (vitest.config.ts); the compiled server
// bundles the no-op (scripts/server-bundle.ts).
import { register } from "node:module";

const hooks = `export async function resolve(specifier, context, nextResolve) {
  if (specifier !== "server-only") return nextResolve(specifier, context);
  return nextResolve(specifier, { ...context, conditions: [...context.conditions, "react-server"] });
}`;
register(`data:text/javascript,${encodeURIComponent(hooks)}`);
