// The guests inside the stand-in's VMs, as far as the product can see them: one model for each
// guest's boot, its QEMU agent (guest-agent.ts), cloud-init and its cloudflared. A start boots the
// guest (its agent answers after `guestBootMs`); at the first start with cloud-init user-data the
// guest runs it (guest-cloud-init.ts) for `cloudInitMs`, writing its files onto the VM's disk (so
// snapshots and backups carry them); a run the test planned to fail stops at runcmd's first
// command, as a failing runcmd script does. cloud-init installs cloudflared with the tunnel token
// found there; from then on every start, once booted, runs that connector against the
// Cloudflare stand-in (`/_sim/cloudflared/register`, like `cloudflared tunnel run --token`), a stop
// or destroy ends it (and its connections), and a connector whose connections the API removed
// reconnects, as cloudflared retries. Traffic the edge sends through the connector arrives here:
// the guest applies the tunnel's ingress rules and their `originRequest.access` check itself,
// then answers as sshd or, on EVE-NG images (template tag `eve-ng`), as EVE-NG's web UI.
// The stand-ins learn each other's URLs through sim/launch.ts (`linkCloudflare`).
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { closeServer, listen, readBody, sendJson } from "../shared/http";
import type { Vm } from "./cluster";
import type { Sim } from "./context";
import { BootPlans, GuestAgent, type Boot } from "./guest-agent";
import { parseUserData, readCurl } from "./guest-cloud-init";
import { EveWeb, SSH_BANNER, checkAccessJwt, type AccessRequirement } from "./guest-services";

interface IngressRule {
  hostname?: string;
  path?: string;
  service: string;
  originRequest?: { access?: AccessRequirement };
}

interface Guest {
  vm: Vm;
  eve: EveWeb | null;
  firstBootDone: boolean;
  /** This boot (agent and cloud-init timing); undefined while stopped. */
  boot?: Boot;
  bootTimer?: NodeJS.Timeout;
  cloudflaredToken?: string;
  running: boolean;
  bootId: string;
  connector?: { tunnelId: string; clientId: string };
  config: { version: number; ingress: IngressRule[] };
  bootLog: string[];
  timer?: NodeJS.Timeout;
  attempts: number;
}

export type GuestView = ReturnType<GuestAgent["view"]> & {
  vmid: number;
  running: boolean;
  image: "eve-ng" | "linux";
  cloudflaredInstalled: boolean;
  connector: { tunnelId: string; clientId: string } | null;
  configVersion: number;
  eveDefaultPasswordChanged: boolean | null;
  bootLog: string[];
};

const RECONNECT_MS = 300;
const MAX_ATTEMPTS = 40;

export class GuestNetwork {
  #guests = new WeakMap<Vm, Guest>();
  #byVmid = new Map<number, Guest>();
  #server = createServer((req, res) => void this.#serve(req, res));
  #url = "";
  #cloudflareUrl: string | undefined;
  /** How the next guests boot (`POST /_sim/guest-agent`). */
  readonly plans = new BootPlans();
  /** The QEMU guest agent's API over these guests. */
  readonly agent: GuestAgent;

