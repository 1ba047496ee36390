// Relays whole WebSocket messages both ways between the browser and Proxmox. Back-pressure: when
// the bytes handed to one side and not yet written to its socket pass `pauseAt`, the other side
// stops being read (ws pauses its socket, so TCP pushes back on the sender) until they drain
// below half. A single side may never hold more than `capBytes` unsent: then the relay gives up.
import type { WebSocket } from "ws";

export interface RelayLimits {
  pauseAtBytes: number;
  capBytes: number;
}

export const DEFAULT_RELAY_LIMITS: RelayLimits = { pauseAtBytes: 1024 * 1024, capBytes: 8 * 1024 * 1024 };

export interface RelayCounters {
  up: number;
  down: number;
}

export type RelayEnd = "browser_closed" | "upstream_closed" | "too_slow" | "protocol";

/**
 * Starts relaying; `first` holds bytes each side sent past the handshake. `onEnd` is called
 * once, with why; the caller closes both sockets (it knows the close code to send).
 */
export function startRelay(
  browser: WebSocket,
  upstream: WebSocket,
  first: { fromBrowser: Buffer; fromUpstream: Buffer },
  onEnd: (why: RelayEnd) => void,
  limits: RelayLimits = DEFAULT_RELAY_LIMITS,
): RelayCounters {
  const counters: RelayCounters = { up: 0, down: 0 };
  let ended = false;
  const end = (why: RelayEnd) => {
    if (ended) return;
    ended = true;
    onEnd(why);
  };

  const pipe = (from: WebSocket, to: WebSocket, counter: keyof RelayCounters) => {
    let unsent = 0;
    let paused = false;
    const forward = (data: Buffer) => {
      if (ended || data.length === 0) return;
      unsent += data.length;
      counters[counter] += data.length;
      if (unsent > limits.capBytes) return end("too_slow");
      to.send(data, { binary: true }, () => {
        unsent -= data.length;
        if (paused && unsent <= limits.pauseAtBytes / 2) {
          paused = false;
          from.resume();
        }
      });
      if (!paused && unsent > limits.pauseAtBytes) {
        paused = true;
        from.pause();
      }
    };
    from.on("message", (data: Buffer, isBinary: boolean) => {
      // RFB is binary; a text frame means something other than noVNC or Proxmox is talking.
      if (!isBinary) return end("protocol");
      forward(data);
    });
    return forward;
  };

  pipe(browser, upstream, "up")(first.fromBrowser);
  pipe(upstream, browser, "down")(first.fromUpstream);
  browser.on("close", () => end("browser_closed"));
  upstream.on("close", () => end("upstream_closed"));
  browser.on("error", () => end("browser_closed"));
  upstream.on("error", () => end("upstream_closed"));
  return counters;
}
