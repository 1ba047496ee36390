// I2 (the UI never touches Proxmox) held through the whole import graph, not only the direct imports
// ESLint sees: from every file under app/ and components/, follow each runtime import (type-only
// imports are erased, so they are not followed) through TypeScript's own resolver with tsconfig's
// "@/…" paths, and fail on any path that arrives in lib/proxmox/ or lib/provisioning/.
import fs from "node:fs";
import path from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const root = process.cwd();
const FORBIDDEN = ["lib/proxmox/", "lib/provisioning/"];
const UI_ROOTS = ["app", "components"];
// Not the UI, or a named exception, each for its reason:
const EXEMPT = new Map([
  // Inngest's endpoint: the job runner serving the functions that do the infrastructure work (I2's other side).
  ["app/api/inngest/route.ts", "serves the Inngest functions"],
  // The VM page's graphs: one read-only, owner-checked, cached RRD GET (see its header). Not followed further.
  ["lib/metrics/vm-metrics.ts", "read-only RRD data for the VM page's graphs"],
]);

const config = ts.getParsedCommandLineOfConfigFile(
  path.join(root, "tsconfig.json"),
  {},
  {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => {
      throw new Error(ts.flattenDiagnosticMessageText(d.messageText, "\n"));
    },
  },
)!;

const isSource = (file: string) => /\.tsx?$/.test(file) && !file.endsWith(".d.ts");
const isTest = (file: string) => /\.test\.tsx?$/.test(file);

function listSources(dir: string): string[] {
  return fs.readdirSync(path.join(root, dir), { withFileTypes: true, recursive: true }).flatMap((entry) => {
    const file = path.relative(root, path.join(entry.parentPath, entry.name));
    return entry.isFile() && isSource(file) && !isTest(file) ? [file] : [];
  });
}

/** The module specifiers a file loads at run time: static imports and re-exports (not type-only), and import(). */
function runtimeSpecifiers(file: string, text: string): string[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false, file.endsWith(".tsx") ? ts.ScriptKind.TSX : ts.ScriptKind.TS);
  const found: string[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isImportDeclaration(node) && !node.importClause?.isTypeOnly && ts.isStringLiteral(node.moduleSpecifier)) {
      const bindings = node.importClause?.namedBindings;
      const onlyTypes =
        bindings && ts.isNamedImports(bindings) && !node.importClause?.name && bindings.elements.length > 0 && bindings.elements.every((e) => e.isTypeOnly);
      if (!onlyTypes) found.push(node.moduleSpecifier.text);
    } else if (ts.isExportDeclaration(node) && !node.isTypeOnly && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      found.push(node.moduleSpecifier.text);
    } else if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments[0] &&
      ts.isStringLiteral(node.arguments[0])
    ) {
      found.push(node.arguments[0].text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/**
 * Every forbidden file reachable from `roots`, each with the chain of imports that reaches it.
 * `extra` adds files that are not on disk (path → text), so the walker itself can be tested.
 */
export function forbiddenReaches(roots: string[], extra: Record<string, string> = {}): string[][] {
  const host: ts.ModuleResolutionHost = {
    fileExists: (f) => path.relative(root, f) in extra || ts.sys.fileExists(f),
    readFile: (f) => extra[path.relative(root, f)] ?? ts.sys.readFile(f),
  };
  const parentOf = new Map<string, string | null>(roots.map((r) => [r, null]));
  const queue = [...roots];
  const reaches: string[][] = [];
  while (queue.length > 0) {
    const file = queue.shift()!;
    if (EXEMPT.has(file)) continue;
    if (FORBIDDEN.some((prefix) => file.startsWith(prefix))) {
      const chain = [file];
      for (let at = parentOf.get(file); at; at = parentOf.get(at)) chain.unshift(at);
      reaches.push(chain);
      continue;
    }
    const text = host.readFile(path.join(root, file))!;
    for (const specifier of runtimeSpecifiers(file, text)) {
      const resolved = ts.resolveModuleName(specifier, path.join(root, file), config.options, host).resolvedModule;
      if (!resolved || resolved.isExternalLibraryImport || !isSource(resolved.resolvedFileName)) continue;
      const next = path.relative(root, resolved.resolvedFileName);
      if (next.startsWith("..") || parentOf.has(next)) continue;
      parentOf.set(next, file);
      queue.push(next);
    }
  }
  return reaches;
}

describe("I2: the import graph from app/ and components/", () => {
  it("I2: no page, route, action or component reaches lib/proxmox or lib/provisioning, directly or indirectly", () => {
    const roots = UI_ROOTS.flatMap(listSources);
    expect(roots.length).toBeGreaterThan(50); // the walk starts from the real tree
    const reaches = forbiddenReaches(roots);
    expect(
      reaches.map((chain) => chain.join(" → ")),
      "import chains from the UI into Proxmox code",
    ).toEqual([]);
  });

  it("I2: the walker reports a direct import and an indirect reach through domain code, with its chain", () => {
    const reaches = forbiddenReaches(["app/probe/direct.ts", "app/probe/indirect.ts"], {
      "app/probe/direct.ts": 'import { proxmoxRequest } from "@/lib/proxmox/client";\nexport const x = proxmoxRequest;\n',
      // the deletion steps (billing-delete-vm's) reach provisioning's cleanup actions
      "app/probe/indirect.ts": 'import { deletionSteps } from "../../lib/billing-state/delete-retained-vm";\nexport const x = deletionSteps;\n',
    });
    const chains = reaches.map((chain) => chain.join(" → "));
    expect(chains).toContain("app/probe/direct.ts → lib/proxmox/client.ts");
    expect(chains.some((c) => c.startsWith("app/probe/indirect.ts → lib/billing-state/delete-retained-vm.ts → lib/provisioning/"))).toBe(true);
  });

  it("I2: a type-only import is erased at build time, so it is not a reach", () => {
    expect(
      forbiddenReaches(["app/probe/types.ts"], {
        "app/probe/types.ts": 'import type { proxmoxRequest } from "@/lib/proxmox/client";\nexport type X = typeof proxmoxRequest;\n',
      }),
    ).toEqual([]);
  });
});
