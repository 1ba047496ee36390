// The VM page's graphs: the owner's VM's CPU, memory, network and disk series (lib/metrics, the
// narrow read-only exception to I2). Another user gets the same 404 as for an unknown id (I5), a
// signed-out visitor a 401 whatever the id; the answer carries numbers only, no node or Proxmox
// detail (I4).
import { z } from "zod";
import { withUser } from "@/lib/http/with-user";
import { METRIC_TIMEFRAMES, readVmMetrics } from "@/lib/metrics/vm-metrics";

export const dynamic = "force-dynamic";

const query = z.object({ timeframe: z.enum(METRIC_TIMEFRAMES, { error: "Choose hour, day or week." }).default("hour") });

export const GET = withUser(({ user, params, query }) => readVmMetrics(user.id, params.id, query.timeframe), { query });
