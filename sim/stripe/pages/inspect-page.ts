// GET /_sim — what the stand-in holds and what it sent, for a developer at a browser.
import { escapeHtml } from "../../shared/http";
import { currentPeriod, customerId, subscriptionIdOf } from "../objects/subscription";
import { customerCards, customerDefaultCard } from "../payment-methods";
import type { SimContext } from "../types";
import { date, money, page } from "./layout";

function table(caption: string, headers: string[], rows: string[][]): string {
  const head = headers.map((h) => `<th>${escapeHtml(h)}</th>`).join("");
  const body = rows.map((cells) => `<tr>${cells.map((c) => `<td>${c}</td>`).join("")}</tr>`).join("");
  return `<h2>${escapeHtml(caption)} (${rows.length})</h2><table><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`;
}

const code = (value: unknown) => `<code>${escapeHtml(value ?? "—")}</code>`;

function controlForm(action: string, label: string, fields: Record<string, string> = {}): string {
  const inputs = Object.entries(fields)
    .map(([k, v]) => `<input type="hidden" name="${k}" value="${escapeHtml(v)}">`)
    .join("");
  return `<form method="post" action="${action}" style="display:inline">${inputs}<button class="secondary">${escapeHtml(label)}</button></form>`;
}

const STEPS: Array<[string, number]> = [
  ["+1 hour", 3_600],
  ["+1 day", 86_400],
  ["+3 days", 3 * 86_400],
  ["+1 week", 7 * 86_400],
  ["+30 days", 30 * 86_400],
];

/** Each test clock with its customers and the Dashboard's "Advance time" (by a step, or to a time). */
function testClockTable(ctx: SimContext): string {
  const { store } = ctx;
  const rows = [...store.testClocks.values()].map((c) => {
    const customers = [...store.customers.values()].filter((x) => x.test_clock === c.id);
    const action = `/_sim/test_clocks/${encodeURIComponent(c.id)}/advance`;
    const steps = STEPS.map(([label, seconds]) => controlForm(action, label, { seconds: String(seconds) })).join(" ");
    const to = `<form method="post" action="${action}" style="display:inline"><label>to (UTC) <input type="datetime-local" name="frozen_time" aria-label="Advance ${escapeHtml(c.id)} to"></label> <button class="secondary">Advance</button></form>`;
    return [
      code(c.id),
      escapeHtml(c.name ?? "—"),
      `<span data-testid="frozen-time">${date(c.frozen_time)}</span>`,
      escapeHtml(c.status),
      customers.map((x) => escapeHtml(x.email ?? x.id)).join("<br>") || "—",
      `${steps} ${to}`,
    ];
  });
  return table("Test clocks", ["id", "name", "frozen time", "status", "customers", "advance"], rows);
}

export function inspectPage(ctx: SimContext): string {
  const { store, webhooks, clock, options } = ctx;
  const events = [...store.events.values()].reverse().slice(0, 200);
  const deliveries = [...webhooks.deliveries].reverse().slice(0, 200);
  return page(
    "Stripe stand-in",
    `
<h1>Stripe stand-in</h1>
<p>Real time: <strong>${date(clock.now())}</strong>. Objects on a test clock live at its frozen time.</p>
${testClockTable(ctx)}
<p>Webhooks to ${code(options.webhookUrl || "(delivery off)")}: ${webhooks.paused ? "<strong>paused</strong>" : "running"}
 ${webhooks.paused ? controlForm("/_sim/webhooks/resume", "Resume") : controlForm("/_sim/webhooks/pause", "Pause")}</p>
<p>Failed payments (after the last retry): subscription <strong>${escapeHtml(options.dunning.subscription)}</strong>, invoice <strong>${escapeHtml(options.dunning.invoice)}</strong>
 (<code>POST /_sim/settings/dunning</code>)</p>
${table(
  "Events",
  ["created", "type", "id", "queued"],
  events.map((e) => [date(e.created), escapeHtml(e.type), code(e.id), String(webhooks.pendingFor(e.id))]),
)}
${table(
  "Deliveries",
  ["event", "reason", "status", "attempts", "last response", "next attempt"],
  deliveries.map((d) => {
    const last = d.attempts.at(-1);
    return [
      `${escapeHtml(d.eventType)}<br>${code(d.eventId)}`,
      d.reason,
      escapeHtml(d.status),
      String(d.attempts.length),
      escapeHtml(last ? (last.status ?? last.error) : "—"),
      d.status === "pending" ? new Date(d.nextAttemptAt).toISOString().slice(11, 19) : "—",
    ];
  }),
)}
${table(
  "Customers",
  ["id", "email", "card", "balance"],
  [...store.customers.values()].map((c) => {
    const card = customerDefaultCard(ctx, c) ?? customerCards(ctx, c.id).at(-1);
    return [code(c.id), escapeHtml(c.email ?? "—"), card ? `${escapeHtml(card.brand)} •••• ${escapeHtml(card.last4)}` : "—", money(c.balance, "usd")];
  }),
)}
${table(
  "Subscriptions",
  ["id", "customer", "status", "items", "period end", "pending update", "metadata"],
  [...store.subscriptions.values()].map((s) => [
    code(s.id),
    code(customerId(s)),
    escapeHtml(s.status),
    s.items.data.map((i) => `${escapeHtml(i.price.lookup_key ?? i.price.id)} × ${i.quantity}`).join("<br>"),
    date(currentPeriod(s).end),
    s.pending_update ? `until ${date(s.pending_update.expires_at)}` : "—",
    code(JSON.stringify(s.metadata)),
  ]),
)}
${table(
  "Subscription schedules",
  ["id", "subscription", "status", "phases", "end behavior"],
  [...store.schedules.values()].map((s) => [
    code(s.id),
    code(s.subscription ?? s.released_subscription),
    escapeHtml(s.status),
    s.phases
      .map((p) => {
        const items = p.items.map((i) => `${escapeHtml(String(i.price))} × ${i.quantity ?? 1}`).join(", ");
        const current = s.current_phase?.start_date === p.start_date ? " <strong>(current)</strong>" : "";
        return `${date(p.start_date)} → ${date(p.end_date)}: ${items}${current}`;
      })
      .join("<br>"),
    escapeHtml(s.end_behavior),
  ]),
)}
${table(
  "Invoices",
  ["number", "reason", "subscription", "status", "amount due", "paid", "next attempt"],
  [...store.invoices.values()]
    .reverse()
    .map((i) => [
      i.hosted_invoice_url ? `<a href="/i/${escapeHtml(i.id)}">${escapeHtml(i.number ?? i.id)}</a>` : code(i.id),
      escapeHtml(i.billing_reason ?? "—"),
      code(subscriptionIdOf(i)),
      escapeHtml(i.status),
      money(i.amount_due, i.currency),
      money(i.amount_paid, i.currency),
      date(i.next_payment_attempt),
    ]),
)}
${table(
  "Checkout Sessions",
  ["id", "status", "customer", "client_reference_id", "expires"],
  [...store.sessions.values()]
    .reverse()
    .map((s) => [
      s.status === "open" ? `<a href="/checkout/${escapeHtml(s.id)}">${escapeHtml(s.id.slice(0, 24))}…</a>` : code(s.id.slice(0, 24)),
      escapeHtml(s.status),
      code(s.customer),
      code(s.client_reference_id),
      date(s.expires_at),
    ]),
)}`,
    { wide: true },
  );
}
