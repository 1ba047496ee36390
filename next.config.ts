import fs from "node:fs";
import path from "node:path";
import type { NextConfig } from "next";

// Turbopack reads only files under its root, which defaults to the project. A node_modules that is
// a symlink to another checkout's install (a git worktree, a quick smoke clone) lies outside it, and
// `next dev` then fails to find Next.js itself: widen the root to the directory holding both.
function workspaceRoot(): string | undefined {
  const project = process.cwd();
  let modules: string;
  try {
    modules = path.dirname(fs.realpathSync(path.join(project, "node_modules")));
  } catch {
    return undefined;
  }
  if (modules === project) return undefined;
  let root = project;
  while (path.relative(root, modules).startsWith("..")) root = path.dirname(root);
  return root;
}
const root = workspaceRoot();

const securityHeaders = [
  { key: "X-Content-Type-Options", value: "nosniff" },
  { key: "Referrer-Policy", value: "strict-origin-when-cross-origin" },
  { key: "X-Frame-Options", value: "DENY" },
  { key: "Permissions-Policy", value: "camera=(), microphone=(), geolocation=()" },
];

const nextConfig: NextConfig = {
  poweredByHeader: false,
  ...(root ? { turbopack: { root }, outputFileTracingRoot: root } : {}),
  // Native or wasm packages that must load from node_modules at run time, not be bundled.
  // pino and prom-client: one copy per process, shared with the compiled server.ts (the logger's
  // worker-free destination and the metrics registry), not a second one inside Next's bundle.
  serverExternalPackages: ["@node-rs/argon2", "@electric-sql/pglite", "ssh2", "cpu-features", "@prisma/schema-engine-wasm", "pino", "prom-client"],
  // `npm test` type-checks the whole project once (tsc --noEmit, sim/ and tests included);
  // checking again inside `next build` would only double the time on a 2-core machine.
  typescript: { ignoreBuildErrors: true },
  experimental: {
    // forbidden() → app/forbidden.tsx with HTTP 403 for customers who open /admin.
    authInterrupts: true,
  },
  async headers() {
    return [{ source: "/:path*", headers: securityHeaders }];
  },
};

export default nextConfig;
