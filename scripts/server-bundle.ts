// The production server as plain JavaScript (issue 22, Build 5): server.ts and the lib/ code it
// imports bundled by esbuild into one ES module, every package left external (loaded from
// node_modules as usual). `npm run build` writes it after `next build`, into .next/ so a stale
// bundle never outlives the app build it belongs to (next build empties .next first); `npm start`
// and `npm run start:local` run it with plain `node`, with no TypeScript compiler loaded.
import path from "node:path";

export const COMPILED_SERVER = path.join(".next", "labvps", "server.mjs");
/** Node's flags to run a TypeScript entry point of ours uncompiled: tsx, and "server-only" as the no-op (./server-process.mjs). */
export const TSX_SERVER_FLAGS = ["--import", "tsx", "--import", path.join(import.meta.dirname, "server-process.mjs")] as const;
/**
 * What `npm start` and the image set besides NODE_ENV: glibc gives each thread that allocates its
 * own malloc arena and keeps freed memory in it; two arenas cut the idle server's resident memory
 * by about 40 MB (bench/server-start) at no measurable cost for a process this size.
 */
export const PRODUCTION_PROCESS_ENV = { MALLOC_ARENA_MAX: "2" } as const;

export async function buildServerBundle(root = process.cwd()): Promise<{ outfile: string; bytes: number }> {
  // esbuild ships with tsx (a dependency), and is also pinned in devDependencies.
  const { build } = await import("esbuild");
  const outfile = path.join(root, COMPILED_SERVER);
  const result = await build({
    absWorkingDir: root,
    entryPoints: ["server.ts"],
    outfile,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    // Packages stay in node_modules (native and wasm ones must; Next must be the same copy the
    // app build used). `@/…` is resolved through tsconfig's paths before this check applies.
    packages: "external",
    tsconfig: "tsconfig.json",
    sourcemap: "linked",
    legalComments: "none",
    logLevel: "warning",
    metafile: true,
    // This bundle is the server: "server-only" is bundled as its no-op (./server-process.mjs says why).
    plugins: [
      {
        name: "server-only",
        setup(b) {
          b.onResolve({ filter: /^server-only$/ }, () => ({ path: path.join(root, "node_modules/server-only/empty.js") }));
        },
      },
    ],
    // Bundled ES modules have no require(); a CommonJS package reached through one needs it.
    banner: { js: 'import { createRequire as __labvpsCreateRequire } from "node:module"; const require = __labvpsCreateRequire(import.meta.url);' },
  });
  const bytes = Object.values(result.metafile.outputs).reduce((n, o) => n + o.bytes, 0);
  return { outfile, bytes };
}
