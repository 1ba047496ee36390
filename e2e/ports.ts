// Where the browser tests' server and its stand-ins listen (away from `npm run dev`'s defaults,
// so both can run at once). playwright.config.ts passes these to the server; tests read them to
// use the stand-ins' /_sim controls.
// E2E_PORT_OFFSET shifts every port, so several checkouts on one machine can run the suite at once.
// The two-replica run (playwright.replicas.config.ts sets E2E_REPLICAS=1) has its own ports and
// data directory, so it never meets the main run's stand-ins or state.
const replicas = process.env.E2E_REPLICAS === "1";
const offset = Number(process.env.E2E_PORT_OFFSET ?? 0) + (replicas ? 40 : 0);
const portsAt = (offset: number) => ({
  app: Number(process.env.E2E_PORT ?? 3100) + offset,
  db: Number(process.env.E2E_PORT ?? 3100) + offset + 1,
  simStatus: 13100 + offset,
  stripe: 13111 + offset,
  proxmox: 13006 + offset,
  proxmoxSsh: 13222 + offset,
  cloudflare: 13113 + offset,
  mail: 13114 + offset,
  inngest: 13288 + offset,
});
export type E2ePorts = ReturnType<typeof portsAt>;
export const e2ePorts = portsAt(offset);
// The STRIPE_AUTOMATIC_TAX server (playwright.config.ts's "tax" project): a second server with its
// own stand-ins, ports and data, because the setting is read once at start-up.
export const taxE2ePorts = portsAt(offset + 60);

export const simUrlsAt = (ports: E2ePorts) => ({
  stripe: `http://127.0.0.1:${ports.stripe}`,
  proxmox: `https://127.0.0.1:${ports.proxmox}`,
  cloudflare: `http://127.0.0.1:${ports.cloudflare}`,
  mail: `http://127.0.0.1:${ports.mail}`,
  inngest: `http://127.0.0.1:${ports.inngest}`,
});
/** The stand-ins the specs talk to; a spec of the "tax" project points it at that server's (its own worker). */
export const simUrl = simUrlsAt(e2ePorts);

export const e2eDataDir = replicas ? ".data/e2e-replicas" : ".data/e2e";
export const taxE2eDataDir = ".data/e2e-tax";
