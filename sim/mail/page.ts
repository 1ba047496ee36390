// The `/_sim` mailbox page. Message HTML is shown in a sandboxed iframe (no scripts, no same-origin)
// served by `/_sim/messages/:id/html`, so a template can never run code in the inspection page.
import { escapeHtml as e } from "../shared/http";
import type { StoredEmail } from "./store";

/** The plain-text part's web addresses as links (opened in a new tab), as a mail client shows them. */
const linkify = (escaped: string) => escaped.replace(/https?:\/\/[^\s<>"']+/g, (url) => `<a href="${url}" target="_blank" rel="noopener">${url}</a>`);

function renderMessage(m: StoredEmail, open: boolean): string {
  const list = (label: string, values: string[] | null) => (values?.length ? `<div>${label}: ${e(values.join(", "))}</div>` : "");
  const tags = m.tags.map((t) => `<code>${e(t.name)}=${e(t.value)}</code>`).join(" ");
  const html = m.html
    ? `<iframe src="/_sim/messages/${e(m.id)}/html" sandbox="allow-popups allow-popups-to-escape-sandbox" title="${e(m.subject)}"></iframe>`
    : "";
  const text = m.text ? `<pre>${linkify(e(m.text))}</pre>` : "";
  return `<details ${open ? "open" : ""}><summary><time>${e(m.created_at)}</time> · <b>${e(m.subject)}</b> → ${e(m.to.join(", "))}</summary>
  <div class="meta"><div>from: ${e(m.from)}</div>${list("cc", m.cc)}${list("bcc", m.bcc)}${list("reply-to", m.reply_to)}
  <div>id: <a href="/_sim/messages/${e(m.id)}"><code>${e(m.id)}</code></a> ${tags}</div></div>${html}${text}</details>`;
}

export function renderMailPage(url: string, messages: StoredEmail[]): string {
  const items = messages.map((m, i) => renderMessage(m, i === 0)).join("");
  return `<!doctype html><html><head><meta charset="utf-8"><title>Mail stand-in</title>
<style>body{font:14px system-ui;margin:2rem;max-width:60rem}details{border:1px solid #ccc;border-radius:4px;margin:.5rem 0;padding:.5rem}
summary{cursor:pointer}.meta{color:#555;margin:.5rem 0}iframe{width:100%;height:28rem;border:1px solid #ddd}pre{white-space:pre-wrap;background:#f6f6f6;padding:.5rem}</style></head>
<body><h1>Mail stand-in (Resend API)</h1>
<p>Base URL <code>${e(url)}</code> · ${messages.length} message(s), newest first · <a href="/_sim/messages">JSON</a>
<form method="post" action="/_sim/reset" style="display:inline"><button>clear</button></form></p>
${items || "<p>No mail yet.</p>"}
</body></html>`;
}
