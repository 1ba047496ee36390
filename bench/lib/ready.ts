// Readiness the way the benchmarks need it: an app that answers /api/health can still be unknown
// to the Inngest stand-in (it syncs the serve URL on a timer), and an event sent before that sync
// starts no function: the first order paid would never be built.
export async function waitForInngestSync(inngestUrl: string, appServeUrl: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = "no answer";
  for (;;) {
    try {
      const res = await fetch(`${inngestUrl}/_sim/apps`);
      const body = (await res.json()) as { sync: { url: string; ok: boolean; message?: string }[] };
      const status = body.sync.find((s) => s.url === appServeUrl);
      const functions = status?.ok ? ((await (await fetch(`${inngestUrl}/_sim/functions`)).json()) as unknown[]).length : 0;
      if (status?.ok && functions > 0) return;
      last = !status
        ? `${appServeUrl} is not in the stand-in's app list`
        : status.ok
          ? "synced, but no function registered"
          : (status.message ?? "not synced yet");
    } catch (error) {
      last = (error as Error).message;
    }
    if (Date.now() > deadline) throw new Error(`the Inngest stand-in did not sync ${appServeUrl} within ${timeoutMs / 1000} s (${last})`);
    // Ask for a sync now rather than waiting for the stand-in's next round.
    await fetch(`${inngestUrl}/_sim/sync`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ url: appServeUrl }),
    }).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 250));
  }
}
