// The VM page's graphs: CPU, memory, network and disk for the last hour, day or week, from
// Proxmox's RRD data (qemu-server `GET /nodes/{node}/qemu/{vmid}/rrddata`).
//
// DESIGN I2 has exactly two exceptions where a customer's request leads to a Proxmox call: the
// console broker (lib/console) and this module. It is kept narrow on purpose:
// - read-only: the one Proxmox function used is getVmRrdData (a GET needing only VM.Audit, which
//   the product's token already has); nothing here can change a machine;
// - owner-checked first: another user's VM, or one not built yet, is null (the route's 404, I5);
// - cached: at most one Proxmox request per VM and timeframe per window (METRICS_CACHE_MS, the RRD's
//   own one-minute step), however many tabs ask; concurrent askers share the request in flight and
//   a failure is remembered briefly, so a broken node is not hammered either;
// - what leaves is numbers on a time axis: no node name, VMID, Proxmox field name or error text (I4).
// Why not have an Inngest function copy RRD data into our database: the RRD already is the
// time-series store, and a collector would poll every VM every minute whether anyone looks or not;
// reading on demand costs Proxmox one GET per VM and minute while a page is open, nothing otherwise.
import { db } from "@/lib/db";
import { UserFacingError } from "@/lib/errors";
import { getVmRrdData, type RrdRow } from "@/lib/proxmox/api";
import { ProxmoxError } from "@/lib/proxmox/errors";

export const METRIC_TIMEFRAMES = ["hour", "day", "week"] as const;
export type MetricTimeframe = (typeof METRIC_TIMEFRAMES)[number];

export const METRICS_CACHE_MS = 60_000;
const FAILURE_CACHE_MS = 15_000;
/** More points than a graph on a phone can show are averaged away before they leave the server. */
export const MAX_POINTS = 240;

export type MetricPoint = {
  /** Unix milliseconds: the end of the step. */
  t: number;
  /** Percent of the VM's vCPUs (0–100); null while the VM was off or nothing was recorded. */
  cpu: number | null;
  memUsed: number | null;
  memTotal: number | null;
  /** Bytes per second. */
  netIn: number | null;
  netOut: number | null;
  diskRead: number | null;
  diskWrite: number | null;
};

export type VmMetrics = { timeframe: MetricTimeframe; stepSeconds: number; points: MetricPoint[] };

/** Graphs cannot be read right now (the hypervisor did not answer): the route's 503. */
export class MetricsUnavailableError extends UserFacingError {
  readonly status = 503;
  constructor() {
    super("Graphs are not available right now. Please try again in a minute.");
    this.name = "MetricsUnavailableError";
  }
}

const mean = (values: Array<number | undefined>): number | null => {
  const known = values.filter((v): v is number => typeof v === "number" && Number.isFinite(v));
  return known.length ? known.reduce((a, b) => a + b, 0) / known.length : null;
};

/** Proxmox rows → customer points, averaged into at most MAX_POINTS steps. */
export function toVmMetrics(timeframe: MetricTimeframe, rows: RrdRow[]): VmMetrics {
  const sorted = [...rows].sort((a, b) => a.time - b.time);
  const group = Math.max(1, Math.ceil(sorted.length / MAX_POINTS));
  const step = sorted.length > 1 ? sorted[1].time - sorted[0].time : 60;
  const points: MetricPoint[] = [];
  for (let i = 0; i < sorted.length; i += group) {
    const slice = sorted.slice(i, i + group);
    const of = (key: keyof RrdRow) => {
      const value = mean(slice.map((r) => r[key]));
      return value === null ? null : Math.round(value);
    };
    const cpu = mean(slice.map((r) => r.cpu));
    points.push({
      t: slice.at(-1)!.time * 1000,
      cpu: cpu === null ? null : Math.round(Math.min(1, Math.max(0, cpu)) * 1000) / 10,
      memUsed: of("mem"),
      memTotal: of("maxmem"),
      netIn: of("netin"),
      netOut: of("netout"),
      diskRead: of("diskread"),
      diskWrite: of("diskwrite"),
    });
  }
  return { timeframe, stepSeconds: step * group, points };
}

type Fetch = (node: string, vmid: number, timeframe: MetricTimeframe) => Promise<RrdRow[]>;
type Entry = { expires: number; value: Promise<VmMetrics> };

/** A reader with its own cache; the product uses the one below, tests make their own clock. */
export function createMetricsReader({ fetchRrd = getVmRrdData as Fetch, now = Date.now, ttlMs = METRICS_CACHE_MS } = {}) {
  const cache = new Map<string, Entry>();
  const prune = (at: number) => {
    for (const [key, entry] of cache) if (entry.expires <= at) cache.delete(key);
  };
  return {
    /** The owner's VM's metrics, or null when the VM is not theirs or not on a node yet (404, I5). */
    async read(userId: string, vmId: string, timeframe: MetricTimeframe): Promise<VmMetrics | null> {
      const vm = await db.vm.findFirst({
        where: { id: vmId, userId, status: { in: ["running", "stopped"] }, vmid: { not: null }, nodeName: { not: null } },
        select: { id: true, vmid: true, nodeName: true },
      });
      if (!vm?.vmid || !vm.nodeName) return null;
      const at = now();
      if (cache.size > 500) prune(at);
      // The node and VMID are part of the key: a rebuilt VM's new guest is a new series.
      const key = `${vm.id}:${vm.nodeName}:${vm.vmid}:${timeframe}`;
      let entry = cache.get(key);
      if (!entry || entry.expires <= at) {
        const value = fetchRrd(vm.nodeName, vm.vmid, timeframe).then(
          (rows) => toVmMetrics(timeframe, rows),
          (error: unknown) => {
            // A guest with no RRD file yet (just built) has nothing to show: an empty graph, not an error.
            if (error instanceof ProxmoxError && /RRD error/.test(error.message)) return toVmMetrics(timeframe, []);
            console.error("metrics read failed", { vmId: vm.id, timeframe, error: error instanceof ProxmoxError ? error.status : "network" });
            throw new MetricsUnavailableError();
          },
        );
        const created: Entry = { expires: at + ttlMs, value };
        entry = created;
        cache.set(key, created);
        value.catch(() => {
          created.expires = Math.min(created.expires, now() + FAILURE_CACHE_MS);
        });
      }
      return entry.value;
    },
  };
}

const reader = createMetricsReader();

export const readVmMetrics = (userId: string, vmId: string, timeframe: MetricTimeframe) => reader.read(userId, vmId, timeframe);
