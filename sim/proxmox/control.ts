// `/_sim/*`: the stand-in's own control API (JSON, no auth) and the inspection page.
import type { IncomingMessage, ServerResponse } from "node:http";
import { parseBody, readBody, sendHtml, sendJson } from "../shared/http";
import type { Vm } from "./cluster";
import { decodeSshKeys } from "./config";
import type { Sim, SimSettings } from "./context";
import type { FaultSpec } from "./faults";
import type { AclEntry } from "./permissions";
import { renderPage } from "./page";
import { applyPending } from "./pending";
import type { NetworkControl } from "./network-control";

export function vmView(sim: Sim, vm: Vm) {
  return {
    vmid: vm.vmid,
    node: vm.node,
    name: vm.config.name,
    status: vm.status,
    qmpstatus: vm.qmpstatus,
    lock: vm.config.lock ?? null,
    uptime: sim.cluster.uptime(vm),
    config: { ...vm.config },
    digest: sim.cluster.digest(vm),
    sshKeys: decodeSshKeys(vm.config.sshkeys) ?? [],
    snapshots: vm.snapshots.map((s) => ({ name: s.name, parent: s.parent ?? null, snaptime: s.snaptime, description: s.description })),
    parentSnapshot: vm.parentSnapshot ?? null,
    cloudinit: { ...vm.cloudinit },
    bootedWith: vm.bootedWith ?? null,
    createdAt: vm.createdAt,
    pending: { ...vm.pending },
    pendingDelete: [...vm.pendingDelete],
    disk: { ...vm.disk },
    guest: { ...sim.guests.agent.view(vm, sim.guests.plans), cloudflared: !!sim.guests.get(vm.vmid)?.cloudflaredInstalled },
    haManaged: vm.haManaged,
    ignoresAcpi: vm.ignoresAcpi,
  };
}

export function simState(sim: Sim) {
  return {
    vms: [...sim.cluster.vms.values()].map((vm) => vmView(sim, vm)),
    tasks: sim.tasks.list().map(({ log: _log, ...t }) => t),
    faults: sim.faults.list(),
    inFlight: { current: sim.concurrency.current, max: sim.concurrency.max },
    settings: { ...sim.settings },
    clock: { now: sim.clock.now() },
    guestAgent: { defaults: { ...sim.guests.plans.defaults }, plans: Object.fromEntries(sim.guests.plans.plans) },
    backups: sim.backups.list().map(({ config: _c, disk: _d, ...b }) => b),
    nodes: sim.cluster.nodes.map((n) => ({ name: n.name, cores: n.cores, nestedVirt: n.nestedVirt !== false })),
  };
}

const SETTING_KEYS: Array<Exclude<keyof SimSettings, "pveVersion">> = [
  "taskDurationMs",
  "shortTaskDurationMs",
  "latencyMs",
  "vncTicketTtlMs",
  "guestBootMs",
  "cloudInitMs",
  "lockTimeoutMs",
  "guestSecondMs",
  "backupMBps",
  "cloneMBps",
];
const AGENT_MODES = ["answers", "silent"];
const CLOUD_INIT_OUTCOMES = ["done", "error"];

