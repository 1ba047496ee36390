// The consoles open in this process, and the hook domain code calls when a VM may no longer have
// one (stopped, suspended, deleted). server.ts (the broker) and Next's bundles (server actions,
// Inngest functions) load separate copies of this module in one process, so the registry lives
// on globalThis under a registered symbol. The broker also re-checks the database every few
// seconds, which covers a signal sent from another process.
import type { ConsoleCloseReason } from "@/lib/console/console-rules";

export interface OpenConsole {
  tokenId: string;
  userId: string;
  vmId: string;
  close(reason: ConsoleCloseReason): void;
}

const KEY = Symbol.for("labvps.console.open");
type Registry = Map<string, OpenConsole>;

function registry(): Registry {
  const holder = globalThis as unknown as Record<symbol, Registry | undefined>;
  holder[KEY] ??= new Map();
  return holder[KEY];
}

export function registerConsole(entry: OpenConsole): () => void {
  registry().set(entry.tokenId, entry);
  return () => void registry().delete(entry.tokenId);
}

export function countOpenConsoles(filter: { vmId?: string; userId?: string }): number {
  let n = 0;
  for (const c of registry().values()) if ((!filter.vmId || c.vmId === filter.vmId) && (!filter.userId || c.userId === filter.userId)) n++;
  return n;
}

export function listOpenConsoles(): OpenConsole[] {
  return [...registry().values()];
}

/**
 * Closes every open console of a VM (or of a user) with a reason the page shows in plain words.
 * Call it when a VM stops or loses its right to a console (suspension). Returns how many closed.
 */
export function closeConsoles(filter: { vmId: string } | { userId: string }, reason: ConsoleCloseReason): number {
  const matches = listOpenConsoles().filter((c) => ("vmId" in filter ? c.vmId === filter.vmId : c.userId === filter.userId));
  for (const c of matches) c.close(reason);
  return matches.length;
}
