// Starts the stand-ins (all five by default) plus the status page. Used by `npm run sim`
// (sim/index.ts), by `npm run dev` and by tests, which pass port 0 and `only`.
import { cloudflareSimOptionsFromEnv, startCloudflareSim, type CloudflareSimHandle, type CloudflareSimOptions } from "./cloudflare/index";
import { mailSimOptionsFromEnv, startMailSim, type MailSimHandle, type MailSimOptions } from "./mail/index";
import type { InngestSimHandle, InngestSimOptions } from "./inngest/index";
import type { ProxmoxSimHandle, ProxmoxSimOptions } from "./proxmox/index";
import { startStatusPage, type StatusPage } from "./status-page";
import type { StripeSimHandle, StripeSimOptions } from "./stripe/index";

/** What every stand-in's handle offers; `env` (variables the app needs) is optional. */
export interface SimHandle {
  name: string;
  url: string;
  port: number;
  close(): Promise<void>;
  env?: Record<string, string>;
}

type Env = Record<string, string | undefined>;

export const SIM_NAMES = ["stripe", "proxmox", "inngest", "cloudflare", "mail"] as const;
export type SimName = (typeof SIM_NAMES)[number];

interface HandleMap {
  stripe: StripeSimHandle;
  proxmox: ProxmoxSimHandle;
  inngest: InngestSimHandle;
  cloudflare: CloudflareSimHandle;
  mail: MailSimHandle;
}

interface OverrideMap {
  stripe: Partial<StripeSimOptions>;
  proxmox: Partial<ProxmoxSimOptions>;
  inngest: Partial<InngestSimOptions>;
  cloudflare: Partial<CloudflareSimOptions>;
  mail: Partial<MailSimOptions>;
}

export type SimOverrides = { [K in SimName]?: OverrideMap[K] } & {
  /** Status page port; default env SIM_PORT or 12100 (0 = a free port). */
  statusPort?: number;
  /** Which stand-ins to start; default all, minus env SIM_SKIP, or only env SIM_ONLY (comma lists). */
  only?: SimName[];
};

export interface StartedSim<K extends SimName = SimName> {
  name: K;
  handle: HandleMap[K];
  startMs: number;
}

export interface RunningSims {
  handles: { [K in SimName]?: HandleMap[K] };
  sims: StartedSim[];
  statusUrl: string;
  /** Every handle's `env` merged: what the app must set to talk to the stand-ins. */
  env: Record<string, string>;
  close(): Promise<void>;
}

// Dynamic imports: a subset (SIM_ONLY, tests) starts without loading the other stand-ins' code.
// `env` is cast once: Next's typings make NODE_ENV required on ProcessEnv, which plain records lack.
const starters: { [K in SimName]: (override: OverrideMap[K], env: NodeJS.ProcessEnv) => Promise<HandleMap[K]> } = {
  async stripe(override, env) {
    const m = await import("./stripe/index");
    return m.startStripeSim({ ...m.stripeSimOptionsFromEnv(env), ...override });
  },
  async proxmox(override, env) {
    const m = await import("./proxmox/index");
    return m.startProxmoxSim({ ...m.proxmoxSimOptionsFromEnv(env), ...override });
  },
  async inngest(override, env) {
    const m = await import("./inngest/index");
    return m.startInngestSim({ ...m.inngestSimOptionsFromEnv(env), ...override });
  },
  cloudflare: (override, env) => startCloudflareSim({ ...cloudflareSimOptionsFromEnv(env), ...override }),
  mail: (override, env) => startMailSim({ ...mailSimOptionsFromEnv(env), ...override }),
};

function namesFromEnv(env: Env): SimName[] {
  const list = (value: string | undefined) =>
    (value ?? "")
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean);
  const unknown = [...list(env.SIM_ONLY), ...list(env.SIM_SKIP)].filter((n) => !SIM_NAMES.includes(n as SimName));
  if (unknown.length) throw new Error(`SIM_ONLY/SIM_SKIP name unknown stand-ins: ${unknown.join(", ")} (known: ${SIM_NAMES.join(", ")})`);
  const only = list(env.SIM_ONLY);
  return SIM_NAMES.filter((n) => (only.length === 0 || only.includes(n)) && !list(env.SIM_SKIP).includes(n));
}

function statusPortFromEnv(env: Env): number {
  const port = Number(env.SIM_PORT ?? 12100);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`SIM_PORT is not a port: ${env.SIM_PORT}`);
  return port;
}

async function startOne<K extends SimName>(name: K, override: OverrideMap[K] | undefined, env: Env): Promise<StartedSim<K>> {
  const started = performance.now();
  const handle = await starters[name]((override ?? {}) as OverrideMap[K], env as NodeJS.ProcessEnv);
  return { name, handle, startMs: Math.round(performance.now() - started) };
}

/** Starts the stand-ins in parallel; if any fails, closes the others and throws naming it. */
export async function startAllSims(overrides: SimOverrides = {}, env: Env = process.env): Promise<RunningSims> {
  const names = overrides.only ?? namesFromEnv(env);
  const results = await Promise.allSettled(names.map((name) => startOne(name, overrides[name], env)));
  const sims = results.flatMap((r) => (r.status === "fulfilled" ? [r.value as StartedSim] : []));
  const failures = results.flatMap((r, i) => (r.status === "rejected" ? [`${names[i]}: ${(r.reason as Error)?.message ?? r.reason}`] : []));

  let status: StatusPage | undefined;
  const close = async () => {
    await status?.close();
    await Promise.all(sims.map((s) => s.handle.close()));
  };
  try {
    if (failures.length) throw new Error(`could not start ${failures.join("; ")}`);
    // The guests in the Proxmox stand-in run cloudflared against the Cloudflare stand-in.
    const proxmox = sims.find((s) => s.name === "proxmox")?.handle as ProxmoxSimHandle | undefined;
    const cloudflare = sims.find((s) => s.name === "cloudflare")?.handle as CloudflareSimHandle | undefined;
    if (proxmox && cloudflare) proxmox.guests.linkCloudflare(cloudflare.url);
    status = await startStatusPage({ port: overrides.statusPort ?? statusPortFromEnv(env), sims });
  } catch (error) {
    // A half-started set of stand-ins is worse than none: free the ports before reporting.
    await close();
    throw error;
  }
  return {
    handles: Object.fromEntries(sims.map((s) => [s.name, s.handle])),
    sims,
    statusUrl: status.url,
    env: Object.assign({}, ...sims.map((s) => (s.handle as SimHandle).env ?? {})),
    close,
  };
}