export function createControl(
  sim: Sim,
  sshNodes: () => Array<{ node: string; host: string; port: number; hostFingerprint: string }> = () => [],
  network?: NetworkControl,
) {
  return async function control(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const method = req.method ?? "GET";
    const parts = url.pathname.split("/").filter(Boolean).slice(1);
    const route = `${method} /${parts.map((p, i) => (i > 0 && /^\d+$/.test(p) ? ":id" : p)).join("/")}`;
    const id = Number(parts[1]);
    const raw = await readBody(req);
    let body: Record<string, unknown> = {};
    try {
      body = (parseBody(req, raw) as Record<string, unknown>) ?? {};
    } catch {
      return sendJson(res, 400, { error: "body is not valid JSON" });
    }
    const ok = (data: unknown) => sendJson(res, 200, data);
    const notFound = () => sendJson(res, 404, { error: `no such VM ${parts[1]}` });

    switch (route) {
      case "GET /":
        return sendHtml(res, 200, renderPage(simState(sim), sim.log.list().slice(-100).reverse(), sim.snippets()));
      case "GET /state":
        return ok(simState(sim));
      case "GET /vms":
        return ok(simState(sim).vms);
      case "GET /vms/:id": {
        const vm = sim.cluster.find(id);
        return vm ? ok(vmView(sim, vm)) : notFound();
      }
      case "POST /vms/:id/lock": {
        const vm = sim.cluster.find(id);
        if (!vm) return notFound();
        if (body.lock) vm.config.lock = String(body.lock);
        else delete vm.config.lock;
        return ok(vmView(sim, vm));
      }
      case "POST /vms/:id/power": {
        const vm = sim.cluster.find(id);
        if (!vm) return notFound();
        if (body.status !== "running" && body.status !== "stopped") return sendJson(res, 400, { error: "status must be running or stopped" });
        if (body.status === "stopped" && vm.status === "running") sim.events.emit("vm-stopped", vm.vmid);
        const starting = body.status === "running" && vm.status !== "running";
        Object.assign(vm, { status: body.status, qmpstatus: body.status, startedAt: body.status === "running" ? Date.now() : undefined });
        if (starting) {
          applyPending(vm);
          sim.events.emit("vm-started", vm);
        }
        return ok(vmView(sim, vm));
      }
      case "POST /vms/:id/files": {
        // Changes something inside the guest, as its user would (a file on its disk).
        const vm = sim.cluster.find(id);
        if (!vm) return notFound();
        if (typeof body.path !== "string" || !body.path.startsWith("/")) return sendJson(res, 400, { error: "path must be an absolute path" });
        if (body.content === null) delete vm.disk[body.path];
        else vm.disk[body.path] = String(body.content ?? "");
        return ok(vmView(sim, vm));
      }
      case "POST /vms/:id/ha": {
        const vm = sim.cluster.find(id);
        if (!vm) return notFound();
        vm.haManaged = body.managed === true;
        return ok(vmView(sim, vm));
      }
      case "POST /vms/:id/acpi": {
        const vm = sim.cluster.find(id);
        if (!vm) return notFound();
        vm.ignoresAcpi = body.ignores === true;
        return ok(vmView(sim, vm));
      }
      case "GET /guest-agent":
        return ok(simState(sim).guestAgent);
      case "POST /guest-agent": {
        // How guests boot from now on: `{ agent?, cloudInit?, vmid? }` (by VMID, or the default for all).
        if (body.agent !== undefined && !AGENT_MODES.includes(String(body.agent)))
          return sendJson(res, 400, { error: `agent must be one of ${AGENT_MODES.join(", ")}` });
        if (body.cloudInit !== undefined && !CLOUD_INIT_OUTCOMES.includes(String(body.cloudInit)))
          return sendJson(res, 400, { error: `cloudInit must be one of ${CLOUD_INIT_OUTCOMES.join(", ")}` });
        const plan = {
          ...(body.agent !== undefined ? { agent: body.agent as "answers" | "silent" } : {}),
          ...(body.cloudInit !== undefined ? { cloudInit: body.cloudInit as "done" | "error" } : {}),
        };
        const plans = sim.guests.plans;
        if (body.vmid !== undefined) plans.plans.set(Number(body.vmid), { ...plans.plans.get(Number(body.vmid)), ...plan });
        else Object.assign(plans.defaults, plan);
        return ok(simState(sim).guestAgent);
      }
      case "DELETE /guest-agent":
        sim.guests.plans.reset();
        return ok(simState(sim).guestAgent);
      case "POST /nodes/nested": {
        // Whether a node's guests get vmx/svm (kvm_intel nested=1 on that host).
        try {
          sim.cluster.node(String(body.node)).nestedVirt = body.on !== false;
        } catch (err) {
          return sendJson(res, 404, { error: (err as Error).message });
        }
        return ok(simState(sim).nodes);
      }
      case "GET /clock":
        return ok({ now: sim.clock.now() });
      case "POST /clock/advance":
        try {
          return ok({ now: sim.clock.advance(Number(body.seconds)) });
        } catch (err) {
          return sendJson(res, 400, { error: (err as Error).message });
        }
      case "GET /backups":
        return ok(simState(sim).backups);
      case "POST /vms/:id/rrd": {
        // As if pvestatd had seen the VM in its present state for the last `seconds` (graphs to look at).
        const vm = sim.cluster.find(id);
        if (!vm) return notFound();
        const seconds = Number(body.seconds);
        if (!Number.isFinite(seconds) || seconds <= 0) return sendJson(res, 400, { error: "seconds must be a positive number" });
        sim.rrd.backfill(vm, seconds);
        return ok({ vmid: vm.vmid, seconds });
      }
      case "GET /tasks":
        return ok(sim.tasks.list());
      case "GET /requests":
        return ok(sim.log.list(Number(url.searchParams.get("since") ?? 0)));
      case "DELETE /requests":
        sim.log.clear();
        return ok({ cleared: true });
      case "GET /snippets":
        return ok(sim.snippets());
      case "GET /nodes":
        // Each node's SSH daemon, as an operator would enter it for that node.
        return ok(sshNodes());
      case "GET /acl":
        return ok({ acl: sim.permissions.get(), version: sim.version });
      case "PUT /acl":
        // The token's ACL: [{ path, privs, propagate? }], or null for every privilege.
        try {
          sim.permissions.set((body.acl ?? null) as AclEntry[] | null);
          return ok({ acl: sim.permissions.get(), version: sim.version });
        } catch (err) {
          return sendJson(res, 400, { error: (err as Error).message });
        }
      case "GET /faults":
        return ok(sim.faults.list());
      case "POST /faults":
        try {
          const times = body.times === undefined ? undefined : Number(body.times);
          const ms = body.ms === undefined ? undefined : Number(body.ms);
          const forMs = body.forMs === undefined ? undefined : Number(body.forMs);
          return ok(sim.faults.add({ ...(body as unknown as FaultSpec), times, ms, forMs }));
        } catch (err) {
          return sendJson(res, 400, { error: (err as Error).message });
        }
      case "DELETE /faults":
        sim.faults.clear();
        return ok({ cleared: true });
      case "DELETE /faults/:id":
        return sim.faults.remove(id) ? ok({ removed: id }) : sendJson(res, 404, { error: `no fault ${parts[1]}` });
      case "GET /inflight":
        return ok({ current: sim.concurrency.current, max: sim.concurrency.max });
      case "POST /inflight/reset":
        sim.concurrency.reset();
        return ok({ current: sim.concurrency.current, max: sim.concurrency.max });
      case "GET /settings":
        return ok(sim.settings);
      case "POST /settings":
        if (body.pveVersion !== undefined) {
          if (body.pveVersion !== 8 && body.pveVersion !== 9) return sendJson(res, 400, { error: "pveVersion must be 8 or 9" });
          sim.settings.pveVersion = body.pveVersion;
        }
        for (const key of SETTING_KEYS) if (body[key] !== undefined) sim.settings[key] = Math.max(0, Number(body[key]));
        return ok(sim.settings);
      case "POST /reset":
        sim.reset();
        return ok(simState(sim));
    }
    if (network?.handle(route, body, res)) return;
    if (method === "GET" && parts[0] === "snippets" && parts.length === 2) {
      const snippet = sim.snippets().find((s) => s.name === decodeURIComponent(parts[1]));
      if (!snippet) return sendJson(res, 404, { error: "no such snippet" });
      res.writeHead(200, { "content-type": "text/plain; charset=utf-8" });
      return void res.end(snippet.content);
    }
    sendJson(res, 404, { error: `unknown control route ${method} ${url.pathname}` });
  };
}
