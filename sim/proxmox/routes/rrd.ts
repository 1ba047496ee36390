// `GET /nodes/{node}/qemu/{vmid}/rrddata` (qemu-server PVE/API2/Qemu.pm `rrddata`): no proxyto and
// no config load — the handler reads the cluster-wide RRD copy on whichever node answers, so it
// works for a guest on another node too; a guest that never had an RRD file is the Perl `die`
// "RRD error: opening …: No such file or directory" (HTTP 500). `timeframe` is required.
import { parseVmid } from "../cluster";
import { PveError, paramError } from "../errors";
import type { Route } from "../router";
import { RRD_CFS, RRD_TIMEFRAMES, type RrdCf, type RrdTimeframe } from "../rrd";

export const rrdRoutes: Route[] = [
  {
    method: "GET",
    path: "/nodes/{node}/qemu/{vmid}/rrddata",
    allow: ["timeframe", "cf"],
    handler: ({ sim, params, args }) => {
      sim.cluster.node(params.node);
      const vmid = parseVmid(params.vmid, "vmid");
      if (args.timeframe === undefined) throw paramError("timeframe", "property is missing and it is not optional");
      if (!(RRD_TIMEFRAMES as readonly string[]).includes(args.timeframe)) {
        throw paramError("timeframe", `value '${args.timeframe}' does not have a value in the enumeration '${RRD_TIMEFRAMES.join(", ")}'`);
      }
      if (args.cf !== undefined && !(RRD_CFS as readonly string[]).includes(args.cf)) {
        throw paramError("cf", `value '${args.cf}' does not have a value in the enumeration '${RRD_CFS.join(", ")}'`);
      }
      sim.rrd.sample(sim.cluster);
      const rows = sim.rrd.data(vmid, args.timeframe as RrdTimeframe, (args.cf ?? "AVERAGE") as RrdCf, sim.version);
      const file = `/var/lib/rrdcached/db/${sim.version >= 9 ? "pve-vm-9.0" : "pve2-vm"}/${vmid}`;
      if (!rows) throw new PveError(`RRD error: opening '${file}': No such file or directory`);
      return rows;
    },
  },
];
