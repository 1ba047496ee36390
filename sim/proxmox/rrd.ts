// The guests' RRD statistics as Proxmox keeps and serves them.
// - pvestatd samples every guest every 10 s and writes one RRD update per guest (pve-manager
//   PVE/Service/pvestatd.pm): a running guest gets cpu, mem, netin/out, diskread/write (and on
//   PVE 9 memhost and the pressure values); a stopped one only maxcpu, maxmem, maxdisk and disk —
//   the others are written as unknown, so rrddata leaves those keys out.
// - The data sources are pmxcfs's (pve-cluster src/pmxcfs/status.c): cpu is a fraction of the
//   guest's CPUs (0..1), mem and maxmem bytes, and netin/netout/diskread/diskwrite are DERIVE:
//   bytes per second.
// - `GET …/qemu/{vmid}/rrddata?timeframe=&cf=` (qemu-server PVE/API2/Qemu.pm, VM.Audit) answers
//   PVE::RRD::create_rrd_data (pve-cluster src/PVE/RRD.pm): one object per step with `time`
//   (unix seconds) and every known value; the newest row is dropped when it has only `time`.
//   PVE 9 (pve-vm-9.0) steps: hour 60 s × 60, day 60 s × 1440, week 30 min × 336; PVE 8 (pve2-vm):
//   hour 60 s × 60, day 30 min × 70, week 3 h × 70. Rows before the guest had any sample have
//   only `time` (RRD's unknown).
// The stand-in keeps each guest's history as runs of one power state (not every sample) and
// derives plausible values from the VMID and the time, so a series is stable between calls.
import type { Cluster, Vm } from "./cluster";
import { dataDisks } from "./cluster";
import type { PveVersion } from "./permissions";

export const RRD_TIMEFRAMES = ["hour", "day", "week", "month", "year"] as const;
export type RrdTimeframe = (typeof RRD_TIMEFRAMES)[number];
export const RRD_CFS = ["AVERAGE", "MAX"] as const;
export type RrdCf = (typeof RRD_CFS)[number];

/** pvestatd's update interval. */
export const SAMPLE_MS = 10_000;

const STEPS: Record<PveVersion, Record<RrdTimeframe, [number, number]>> = {
  9: { hour: [60, 60], day: [60, 1440], week: [1800, 336], month: [1800, 1440], year: [21600, 1440] },
  8: { hour: [60, 60], day: [1800, 70], week: [10800, 70], month: [43200, 70], year: [604800, 70] },
};

type Shape = { cpus: number; maxmem: number; maxdisk: number };
/** One stretch of time in one power state; `to` is the last sample that saw it. */
type Run = Shape & { from: number; to: number; running: boolean };

export type RrdRow = Record<string, number>;

function shapeOf(vm: Vm): Shape {
  return {
    cpus: Number(vm.config.cores ?? 1) * Number(vm.config.sockets ?? 1),
    maxmem: Number(vm.config.memory ?? 512) * 1024 * 1024,
    maxdisk: dataDisks(vm.config).reduce((sum, d) => sum + d.size, 0),
  };
}

/** A stable pseudo-random number in [0, 1) for (vmid, time, salt). */
function noise(vmid: number, t: number, salt: number): number {
  let h = (vmid * 2654435761) ^ (t * 40503) ^ (salt * 2246822519);
  h = Math.imul(h ^ (h >>> 15), 2246822507);
  h = Math.imul(h ^ (h >>> 13), 3266489909);
  return ((h ^ (h >>> 16)) >>> 0) / 4294967296;
}

