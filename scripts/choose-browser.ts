// Which Chromium `npm test` runs the browser tests in, decided before anything runs (so a machine
// without one stops at once instead of failing every browser test after the build):
//   1. Debian's /usr/bin/chromium when present (Playwright cannot download its own browser on
//      every machine, this project's included);
//   2. Playwright's own Chromium, when already downloaded or when `playwright install` succeeds;
//   3. as root on a Debian-like system: `apt-get install chromium`;
//   4. otherwise: one line saying exactly what to install.
// Everything that touches the machine comes in through `BrowserProbe`, so the order is testable.

export const SYSTEM_CHROMIUM_CANDIDATES = ["/usr/bin/chromium", "/usr/bin/chromium-browser"];

export interface BrowserProbe {
  systemCandidates: string[];
  exists(file: string): boolean;
  /** Where Playwright keeps its own Chromium (whether or not it is downloaded). */
  playwrightExecutable(): string;
  /** `playwright install chromium`; resolves false when the download fails. */
  installPlaywright(): Promise<boolean>;
  isRoot: boolean;
  debianLike: boolean;
  hasAptGet: boolean;
  /** `apt-get install chromium`; resolves false when it fails. */
  installDebianChromium(): Promise<boolean>;
  log(line: string): void;
}

export type BrowserChoice =
  | { kind: "system"; executablePath: string; installed: boolean }
  | { kind: "playwright"; executablePath: string; installed: boolean }
  | { kind: "missing"; message: string };

export function findSystemChromium(probe: Pick<BrowserProbe, "systemCandidates" | "exists">): string | undefined {
  return probe.systemCandidates.find((file) => probe.exists(file));
}

/** The one line printed when no browser can be provided: what to install, for this machine. */
export function missingBrowserMessage(probe: Pick<BrowserProbe, "debianLike" | "isRoot" | "hasAptGet">): string {
  const what = "npm test needs Chromium for its browser tests and could not provide one:";
  if (probe.debianLike && probe.hasAptGet) return `${what} run \`sudo apt-get install chromium\`, then npm test again`;
  return `${what} run \`npx playwright install --with-deps chromium\` (or install your system's chromium package at ${SYSTEM_CHROMIUM_CANDIDATES[0]}), then npm test again`;
}

export async function provideBrowser(probe: BrowserProbe): Promise<BrowserChoice> {
  const system = findSystemChromium(probe);
  if (system) return { kind: "system", executablePath: system, installed: false };

  const own = probe.playwrightExecutable();
  if (probe.exists(own)) return { kind: "playwright", executablePath: own, installed: false };
  probe.log("no Chromium found: trying `playwright install chromium`");
  if ((await probe.installPlaywright()) && probe.exists(own)) return { kind: "playwright", executablePath: own, installed: true };

  if (probe.isRoot && probe.debianLike && probe.hasAptGet) {
    probe.log("Playwright could not download its browser: installing Debian's chromium (apt-get)");
    if (await probe.installDebianChromium()) {
      const installed = findSystemChromium(probe);
      if (installed) return { kind: "system", executablePath: installed, installed: true };
    }
  }
  return { kind: "missing", message: missingBrowserMessage(probe) };
}
