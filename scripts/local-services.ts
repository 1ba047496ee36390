// Decides, per external service, whether the app talks to the real one (configured in the
// environment) or to its local stand-in from sim/, starts the stand-ins needed, and returns the
// environment the app must run with. Used by `npm run dev` / `npm run start:local`.
import { randomBytes } from "node:crypto";
import fs from "node:fs/promises";
import path from "node:path";
import { startAllSims, type SimName, type SimOverrides } from "@lab-vps/sim";

type Env = NodeJS.ProcessEnv;

// A service counts as configured when its primary credential is set.
const configured: Record<SimName, (env: Env) => boolean> = {
  stripe: (env) => Boolean(env.STRIPE_SECRET_KEY),
  proxmox: (env) => Boolean(env.PROXMOX_API_URL),
  cloudflare: (env) => Boolean(env.CLOUDFLARE_API_TOKEN),
  mail: (env) => Boolean(env.RESEND_API_KEY),
  inngest: (env) => Boolean(env.INNGEST_DEV || env.INNGEST_SIGNING_KEY),
};

const label: Record<SimName, string> = { stripe: "Stripe", proxmox: "Proxmox VE", cloudflare: "Cloudflare", mail: "Resend (mail)", inngest: "Inngest" };

/** A random secret kept in the data dir, so sessions and encrypted rows survive restarts. */
async function persistentSecret(dataDir: string, name: string, bytes: number, encoding: BufferEncoding): Promise<string> {
  const file = path.join(dataDir, name);
  const existing = (await fs.readFile(file, "utf8").catch(() => "")).trim();
  if (existing) return existing;
  const secret = randomBytes(bytes).toString(encoding);
  await fs.mkdir(dataDir, { recursive: true });
  await fs.writeFile(file, secret, { mode: 0o600 });
  return secret;
}

export async function startLocalServices(opts: { env: Env; dataDir: string; appPort: number }) {
  const { env, dataDir, appPort } = opts;
  const missing = (Object.keys(configured) as SimName[]).filter((name) => !configured[name](env));
  for (const name of Object.keys(configured) as SimName[]) {
    console.log(`${label[name].padEnd(14)} ${missing.includes(name) ? "local stand-in (sim/)" : "real service (configured in env)"}`);
  }
  const appOrigin = `http://127.0.0.1:${appPort}`;
  const overrides: SimOverrides = {
    only: missing,
    stripe: { webhookUrl: env.STRIPE_SIM_WEBHOOK_URL ?? `${appOrigin}/api/webhooks/stripe` },
    proxmox: { stateDir: env.SIM_STATE_DIR ?? path.join(dataDir, "sim") },
    inngest: { appUrls: [`${appOrigin}/api/inngest`] },
  };
  const sims = missing.length ? await startAllSims(overrides, env) : null;
  if (sims) console.log(`stand-ins: status page ${sims.statusUrl}`);

  const extra: Record<string, string> = { ...(sims?.env ?? {}) };
  extra.AUTH_SECRET = env.AUTH_SECRET ?? (await persistentSecret(dataDir, "auth-secret", 32, "base64url"));
  extra.VM_SECRET_KEY = env.VM_SECRET_KEY ?? (await persistentSecret(dataDir, "vm-secret-key", 32, "base64"));
  // The Inngest SDK serves its functions at this URL; the stand-in syncs it.
  if (missing.includes("inngest")) {
    extra.INNGEST_SERVE_ORIGIN ??= appOrigin;
    // A production build run locally (`npm run start:local`, the browser tests) talks to the
    // stand-in, which speaks the dev protocol; a real deployment never passes through here.
    extra.INNGEST_DEV_IN_PRODUCTION = "1";
  }
  return { env: extra, close: async () => sims?.close() };
}
