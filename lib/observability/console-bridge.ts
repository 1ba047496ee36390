// In production every line the process prints is one of the logger's JSON lines, with the request,
// run or task it belongs to: what Next.js and libraries write with console.* goes through the
// logger too (component "console"), instead of interleaving plain text with JSON.
import { format } from "node:util";
import { log } from "@/lib/observability/log";

export function routeConsoleToLogger(): void {
  const logger = log("console");
  const to =
    (level: "debug" | "info" | "warn" | "error") =>
    (...args: unknown[]) =>
      logger[level](format(...args));
  console.debug = to("debug");
  console.log = to("info");
  console.info = to("info");
  console.warn = to("warn");
  console.error = to("error");
}
