// Where the browser tests' server and its stand-ins listen (away from `npm run dev`'s defaults,
// so both can run at once). playwright.config.ts passes these to the server; tests read them to
// use the stand-ins' /_sim controls.
// E2E_PORT_OFFSET shifts every port, so several checkouts on one machine can run the suite at once.
// The two-replica run (playwright.replicas.config.ts sets E2E_REPLICAS=1) has its own ports and
// data directory, so it never meets the main run's stand-ins or state.
const replicas = process.env.E2E_REPLICAS === "1";
const offset = Number(process.env.E2E_PORT_OFFSET ?? 0) + (replicas ? 40 : 0);
export const e2ePorts = {
  app: Number(process.env.E2E_PORT ?? 3100) + offset,
  db: Number(process.env.E2E_PORT ?? 3100) + offset + 1,
  simStatus: 13100 + offset,
  stripe: 13111 + offset,
  proxmox: 13006 + offset,
  proxmoxSsh: 13222 + offset,
  cloudflare: 13113 + offset,
  mail: 13114 + offset,
  inngest: 13288 + offset,
};

export const simUrl = {
  stripe: `http://127.0.0.1:${e2ePorts.stripe}`,
  proxmox: `https://127.0.0.1:${e2ePorts.proxmox}`,
  cloudflare: `http://127.0.0.1:${e2ePorts.cloudflare}`,
  mail: `http://127.0.0.1:${e2ePorts.mail}`,
  inngest: `http://127.0.0.1:${e2ePorts.inngest}`,
};

export const e2eDataDir = replicas ? ".data/e2e-replicas" : ".data/e2e";
