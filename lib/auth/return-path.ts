/**
 * Only same-site paths are followed after sign-in: `?next=https://evil.example`, `//evil`,
 * `/\evil` and tricks with control characters (browsers strip a tab from `/\t/evil`, leaving
 * `//evil`) all land on the dashboard instead.
 */
export function safeReturnPath(next: unknown, fallback = "/dashboard"): string {
  // `unknown`: a repeated `?next=` arrives as an array, a form field may be a File.
  if (typeof next !== "string" || !next.startsWith("/") || /[\u0000-\u001f\u007f\\]/.test(next)) return fallback;
  const base = "http://same-site.invalid";
  let resolved: URL;
  try {
    resolved = new URL(next, base);
  } catch {
    return fallback;
  }
  if (resolved.origin !== base) return fallback;
  return `${resolved.pathname}${resolved.search}${resolved.hash}`;
}
