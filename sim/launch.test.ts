// The launcher, exercised with the stand-ins that do not depend on other engineers' modules.
import { createServer } from "node:http";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { closeServer, listen } from "./shared/http";
import { SIM_NAMES, startAllSims } from "./launch";

const freePorts = { cloudflare: { port: 0 }, mail: { port: 0 }, statusPort: 0 };

describe("startAllSims", () => {
  it("starts the chosen stand-ins, reports them healthy on the status page, merges their app env, and frees every port on close", async () => {
    const running = await startAllSims(freePorts, { SIM_ONLY: "cloudflare,mail" });
    const { services } = await (await fetch(`${running.statusUrl}/status.json`)).json();
    expect(services.map((s: { name: string; health: { up: boolean } }) => [s.name, s.health.up])).toEqual([
      ["cloudflare", true],
      ["mail", true],
    ]);
    expect(running.env).toMatchObject({
      CLOUDFLARE_BASE_URL: `${running.handles.cloudflare!.url}/client/v4`,
      RESEND_BASE_URL: running.handles.mail!.url,
    });
    expect(await (await fetch(running.statusUrl)).text()).toContain(`${running.handles.mail!.url}/_sim`);
    const secrets = services.find((s: { name: string }) => s.name === "cloudflare").env;
    expect(secrets.CLOUDFLARE_API_TOKEN).toBe("(set, hidden)");

    await running.close();
    await expect(fetch(`${running.handles.mail!.url}/_sim`)).rejects.toThrow();
    await expect(fetch(running.statusUrl)).rejects.toThrow();
  });

  it("starts all five stand-ins with the export contract and sees each one's /_sim answer", async () => {
    const stateDir = await mkdtemp(join(tmpdir(), "labvps-sim-"));
    const running = await startAllSims(
      {
        ...freePorts,
        stripe: { port: 0, webhookUrl: "" },
        proxmox: { port: 0, sshPort: 0, stateDir },
        inngest: { port: 0, appUrls: [] },
      },
      {},
    );
    try {
      const { services } = await (await fetch(`${running.statusUrl}/status.json`)).json();
      expect(services.map((s: { name: string }) => s.name)).toEqual([...SIM_NAMES]);
      expect(services.filter((s: { health: { up: boolean } }) => !s.health.up)).toEqual([]);
    } finally {
      await running.close();
      await rm(stateDir, { recursive: true, force: true });
    }
  });

  it("fails naming the stand-in that could not start, after closing the ones that did", async () => {
    const probe = createServer();
    const cloudflarePort = await listen(probe, 0);
    await closeServer(probe);
    const squatter = createServer();
    const taken = await listen(squatter, 0);
    try {
      const error = await startAllSims({ ...freePorts, only: ["cloudflare", "mail"], cloudflare: { port: cloudflarePort }, mail: { port: taken } }).catch(
        (e) => e,
      );
      expect(error.message).toMatch(/could not start mail: .*EADDRINUSE/);
      // The Cloudflare stand-in did start, and must have released its port again.
      const again = createServer();
      await expect(listen(again, cloudflarePort)).resolves.toBe(cloudflarePort);
      await closeServer(again);
    } finally {
      await closeServer(squatter);
    }
  });

  it("refuses unknown names in SIM_ONLY / SIM_SKIP", async () => {
    await expect(startAllSims(freePorts, { SIM_SKIP: "stripe,paypal" })).rejects.toThrow(/unknown stand-ins: paypal/);
  });
});
