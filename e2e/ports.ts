// Where the browser tests' server and its stand-ins listen (away from `npm run dev`'s defaults,
// so both can run at once). playwright.config.ts passes these to the server; tests read them to
// use the stand-ins' /_sim controls.
export const e2ePorts = {
  app: Number(process.env.E2E_PORT ?? 3100),
  db: Number(process.env.E2E_PORT ?? 3100) + 1,
  simStatus: 13100,
  stripe: 13111,
  proxmox: 13006,
  proxmoxSsh: 13222,
  cloudflare: 13113,
  mail: 13114,
  inngest: 13288,
};

export const simUrl = {
  stripe: `http://127.0.0.1:${e2ePorts.stripe}`,
  proxmox: `https://127.0.0.1:${e2ePorts.proxmox}`,
  cloudflare: `http://127.0.0.1:${e2ePorts.cloudflare}`,
  mail: `http://127.0.0.1:${e2ePorts.mail}`,
  inngest: `http://127.0.0.1:${e2ePorts.inngest}`,
};

export const e2eDataDir = ".data/e2e";
