// Shared class lists for tables (customer and operator pages), so every table reads the same.
export const th = "px-3 py-2 text-left text-xs font-semibold uppercase tracking-wide text-ink-subtle";
export const td = "px-3 py-2 text-sm align-top";
export const tableFrame = "mt-3 overflow-x-auto rounded-card border border-line bg-surface";
