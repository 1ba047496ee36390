// This process's name among the app's instances: host and pid, plus a random part so a restarted
// process with a recycled pid (containers start at pid 1) is never taken for its predecessor.
// Recorded on what an instance holds (open consoles) and on every log line.
import { randomBytes } from "node:crypto";
import os from "node:os";

const KEY = Symbol.for("labvps.instance-id");

/** One id per process, shared by server.ts and Next's bundles (they load separate module copies). */
export function instanceId(): string {
  const holder = globalThis as unknown as Record<symbol, string | undefined>;
  holder[KEY] ??= `${os.hostname()}:${process.pid}:${randomBytes(3).toString("hex")}`;
  return holder[KEY];
}
