// Proxmox answers "can't lock file … got timeout" or "VM is locked (…)" while another task holds
// the VM's config (a backup, a clone, an operator). Those clear on their own, so a short in-process
// backoff absorbs most of them; longer ones surface to the caller (Inngest retries later).
import { ProxmoxError } from "@/lib/proxmox/errors";

export const LOCK_RETRY_DELAYS_MS = [250, 500, 1_000, 2_000, 4_000] as const;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export const isProxmoxLockError = (error: unknown): error is ProxmoxError => error instanceof ProxmoxError && error.isLock;

/** Runs `operation`, retrying lock errors after each delay in turn; other errors pass at once. */
export async function withLockRetry<T>(operation: () => Promise<T>, delaysMs: readonly number[] = LOCK_RETRY_DELAYS_MS): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await operation();
    } catch (error) {
      if (!isProxmoxLockError(error) || attempt >= delaysMs.length) throw error;
      await sleep(delaysMs[attempt]);
    }
  }
}
