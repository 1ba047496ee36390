// The theme: colours, fonts and spacing tokens used across the UI. Loaded by app/globals.css
// through Tailwind v4's `@config`, so these tokens are the single source of truth.
import type { Config } from "tailwindcss";

export default {
  content: ["./app/**/*.{ts,tsx}", "./components/**/*.{ts,tsx}"],
  theme: {
    extend: {
      colors: {
        // Brand: a terminal-teal that reads well on both light surfaces and the dark header.
        brand: { 50: "#ecfdf8", 100: "#d1faec", 200: "#a7f3da", 500: "#12b08a", 600: "#0b8f71", 700: "#0a725c", 900: "#073d32" },
        ink: { DEFAULT: "#0f172a", muted: "#475569", subtle: "#64748b" },
        surface: { DEFAULT: "#ffffff", sunken: "#f8fafc", raised: "#ffffff", dark: "#0b1220" },
        line: { DEFAULT: "#e2e8f0", strong: "#cbd5e1" },
        danger: { 50: "#fef2f2", 600: "#dc2626", 700: "#b91c1c" },
        warning: { 50: "#fffbeb", 600: "#d97706", 700: "#b45309" },
        success: { 50: "#f0fdf4", 600: "#16a34a", 700: "#15803d" },
      },
      fontFamily: {
        // System fonts only: nothing is fetched at build or run time.
        sans: ["ui-sans-serif", "system-ui", "-apple-system", "Segoe UI", "Roboto", "Helvetica Neue", "Arial", "sans-serif"],
        mono: ["ui-monospace", "SFMono-Regular", "Menlo", "Consolas", "Liberation Mono", "monospace"],
      },
      spacing: {
        gutter: "1.5rem",
        section: "5rem",
        card: "1.75rem",
      },
      maxWidth: { content: "72rem", form: "26rem" },
      borderRadius: { card: "0.875rem" },
      boxShadow: { card: "0 1px 2px rgb(15 23 42 / 0.06), 0 1px 3px rgb(15 23 42 / 0.08)" },
    },
  },
} satisfies Config;
