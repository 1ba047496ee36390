// `/_sim/sdn`, `/_sim/firewall`, `/_sim/reachability`: the network as the stand-in holds it, the
// switches a test turns (SDN installed or not, the datacenter firewall, which zones the operator's
// router serves), and the reachability model's answers.
import type { ServerResponse } from "node:http";
import { sendJson } from "../shared/http";
import type { Sim } from "./context";
import type { FwRule } from "./firewall";
import { BootRecords, type Probe, matrix, reach } from "./reachability";

export function networkState(sim: Sim) {
  return {
    sdn: {
      enabled: sim.sdn.enabled,
      files: sim.sdn.files,
      running: sim.sdn.running,
      pending: sim.sdn.hasPendingChanges(),
      generated: Object.fromEntries([...sim.sdn.generated].map(([node, g]) => [node, g.version])),
      uplinks: [...sim.sdn.uplinks],
    },
    firewall: {
      cluster: sim.firewall.cluster,
      groups: sim.firewall.groups,
      vms: Object.fromEntries(sim.firewall.vms),
    },
  };
}

export interface NetworkControl {
  reach(probe: Probe): ReturnType<typeof reach>;
  matrix(): ReturnType<typeof matrix>;
  /** Handles a `/_sim/...` route; false when it is not one of these. */
  handle(route: string, body: Record<string, unknown>, res: ServerResponse): boolean;
}

export function createNetworkControl(sim: Sim): NetworkControl {
  const boots = new BootRecords(sim);
  const probe = (body: Record<string, unknown>): Probe => ({
    from: Number(body.from),
    to: typeof body.to === "number" ? body.to : String(body.to),
    proto: body.proto === undefined ? undefined : String(body.proto),
    port: body.port === undefined ? undefined : Number(body.port),
    srcIp: body.srcIp === undefined ? undefined : String(body.srcIp),
    srcMac: body.srcMac === undefined ? undefined : String(body.srcMac),
  });
  return {
    reach: (p) => reach(sim, boots, p),
    matrix: () => matrix(sim, boots),
    handle(route, body, res) {
      const ok = (data: unknown) => (sendJson(res, 200, data), true);
      switch (route) {
        case "GET /sdn":
        case "GET /firewall":
          return ok(networkState(sim)[route === "GET /sdn" ? "sdn" : "firewall"]);
        case "PUT /sdn":
          if (body.enabled !== undefined) sim.sdn.enabled = !!body.enabled;
          if (Array.isArray(body.uplinks)) {
            sim.sdn.uplinks.clear();
            for (const z of body.uplinks) sim.sdn.uplinks.add(String(z));
          }
          return ok(networkState(sim).sdn);
        case "PUT /firewall/cluster":
          if (body.enable !== undefined) sim.firewall.cluster.options.enable = body.enable ? 1 : 0;
          if (body.groups && typeof body.groups === "object") sim.firewall.groups = body.groups as Record<string, FwRule[]>;
          return ok(networkState(sim).firewall);
        case "POST /reachability":
          return ok(reach(sim, boots, probe(body)));
        case "GET /reachability":
          return ok(matrix(sim, boots));
        default:
          return false;
      }
    },
  };
}
