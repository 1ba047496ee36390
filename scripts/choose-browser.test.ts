import { describe, expect, it } from "vitest";
import { provideBrowser, type BrowserProbe } from "./choose-browser";

const own = "/root/.cache/ms-playwright/chromium-1255/chrome-linux/chrome";

/** A machine described by what exists on it and what each install would do; records the calls. */
function machine(opts: {
  files?: string[];
  playwrightDownloads?: boolean;
  aptInstalls?: boolean;
  isRoot?: boolean;
  debianLike?: boolean;
  hasAptGet?: boolean;
}) {
  const files = new Set(opts.files ?? []);
  const calls: string[] = [];
  const probe: BrowserProbe = {
    systemCandidates: ["/usr/bin/chromium", "/usr/bin/chromium-browser"],
    exists: (file) => files.has(file),
    playwrightExecutable: () => own,
    installPlaywright: async () => {
      calls.push("playwright install");
      if (opts.playwrightDownloads) files.add(own);
      return Boolean(opts.playwrightDownloads);
    },
    isRoot: opts.isRoot ?? false,
    debianLike: opts.debianLike ?? false,
    hasAptGet: opts.hasAptGet ?? false,
    installDebianChromium: async () => {
      calls.push("apt-get install");
      if (opts.aptInstalls) files.add("/usr/bin/chromium");
      return Boolean(opts.aptInstalls);
    },
    log: () => undefined,
  };
  return { probe, calls };
}

describe("npm test's browser", () => {
  it("uses Debian's Chromium when present and installs nothing", async () => {
    const { probe, calls } = machine({ files: ["/usr/bin/chromium", own], isRoot: true, debianLike: true, hasAptGet: true });
    expect(await provideBrowser(probe)).toEqual({ kind: "system", executablePath: "/usr/bin/chromium", installed: false });
    expect(calls).toEqual([]);
  });

  it("finds chromium-browser too (older Debian and Ubuntu name)", async () => {
    const { probe } = machine({ files: ["/usr/bin/chromium-browser"] });
    expect(await provideBrowser(probe)).toMatchObject({ kind: "system", executablePath: "/usr/bin/chromium-browser" });
  });

  it("uses Playwright's own Chromium when it was downloaded before, without downloading again", async () => {
    const { probe, calls } = machine({ files: [own] });
    expect(await provideBrowser(probe)).toEqual({ kind: "playwright", executablePath: own, installed: false });
    expect(calls).toEqual([]);
  });

  it("downloads Playwright's Chromium before reaching for apt-get", async () => {
    const { probe, calls } = machine({ playwrightDownloads: true, isRoot: true, debianLike: true, hasAptGet: true, aptInstalls: true });
    expect(await provideBrowser(probe)).toEqual({ kind: "playwright", executablePath: own, installed: true });
    expect(calls).toEqual(["playwright install"]);
  });

  it("installs Debian's chromium as root on a Debian-like system when Playwright cannot download", async () => {
    const { probe, calls } = machine({ isRoot: true, debianLike: true, hasAptGet: true, aptInstalls: true });
    expect(await provideBrowser(probe)).toEqual({ kind: "system", executablePath: "/usr/bin/chromium", installed: true });
    expect(calls).toEqual(["playwright install", "apt-get install"]);
  });

  it("never runs apt-get without root, and says exactly what to install", async () => {
    const { probe, calls } = machine({ debianLike: true, hasAptGet: true, aptInstalls: true });
    const choice = await provideBrowser(probe);
    expect(calls).toEqual(["playwright install"]);
    expect(choice).toEqual({ kind: "missing", message: expect.stringContaining("`sudo apt-get install chromium`") });
  });

  it("never runs apt-get on a system that is not Debian-like; names Playwright's installer", async () => {
    const { probe, calls } = machine({ isRoot: true, debianLike: false, hasAptGet: false });
    const choice = await provideBrowser(probe);
    expect(calls).toEqual(["playwright install"]);
    expect(choice).toEqual({ kind: "missing", message: expect.stringContaining("`npx playwright install --with-deps chromium`") });
  });

  it("stops with one line when apt-get fails too", async () => {
    const { probe, calls } = machine({ isRoot: true, debianLike: true, hasAptGet: true, aptInstalls: false });
    const choice = await provideBrowser(probe);
    expect(calls).toEqual(["playwright install", "apt-get install"]);
    expect(choice.kind).toBe("missing");
    if (choice.kind === "missing") expect(choice.message.split("\n")).toHaveLength(1);
  });

  it("does not trust an install that reports success but leaves no browser", async () => {
    const { probe } = machine({ isRoot: true, debianLike: true, hasAptGet: true });
    probe.installPlaywright = async () => true;
    probe.installDebianChromium = async () => true;
    expect((await provideBrowser(probe)).kind).toBe("missing");
  });
});
