// The consoles whose sockets this process relays, and the hook domain code calls when a VM may no
// longer have one (stopped, suspended, deleted). server.ts (the broker) and Next's bundles (server
// actions, Inngest functions) load separate copies of this module in one process, so the local
// registry lives on globalThis under a registered symbol. Consoles relayed by OTHER instances are
// reached through their token rows (lib/console/console-slots.ts): the close request written here
// is what their brokers act on within a second.
import type { ConsoleCloseReason } from "@/lib/console/console-rules";
import { requestConsoleClose } from "@/lib/console/console-slots";

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

/** The consoles relayed by this process (its share of them; the limits count every instance's). */
export function listOpenConsoles(): OpenConsole[] {
  return [...registry().values()];
}

/** Closes one console of this process by token id (a close request its lease renewal returned). */
export function closeLocalConsole(tokenId: string, reason: ConsoleCloseReason): void {
  registry().get(tokenId)?.close(reason);
}

/**
 * Closes every open console of a VM (or of a user), on every instance, with a reason the page shows
 * in plain words: this process's at once, the others' within a second. Call it when a VM stops or
 * loses its right to a console (suspension). Returns how many were open.
 */
export async function closeConsoles(filter: { vmId: string } | { userId: string }, reason: ConsoleCloseReason): Promise<number> {
  const requested = await requestConsoleClose(filter, reason);
  const local = listOpenConsoles().filter((c) => ("vmId" in filter ? c.vmId === filter.vmId : c.userId === filter.userId));
  for (const c of local) c.close(reason);
  return Math.max(requested, local.length);
}