/** What a running guest reports for the step ending at `t` (seconds): a daily rhythm plus noise. */
function runningRow(vmid: number, t: number, run: Run, sinceBoot: number, version: PveVersion, cf: RrdCf): RrdRow {
  const day = 0.5 + 0.5 * Math.sin((2 * Math.PI * (t % 86400)) / 86400 - Math.PI / 2 + (vmid % 7));
  const boot = sinceBoot < 180 ? 0.5 * (1 - sinceBoot / 180) : 0; // a busy first few minutes
  const peak = cf === "MAX" ? 1.25 + 0.25 * noise(vmid, t, 9) : 1;
  const cpu = Math.min(1, (0.04 + 0.22 * day + 0.08 * noise(vmid, t, 1) + boot) * peak);
  const mem = Math.round(run.maxmem * Math.min(0.95, (0.3 + 0.2 * day + 0.05 * noise(vmid, t, 2)) * (cf === "MAX" ? 1.05 : 1)));
  const rate = (base: number, salt: number) => Math.round(base * (0.2 + day + noise(vmid, t, salt)) * peak);
  const row: RrdRow = {
    time: t,
    maxcpu: run.cpus,
    cpu,
    maxmem: run.maxmem,
    mem,
    maxdisk: run.maxdisk,
    disk: 0,
    netin: rate(24_000, 3),
    netout: rate(9_000, 4),
    diskread: rate(160_000, 5) + (boot > 0 ? 4_000_000 : 0),
    diskwrite: rate(90_000, 6),
  };
  if (version >= 9) {
    Object.assign(row, {
      memhost: Math.round(mem * 1.04),
      pressurecpusome: cpu * 0.1,
      pressurecpufull: 0,
      pressureiosome: 0.01 * noise(vmid, t, 7),
      pressureiofull: 0.005 * noise(vmid, t, 8),
      pressurememorysome: 0,
      pressurememoryfull: 0,
    });
  }
  return row;
}

export class RrdRecorder {
  private readonly runs = new Map<number, Run[]>();

  /** pvestatd's pass: every guest's state now. */
  sample(cluster: Cluster, now = Date.now()) {
    for (const vm of cluster.vms.values()) this.record(vm, now);
  }

  private record(vm: Vm, now: number) {
    const shape = shapeOf(vm);
    const running = vm.status === "running";
    const runs = this.runs.get(vm.vmid) ?? [];
    const last = runs.at(-1);
    const same = last && last.running === running && last.cpus === shape.cpus && last.maxmem === shape.maxmem && last.maxdisk === shape.maxdisk;
    if (same && now - last.to <= 3 * SAMPLE_MS) last.to = now;
    else runs.push({ ...shape, running, from: now, to: now });
    this.runs.set(vm.vmid, runs);
  }

  /** Test control: as if pvestatd had seen the guest as it is now for the last `seconds`. */
  backfill(vm: Vm, seconds: number, now = Date.now()) {
    this.runs.set(vm.vmid, [{ ...shapeOf(vm), running: vm.status === "running", from: now - seconds * 1000, to: now }]);
  }

  has(vmid: number): boolean {
    return this.runs.has(vmid);
  }

  clear() {
    this.runs.clear();
  }

  /** create_rrd_data for a guest; null when the guest never had an RRD file. */
  data(vmid: number, timeframe: RrdTimeframe, cf: RrdCf, version: PveVersion, now = Date.now()): RrdRow[] | null {
    const runs = this.runs.get(vmid);
    if (!runs) return null;
    const [reso, count] = STEPS[version][timeframe];
    const ctime = reso * Math.floor(now / 1000 / reso);
    const rows: RrdRow[] = [];
    for (let i = count - 1; i >= 0; i--) {
      const t = ctime - reso * i;
      // The step (t - reso, t]: the state that covered its middle, if any sample saw it.
      const mid = (t - reso / 2) * 1000;
      const run = runs.find((r) => r.from - SAMPLE_MS <= mid && mid <= r.to + SAMPLE_MS);
      if (!run) rows.push({ time: t });
      else if (!run.running) rows.push({ time: t, maxcpu: run.cpus, maxmem: run.maxmem, maxdisk: run.maxdisk, disk: 0 });
      else rows.push(runningRow(vmid, t, run, (mid - run.from) / 1000, version, cf));
    }
    if (rows.length > 0 && Object.keys(rows.at(-1)!).length === 1) rows.pop();
    return rows;
  }
}
