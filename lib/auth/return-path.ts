/** Only same-site paths are followed after sign-in: `?next=https://evil.example` lands on the dashboard. */
export function safeReturnPath(next: string | undefined | null, fallback = "/dashboard"): string {
  if (!next || !next.startsWith("/") || next.startsWith("//") || next.startsWith("/\\")) return fallback;
  return next;
}
