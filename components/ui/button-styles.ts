// Class lists for buttons and button-looking links, so both share one look.
const base =
  "inline-flex items-center justify-center gap-2 rounded-lg px-4 py-2.5 text-sm font-semibold transition-colors disabled:cursor-not-allowed disabled:opacity-60";

export const buttonStyles = {
  // brand-700 under white text: 5.9:1 (brand-600 was 4.1:1, under WCAG AA's 4.5:1 for normal text).
  primary: `${base} bg-brand-700 text-white hover:bg-brand-900`,
  secondary: `${base} border border-line-strong bg-surface text-ink hover:bg-surface-sunken`,
  ghost: `${base} text-ink-muted hover:text-ink hover:bg-surface-sunken`,
  danger: `${base} bg-danger-600 text-white hover:bg-danger-700`,
} as const;
