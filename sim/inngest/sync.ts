// App discovery the way the dev server does it: a PUT to each serve URL makes the SDK POST its
// function configs back to `<INNGEST_DEV>/fn/register`. Until an app answers, keep trying,
// because `npm run dev` usually starts the executor before Next.js is listening.

export interface AppSyncStatus {
  url: string;
  ok: boolean;
  attempts: number;
  lastAttemptAt?: string;
  syncedAt?: string;
  /** The SDK's answer (e.g. "Failed to register; fetch failed" when INNGEST_DEV points elsewhere). */
  message?: string;
  /** When the executor refused the sync: each invalid function's errors (validate.ts). */
  errors?: string[];
}

export class AppSyncer {
  readonly status = new Map<string, AppSyncStatus>();
  private timer?: NodeJS.Timeout;
  private stopped = false;
  private retrying = false;

  constructor(
    urls: string[],
    private intervalMs: number,
  ) {
    for (const url of urls) this.status.set(url, { url, ok: false, attempts: 0 });
  }

  start() {
    if (this.retrying || this.stopped) return;
    this.retrying = true;
    const loop = async () => {
      const pending = [...this.status.values()].filter((s) => !s.ok).map((s) => s.url);
      await Promise.all(pending.map((url) => this.syncOne(url)));
      if (this.stopped || [...this.status.values()].every((s) => s.ok)) {
        this.retrying = false;
        return;
      }
      this.timer = setTimeout(loop, this.intervalMs);
      this.timer.unref?.();
    };
    void loop();
  }

  /** Syncs one URL (adding it to the list) or every known URL now. */
  async sync(url?: string): Promise<AppSyncStatus[]> {
    if (url && !this.status.has(url)) this.status.set(url, { url, ok: false, attempts: 0 });
    const urls = url ? [url] : [...this.status.keys()];
    const results = await Promise.all(urls.map((u) => this.syncOne(u)));
    if (results.some((r) => !r.ok)) this.start();
    return results;
  }

  private async syncOne(url: string): Promise<AppSyncStatus> {
    const status = this.status.get(url) ?? { url, ok: false, attempts: 0 };
    status.attempts++;
    status.lastAttemptAt = new Date().toISOString();
    try {
      const res = await fetch(url, { method: "PUT", signal: AbortSignal.timeout(30_000) });
      const body = (await res.json().catch(() => ({}))) as { message?: string };
      status.ok = res.ok;
      status.message = body.message ?? `HTTP ${res.status}`;
      if (res.ok) status.syncedAt = new Date().toISOString();
    } catch (err) {
      status.ok = false;
      status.message = `could not reach app: ${String((err as Error).cause ?? (err as Error).message)}`;
    }
    this.status.set(url, status);
    return { ...status };
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
  }
}