  constructor(private readonly sim: Sim) {
    this.agent = new GuestAgent(sim, (vm) => this.#guests.get(vm)?.boot);
    sim.events.on("vm-started", (vm: Vm) => this.#boot(vm));
    sim.events.on("vm-stopped", (vmid: number) => this.#halt(this.#byVmid.get(vmid)));
    sim.events.on("vm-destroyed", (vm: Vm) => {
      const guest = this.#guests.get(vm);
      this.#halt(guest);
      this.#guests.delete(vm);
      if (this.#byVmid.get(vm.vmid) === guest) this.#byVmid.delete(vm.vmid);
    });
    sim.events.on("reset", () => {
      for (const guest of this.#byVmid.values()) this.#halt(guest);
      this.#byVmid.clear();
      this.#guests = new WeakMap();
      this.plans.reset();
    });
  }

  async start(host: string): Promise<void> {
    this.#url = `http://${host}:${await listen(this.#server, 0, host)}`;
  }

  close(): Promise<void> {
    for (const guest of this.#byVmid.values()) this.#halt(guest);
    return closeServer(this.#server);
  }

  /** Where the guests' cloudflared connects: the Cloudflare stand-in's base URL. */
  linkCloudflare(url: string) {
    this.#cloudflareUrl = url.replace(/\/$/, "");
    for (const guest of this.#byVmid.values()) if (guest.running && guest.cloudflaredToken && !guest.connector) this.#connect(guest);
  }

  list(): GuestView[] {
    return [...this.#byVmid.values()].map((g) => this.#view(g));
  }

  get(vmid: number): GuestView | undefined {
    const guest = this.#byVmid.get(vmid);
    return guest && this.#view(guest);
  }

  #view(g: Guest): GuestView {
    return {
      vmid: g.vm.vmid,
      running: g.running,
      image: g.eve ? "eve-ng" : "linux",
      cloudflaredInstalled: !!g.cloudflaredToken,
      connector: g.connector ?? null,
      configVersion: g.config.version,
      eveDefaultPasswordChanged: g.eve ? g.eve.defaultChanged : null,
      bootLog: [...g.bootLog],
      ...this.agent.view(g.vm, this.plans),
    };
  }

  #boot(vm: Vm) {
    let guest = this.#guests.get(vm);
    if (!guest) {
      const eve = String(vm.config.tags ?? "")
        .split(/[;,\s]+/)
        .includes("eve-ng");
      guest = {
        vm,
        eve: eve ? new EveWeb() : null,
        firstBootDone: false,
        running: false,
        bootId: "",
        config: { version: 0, ingress: [] },
        bootLog: [],
        attempts: 0,
      };
      this.#guests.set(vm, guest);
    }
    this.#byVmid.set(vm.vmid, guest);
    guest.running = true;
    guest.bootId = randomUUID();
    guest.attempts = 0;
    const userData = guest.firstBootDone ? null : (vm.bootedWith?.userData ?? null);
    if (!guest.firstBootDone && !userData) {
      guest.firstBootDone = true;
      guest.bootLog.push("no cloud-init user-data");
    }
    const boot = this.plans.boot(this.sim, vm.vmid, !!userData);
    guest.boot = boot;
    clearTimeout(guest.bootTimer);
    // cloud-init's modules (and then cloudflared, a systemd service after network-online) run once
    // the guest has booted; a stop before then leaves the instance's first run to the next start.
    guest.bootTimer = setTimeout(
      () => {
        if (guest.boot !== boot) return;
        if (userData) {
          guest.firstBootDone = true;
          this.#runCloudInit(guest, userData, boot.cloudInit === "error");
        }
        if (guest.cloudflaredToken) this.#connect(guest);
      },
      Math.max(0, boot.cloudInitDoneAt - Date.now()),
    );
    guest.bootTimer.unref();
  }

  #halt(guest: Guest | undefined) {
    if (!guest) return;
    guest.running = false;
    guest.bootId = "";
    guest.boot = undefined;
    clearTimeout(guest.timer);
    clearTimeout(guest.bootTimer);
    const connector = guest.connector;
    guest.connector = undefined;
    if (connector && this.#cloudflareUrl) {
      void fetch(`${this.#cloudflareUrl}/_sim/cloudflared/unregister`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(connector),
      }).catch(() => undefined);
    }
  }

  #runCloudInit(guest: Guest, userData: string, runcmdFails: boolean) {
    let parsed;
    try {
      parsed = parseUserData(userData);
    } catch (error) {
      guest.bootLog.push(`cloud-init: ${(error as Error).message}`);
      return;
    }
    for (const f of parsed.writeFiles) guest.vm.disk[f.path] = f.content;
    if (runcmdFails && parsed.runcmd.length) {
      guest.bootLog.push(`runcmd: ${parsed.runcmd[0].join(" ").slice(0, 80)}: exit status 1 (planned failure); the rest did not run`);
      return;
    }
    for (const argv of parsed.runcmd) guest.bootLog.push(`${argv[0]} ${argv.slice(1, 3).join(" ")}: ${this.#run(guest, argv)}`);
  }

  /** One runcmd entry; returns what happened (for the boot log). */
  #run(guest: Guest, argv: string[]): string {
    const [cmd, ...args] = argv;
    if (cmd === "cloudflared" && args[0] === "service" && args[1] === "install") {
      if (!args[2]) return "failed: no token";
      guest.cloudflaredToken = args[2];
      return "installed the connector service";
    }
    if (cmd === "rm") {
      for (const a of args.filter((a) => !a.startsWith("-"))) delete guest.vm.disk[a];
      return "ok";
    }
    if (cmd === "curl") {
      const call = readCurl(argv, new Map(Object.entries(guest.vm.disk)));
      if (!call) return "failed: no URL";
      const url = new URL(call.url);
      if (url.hostname !== "127.0.0.1" && url.hostname !== "localhost") return "skipped (no network to the outside in the stand-in)";
      if (!guest.eve) return "failed: connection refused";
      const cookies = Object.fromEntries([(guest.vm.disk[call.cookieFile ?? ""] ?? "").split("=")].filter((kv) => kv.length === 2));
      const answer = guest.eve.handle(call.method, `${url.pathname}${url.search}`, call.data ?? "", cookies);
      const session = /unetlab_session=([^;]+)/.exec(answer.headers?.["set-cookie"] ?? "")?.[1];
      if (call.cookieJar && session) guest.vm.disk[call.cookieJar] = `unetlab_session=${session}`;
      return `${answer.status}${call.failOnError && answer.status >= 400 ? " (failed)" : ""}`;
    }
    return "ok (not modelled)";
  }

  #connect(guest: Guest) {
    clearTimeout(guest.timer);
    if (!guest.running || !guest.cloudflaredToken || !this.#cloudflareUrl) return;
    const bootId = guest.bootId;
    const originUrl = `${this.#url}/guest/${guest.vm.vmid}/${bootId}`;
    void fetch(`${this.#cloudflareUrl}/_sim/cloudflared/register`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ token: guest.cloudflaredToken, originUrl }),
    })
      .then(async (res) => {
        const body = (await res.json()) as {
          tunnelId?: string;
          clientId?: string;
          configuration?: { version: number; config: { ingress?: IngressRule[] } | null };
          error?: string;
        };
        if (!res.ok || !body.clientId) throw new Error(body.error ?? `register answered ${res.status}`);
        if (guest.bootId !== bootId) return; // stopped meanwhile: this connection is not wanted
        guest.connector = { tunnelId: body.tunnelId!, clientId: body.clientId };
        guest.attempts = 0;
        if (body.configuration && body.configuration.version >= guest.config.version) {
          guest.config = { version: body.configuration.version, ingress: body.configuration.config?.ingress ?? [] };
        }
      })
      .catch((error: Error) => {
        guest.bootLog.push(`cloudflared: ${error.message}`);
        this.#retry(guest);
      });
  }

