// Content-Security-Policy and HSTS, built per request by proxy.ts. Scripts run only with this
// request's nonce (Next puts it on its own scripts when it finds `'nonce-…'` in the request's CSP
// header: node_modules/next/dist/docs/01-app/02-guides/content-security-policy.md); 'strict-dynamic'
// lets those scripts load their chunks. No 'unsafe-eval' in production; React's dev build needs
// it for its error overlays, so `npm run dev` alone gets it.
export type SecurityHeaderOptions = { nonce: string; dev: boolean; appUrl: string; stripeUrl?: string };

const STRIPE_CHECKOUT = "https://checkout.stripe.com";

export function contentSecurityPolicy({ nonce, dev, appUrl, stripeUrl }: SecurityHeaderOptions): string {
  const app = new URL(appUrl);
  // The console page opens a same-origin WebSocket (/console/ws). CSP 3 lets 'self' match ws(s)
  // on the same host, but older Safari does not: name the origin explicitly as well.
  const socket = `${app.protocol === "https:" ? "wss" : "ws"}://${app.host}`;
  // A form posted without JavaScript follows the action's redirect to Stripe's hosted checkout,
  // and Chrome applies form-action to that redirect. The local stand-in hosts it on its own origin.
  const checkout = [STRIPE_CHECKOUT, ...(stripeUrl ? [new URL(stripeUrl).origin] : [])];
  const directives = [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${dev ? " 'unsafe-eval'" : ""}`,
    // Next's dev overlay injects <style> elements without the nonce; a nonce would make the browser
    // ignore 'unsafe-inline', so the dev server alone trades the nonce for it.
    `style-src 'self' ${dev ? "'unsafe-inline'" : `'nonce-${nonce}'`}`,
    // noVNC draws on a canvas and sets its cursor from data: URLs.
    "img-src 'self' data: blob:",
    "font-src 'self'",
    // Stripe.js (3-D Secure on the resize page) talks to api.stripe.com and frames its challenge.
    `connect-src 'self' ${socket} https://api.stripe.com`,
    "frame-src https://js.stripe.com https://hooks.stripe.com",
    "object-src 'none'",
    "base-uri 'self'",
    `form-action 'self' ${checkout.join(" ")}`,
    "frame-ancestors 'none'",
    ...(app.protocol === "https:" ? ["upgrade-insecure-requests"] : []),
  ];
  return directives.join("; ");
}

/** HSTS only where the app is served over https: on http it would be ignored, or lock a dev host. */
export function strictTransportSecurity(appUrl: string): string | null {
  return new URL(appUrl).protocol === "https:" ? "max-age=63072000; includeSubDomains" : null;
}
