// The production topology stays complete (issue 22, Build 7): Docker cannot run on the machines
// that test this project, so what can be checked without it is checked here, statically. Every
// variable lib/env.ts reads must be wired into the app replicas of deploy/compose.yaml and
// documented in .env.example; the topology is the one the README describes.
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { envSchema } from "@/lib/env";

const root = path.resolve(import.meta.dirname, "..");
const read = (file: string) => fs.readFileSync(path.join(root, file), "utf8");
type Service = {
  image?: string;
  build?: { context: string; dockerfile: string; target: string };
  command?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  ports?: string[];
};
const compose = parse(read("deploy/compose.yaml"), { merge: true }) as { services: Record<string, Service> };
const envVariables = Object.keys(envSchema.shape);

/** The variables a value interpolates (`${NAME}`, `${NAME:-x}`, `${NAME:?msg}`). */
const interpolated = (value: string) => [...value.matchAll(/\$\{([A-Z0-9_]+)/g)].map((m) => m[1]);

describe("deploy/compose.yaml", () => {
  it("runs two app replicas of the image's runtime stage, behind the proxy, after the migrations", () => {
    const apps = Object.entries(compose.services).filter(([, s]) => s.build?.target === "runtime");
    expect(apps.map(([name]) => name).sort()).toEqual(["app-1", "app-2"]);
    for (const [, app] of apps) {
      expect(app.depends_on?.migrate).toEqual({ condition: "service_completed_successfully" });
      expect(app.environment?.TRUST_PROXY).toBe("1");
      expect(app.ports).toBeUndefined(); // only the proxy is published
    }
    expect(compose.services.proxy.depends_on).toEqual(expect.arrayContaining(["app-1", "app-2"]));
    expect(compose.services.migrate.build?.target).toBe("migrate");
  });

  it("wires every variable of lib/env.ts into each app replica, each from deploy/.env or set for this topology", () => {
    for (const name of ["app-1", "app-2"]) {
      const environment = compose.services[name].environment ?? {};
      const missing = envVariables.filter((variable) => !(variable in environment));
      expect(missing, `${name} misses these lib/env.ts variables`).toEqual([]);
      // A variable passed through from .env is interpolated under its own name (no typo'd wiring).
      for (const [variable, value] of Object.entries(environment)) {
        const sources = interpolated(String(value));
        if (sources.length === 1 && variable !== "DATABASE_URL") expect(sources, variable).toEqual([variable]);
      }
    }
  });

  it("self-hosts Inngest with its own PostgreSQL and Redis, the app's keys, and no dev mode", () => {
    const inngest = compose.services.inngest;
    expect(inngest.command?.slice(0, 2)).toEqual(["inngest", "start"]);
    expect(inngest.environment?.INNGEST_POSTGRES_URI).toContain("@inngest-db:5432/");
    expect(inngest.environment?.INNGEST_REDIS_URI).toBe("redis://inngest-redis:6379");
    const app = compose.services["app-1"].environment ?? {};
    for (const key of ["INNGEST_EVENT_KEY", "INNGEST_SIGNING_KEY"]) expect(interpolated(inngest.environment?.[key] ?? "")).toEqual(interpolated(app[key]));
    expect(app.INNGEST_BASE_URL).toBe("http://inngest:8288");
    expect(app.INNGEST_DEV).toBe("");
    expect(compose.services["inngest-db"].image).toMatch(/^postgres:/);
    expect(compose.services["inngest-redis"].image).toMatch(/^redis:/);
  });
});

describe(".env.example", () => {
  it("documents every variable of lib/env.ts", () => {
    const documented = new Set([...read(".env.example").matchAll(/^#?\s*([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]));
    expect(envVariables.filter((variable) => !documented.has(variable))).toEqual([]);
  });

  it("documents every variable deploy/compose.yaml asks for", () => {
    const documented = new Set([...read(".env.example").matchAll(/^#?\s*([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]));
    const asked = new Set(interpolated(read("deploy/compose.yaml").replace(/^\s*#.*$/gm, "")));
    expect([...asked].filter((variable) => !documented.has(variable))).toEqual([]);
  });
});

describe("deploy/Dockerfile", () => {
  const dockerfile = read("deploy/Dockerfile");
  it("is multi-stage and runs the compiled server as a non-root user", () => {
    const stages = [...dockerfile.matchAll(/^FROM \S+ AS (\S+)/gm)].map((m) => m[1]);
    expect(stages).toEqual(expect.arrayContaining(["deps", "build", "migrate", "runtime"]));
    const runtime = dockerfile.slice(dockerfile.indexOf("AS runtime"));
    expect(runtime).toMatch(/^USER node$/m);
    expect(runtime).toContain('CMD ["node", ".next/labvps/server.mjs"]');
  });
});
