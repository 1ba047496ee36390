import { escapeHtml } from "../../shared/http";

const STYLE = `
  body { font: 15px/1.5 system-ui, sans-serif; margin: 0; background: #f6f8fa; color: #1a1f36; }
  main { max-width: 560px; margin: 2rem auto; background: #fff; padding: 2rem; border-radius: 8px; box-shadow: 0 1px 3px #0002; }
  main.wide { max-width: 1100px; }
  .test { display: inline-block; background: #ffde92; color: #a04e00; font-size: 12px; padding: 0 .5em; border-radius: 4px; }
  table { width: 100%; border-collapse: collapse; margin: 1rem 0; }
  th, td { text-align: left; padding: .3rem .5rem; border-bottom: 1px solid #e3e8ee; vertical-align: top; }
  label { display: block; margin-top: 1rem; font-weight: 600; }
  input { width: 100%; box-sizing: border-box; padding: .6rem; font-size: 16px; border: 1px solid #c1c9d2; border-radius: 6px; }
  button { margin: 1rem .5rem 0 0; padding: .6rem 1.2rem; font-size: 15px; border-radius: 6px; border: 1px solid #635bff; background: #635bff; color: #fff; cursor: pointer; }
  button.secondary { background: #fff; color: #635bff; }
  .error { color: #df1b41; font-weight: 600; }
  .notice { color: #0a6b3d; font-weight: 600; }
  code { font-size: 13px; }
  .total { font-size: 1.3rem; font-weight: 700; }
`;

export function page(title: string, body: string, { wide = false } = {}): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title><style>${STYLE}</style></head>
<body><main${wide ? ' class="wide"' : ""}>
<p><span class="test">TEST MODE</span> Stripe stand-in</p>
${body}
</main></body></html>`;
}

export function alert(message: string | undefined, kind: "error" | "notice" = "error"): string {
  if (!message) return "";
  return `<p class="${kind}" role="${kind === "error" ? "alert" : "status"}">${escapeHtml(message)}</p>`;
}

export function money(amount: number | null, currency: string | null): string {
  const value = ((amount ?? 0) / 100).toFixed(2);
  return (currency ?? "usd").toLowerCase() === "usd" ? `$${value}` : `${value} ${(currency ?? "").toUpperCase()}`;
}

export function date(unix: number | null): string {
  return unix ? new Date(unix * 1000).toISOString().slice(0, 16).replace("T", " ") : "—";
}

export function cardInput(id = "card-number"): string {
  return `<label for="${id}">Card number</label>
<input id="${id}" name="card" inputmode="numeric" autocomplete="cc-number" placeholder="4242 4242 4242 4242" required>`;
}
