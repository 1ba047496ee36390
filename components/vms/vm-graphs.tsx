"use client";
// The VM page's graphs: CPU, memory, network in/out and disk read/write for the last hour, day or
// week, drawn with Recharts (SVG) from our own route (/api/vms/[id]/metrics: owner-checked, cached,
// numbers only — the browser never talks to Proxmox, I2/I4). Each graph also says its latest and
// peak values in words, for screen readers and for a glance on a phone.
import { useEffect, useState } from "react";
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import type { MetricPoint, MetricTimeframe, VmMetrics } from "@/lib/metrics/vm-metrics";

const TIMEFRAMES: Array<{ value: MetricTimeframe; label: string }> = [
  { value: "hour", label: "Hour" },
  { value: "day", label: "Day" },
  { value: "week", label: "Week" },
];
const REFRESH_MS = 60_000;

type Series = { key: keyof MetricPoint; name: string; color: string };
type Graph = { id: string; title: string; unit: (v: number) => string; series: Series[]; max?: number };

function bytes(value: number, suffix = ""): string {
  const units = ["B", "KB", "MB", "GB", "TB"];
  let v = value;
  let i = 0;
  while (Math.abs(v) >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v >= 100 || i === 0 ? Math.round(v) : v.toFixed(1)} ${units[i]}${suffix}`;
}

const GRAPHS: Graph[] = [
  { id: "cpu", title: "CPU", unit: (v) => `${Math.round(v)}%`, series: [{ key: "cpu", name: "CPU", color: "#0b8f71" }], max: 100 },
  {
    id: "memory",
    title: "Memory",
    unit: (v) => bytes(v),
    series: [
      { key: "memUsed", name: "Used", color: "#0b8f71" },
      { key: "memTotal", name: "Total", color: "#94a3b8" },
    ],
  },
  {
    id: "network",
    title: "Network",
    unit: (v) => bytes(v, "/s"),
    series: [
      { key: "netIn", name: "In", color: "#0b8f71" },
      { key: "netOut", name: "Out", color: "#b45309" },
    ],
  },
  {
    id: "disk",
    title: "Disk",
    unit: (v) => bytes(v, "/s"),
    series: [
      { key: "diskRead", name: "Read", color: "#0b8f71" },
      { key: "diskWrite", name: "Write", color: "#b45309" },
    ],
  },
];

function timeLabel(t: number, timeframe: MetricTimeframe): string {
  const d = new Date(t);
  return timeframe === "week"
    ? d.toLocaleDateString("en-GB", { weekday: "short", day: "numeric" })
    : d.toLocaleTimeString("en-GB", { hour: "2-digit", minute: "2-digit" });
}

/** "latest 12%, peak 40%" per series, or that nothing was recorded (the VM was off). */
function summary(graph: Graph, points: MetricPoint[]): string {
  const parts = graph.series.map((s) => {
    const values = points.map((p) => p[s.key]).filter((v): v is number => typeof v === "number");
    if (!values.length) return `${s.name}: no data`;
    return `${s.name}: latest ${graph.unit(values.at(-1)!)}, peak ${graph.unit(Math.max(...values))}`;
  });
  return parts.join("; ");
}

function GraphCard({ graph, data }: { graph: Graph; data: VmMetrics }) {
  const headingId = `graph-${graph.id}`;
  return (
    <figure aria-labelledby={headingId} className="min-w-0 rounded-card border border-line bg-surface p-4" data-testid={`graph-${graph.id}`}>
      <figcaption>
        <h3 id={headingId} className="text-sm font-semibold">
          {graph.title}
        </h3>
        <p className="text-xs text-ink-muted" data-testid={`graph-${graph.id}-summary`}>
          {summary(graph, data.points)}
        </p>
      </figcaption>
      <div className="mt-2 h-40 w-full" aria-hidden>
        <ResponsiveContainer width="100%" height="100%" minWidth={0}>
          <LineChart data={data.points} margin={{ top: 4, right: 8, bottom: 0, left: 0 }} accessibilityLayer={false}>
            <CartesianGrid stroke="#e2e8f0" vertical={false} />
            <XAxis
              dataKey="t"
              type="number"
              scale="time"
              domain={["dataMin", "dataMax"]}
              tickFormatter={(t: number) => timeLabel(t, data.timeframe)}
              tick={{ fontSize: 11, fill: "#475569" }}
              minTickGap={24}
            />
            <YAxis
              width={76}
              domain={graph.max ? [0, graph.max] : [0, "auto"]}
              tickFormatter={(v: number) => graph.unit(v)}
              tick={{ fontSize: 11, fill: "#475569" }}
            />
            <Tooltip labelFormatter={(t) => timeLabel(Number(t), data.timeframe)} formatter={(v) => graph.unit(Number(v))} />
            {graph.series.length > 1 ? <Legend wrapperStyle={{ fontSize: 12 }} /> : null}
            {graph.series.map((s) => (
              <Line key={s.key} type="monotone" dataKey={s.key} name={s.name} stroke={s.color} dot={false} isAnimationActive={false} strokeWidth={2} />
            ))}
          </LineChart>
        </ResponsiveContainer>
      </div>
    </figure>
  );
}

type Loaded = { timeframe: MetricTimeframe; data: VmMetrics | null; error: string | null };

export function VmGraphs({ vmId }: { vmId: string }) {
  const [timeframe, setTimeframe] = useState<MetricTimeframe>("hour");
  const [loaded, setLoaded] = useState<Loaded | null>(null);

  useEffect(() => {
    let cancelled = false;
    const load = async () => {
      if (document.hidden) return;
      try {
        const response = await fetch(`/api/vms/${encodeURIComponent(vmId)}/metrics?timeframe=${timeframe}`, { cache: "no-store" });
        const body = (await response.json().catch(() => null)) as (VmMetrics & { error?: string }) | null;
        if (cancelled) return;
        if (response.ok && body) setLoaded({ timeframe, data: body, error: null });
        else setLoaded({ timeframe, data: null, error: body?.error ?? "Graphs are not available right now." });
      } catch {
        if (!cancelled) setLoaded({ timeframe, data: null, error: "Graphs are not available right now." });
      }
    };
    void load();
    const timer = setInterval(load, REFRESH_MS);
    return () => {
      cancelled = true;
      clearInterval(timer);
    };
  }, [vmId, timeframe]);

  const current = loaded?.timeframe === timeframe ? loaded : null;
  const empty = current?.data && current.data.points.every((p) => p.cpu === null && p.memUsed === null);
  return (
    <section aria-labelledby="graphs-heading" className="rounded-card border border-line bg-surface-sunken p-card" data-testid="vm-graphs">
      <div className="flex flex-wrap items-center justify-between gap-3">
        <h2 id="graphs-heading" className="text-lg font-semibold">
          Graphs
        </h2>
        <div role="group" aria-label="Time range" className="inline-flex rounded-lg border border-line-strong bg-surface p-0.5">
          {TIMEFRAMES.map((t) => (
            <button
              key={t.value}
              type="button"
              aria-pressed={t.value === timeframe}
              onClick={() => setTimeframe(t.value)}
              className={`rounded-md px-3 py-1 text-sm font-medium ${t.value === timeframe ? "bg-brand-700 text-white" : "text-ink-muted hover:text-ink"}`}
            >
              {t.label}
            </button>
          ))}
        </div>
      </div>
      <div role="status" aria-live="polite" className="mt-2 text-sm text-ink-muted">
        {!current ? "Loading graphs…" : current.error ? current.error : empty ? "Nothing recorded yet: graphs fill in while the VM runs." : null}
      </div>
      {current?.data ? (
        <div className="mt-3 grid gap-4 lg:grid-cols-2" data-testid="graphs-loaded" data-timeframe={current.data.timeframe}>
          {GRAPHS.map((g) => (
            <GraphCard key={g.id} graph={g} data={current.data!} />
          ))}
        </div>
      ) : null}
    </section>
  );
}
