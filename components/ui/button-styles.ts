// Class lists for buttons and button-looking links, so both share one look.
const base =
  "inline-flex items-center justify-center gap-2 rounded-lg px-4 py-2.5 text-sm font-semibold transition-colors disabled:cursor-not-allowed disabled:opacity-60";

export const buttonStyles = {
  primary: `${base} bg-brand-600 text-white hover:bg-brand-700`,
  secondary: `${base} border border-line-strong bg-surface text-ink hover:bg-surface-sunken`,
  ghost: `${base} text-ink-muted hover:text-ink hover:bg-surface-sunken`,
  danger: `${base} bg-danger-600 text-white hover:bg-danger-700`,
} as const;