  #retry(guest: Guest) {
    if (!guest.running || ++guest.attempts > MAX_ATTEMPTS) return;
    guest.timer = setTimeout(() => this.#connect(guest), Math.min(RECONNECT_MS * guest.attempts, 5_000));
    guest.timer.unref();
  }

  async #serve(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? "/", "http://guest.invalid");
    if (req.method === "GET" && url.pathname === "/guests") return sendJson(res, 200, this.list());
    const m = /^\/guest\/(\d+)\/([^/]+)\/_cloudflared\/(config|dropped|proxy)$/.exec(url.pathname);
    const guest = m ? this.#byVmid.get(Number(m[1])) : undefined;
    if (!m || !guest || !guest.running || guest.bootId !== m[2])
      return sendJson(res, 502, { error: "no such guest connector (stopped, destroyed or rebooted)" });
    const body = await readBody(req);
    if (m[3] === "config") {
      const { version, config } = JSON.parse(body.toString("utf8") || "{}") as { version: number; config: { ingress?: IngressRule[] } | null };
      if (version >= guest.config.version) guest.config = { version, ingress: config?.ingress ?? [] };
      return sendJson(res, 200, { version: guest.config.version });
    }
    if (m[3] === "dropped") {
      guest.connector = undefined;
      guest.timer = setTimeout(() => this.#connect(guest), RECONNECT_MS);
      guest.timer.unref();
      return sendJson(res, 200, { reconnecting: true });
    }
    await this.#proxy(guest, req, res, body);
  }

  /** cloudflared's side of a request: the ingress rule, its Access check, then the service. */
  async #proxy(guest: Guest, req: IncomingMessage, res: ServerResponse, body: Buffer) {
    const host = String(req.headers["x-sim-edge-host"] ?? "");
    const pathAndQuery = String(req.headers["x-sim-edge-path"] ?? "/");
    const path = pathAndQuery.split("?")[0];
    const rule = guest.config.ingress.find((r) => (!r.hostname || r.hostname === host) && (!r.path || new RegExp(r.path).test(path)));
    if (!rule) return sendJson(res, 503, { error: "no ingress rules: the tunnel has no configuration yet" });
    const access = rule.originRequest?.access;
    if (access) {
      const verdict = await checkAccessJwt(
        access,
        req.headers["cf-access-jwt-assertion"] as string | undefined,
        (team) => `${this.#cloudflareUrl}/cdn-cgi/access/certs?team=${encodeURIComponent(team)}`,
      );
      if (!verdict.ok) {
        res.writeHead(verdict.status, { "content-type": "text/plain", "x-sim-cloudflared": verdict.reason });
        return res.end();
      }
    }
    const status = /^http_status:(\d{3})$/.exec(rule.service);
    if (status) {
      res.writeHead(Number(status[1]));
      return res.end();
    }
    if (/^ssh:\/\/(localhost|127\.0\.0\.1):22$/.test(rule.service)) {
      res.writeHead(200, { "content-type": "text/plain", "x-sim-service": "sshd" });
      return res.end(SSH_BANNER);
    }
    if (/^http:\/\/(localhost|127\.0\.0\.1)(:80)?\/?$/.test(rule.service) && guest.eve) {
      const cookies = Object.fromEntries((req.headers.cookie ?? "").split(";").map((c) => c.trim().split("=")));
      const answer = guest.eve.handle(req.method ?? "GET", pathAndQuery, body.toString("utf8"), cookies);
      const payload = typeof answer.body === "string" ? answer.body : JSON.stringify(answer.body);
      res.writeHead(answer.status, { "content-type": "application/json", "x-sim-service": "eve-ng", ...answer.headers });
      return res.end(payload);
    }
    res.writeHead(502, { "content-type": "text/plain", "x-sim-cloudflared": `Unable to reach the origin service ${rule.service}: connection refused` });
    res.end();
  }
}
