// The few pieces every email template shares: HTML escaping and one plain layout.
export type RenderedEmail = { subject: string; text: string; html: string };

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

/** Wraps already-escaped body HTML in a minimal, client-safe document. */
export function htmlDocument(title: string, bodyHtml: string): string {
  return [
    "<!doctype html>",
    `<html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>`,
    '<body style="font-family:system-ui,sans-serif;line-height:1.5;color:#111;max-width:40rem;margin:0 auto;padding:1rem">',
    bodyHtml,
    "</body></html>",
  ].join("\n");
}
