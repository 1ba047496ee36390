// The VM page's graphs: the owner's VM's CPU, memory, network and disk series (lib/metrics, the
// narrow read-only exception to I2). Anyone else, signed in or not, gets the same 404 as for an
// unknown id (I5); the answer carries numbers only, no node or Proxmox detail (I4).
import { z } from "zod";
import { customerRoute } from "@/lib/http/customer-route";
import { METRIC_TIMEFRAMES, readVmMetrics } from "@/lib/metrics/vm-metrics";

export const dynamic = "force-dynamic";

const query = z.object({ timeframe: z.enum(METRIC_TIMEFRAMES, { error: "Choose hour, day or week." }).default("hour") });

export const GET = customerRoute(({ user, params, query }) => readVmMetrics(user.id, params.id, query.timeframe), { query });
