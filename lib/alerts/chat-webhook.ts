// The operator's chat (OPERATOR_WEBHOOK_URL): one JSON POST that Slack's incoming webhooks read as
// `text` and Discord's webhooks as `content` (each ignores the other's field), so one setting works
// for either. A short deadline: an unreachable chat never holds up the work that raised the alert.
export type ChatAlert = { title: string; kind: string; subject: string; url: string };

export function chatPayload(alert: ChatAlert): { text: string; content: string } {
  const line = `:rotating_light: ${alert.title} (${alert.kind} · ${alert.subject}) ${alert.url}`;
  return { text: line, content: line.slice(0, 2000) };
}

export async function postChatAlert(webhookUrl: string, alert: ChatAlert, timeoutMs = 5_000): Promise<void> {
  const response = await fetch(webhookUrl, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(chatPayload(alert)),
    signal: AbortSignal.timeout(timeoutMs),
  });
  if (!response.ok) throw new Error(`chat webhook answered ${response.status}`);
}
