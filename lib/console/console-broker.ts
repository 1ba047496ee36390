// The console broker behind `/console/ws?t=…` (DESIGN §3 Console): checks the token once, THEN
// opens the VM's console on Proxmox, authenticates to it itself, offers the browser security
// type None and relays whole binary frames. The browser never sees a ticket, a password, a node
// or a Proxmox address (I4); logs carry our ids only (I9). Dependencies are injected so tests and
// bench/console can drive the same code.
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { WebSocketServer, type WebSocket } from "ws";
import { CONSOLE_WS_PATH, type ConsoleCloseReason, consoleCloseReasons } from "@/lib/console/console-rules";
import type { ConsumeResult } from "@/lib/console/console-token";
import { closeLocalConsole, listOpenConsoles, registerConsole } from "@/lib/console/open-consoles";
import { type RelayLimits, DEFAULT_RELAY_LIMITS, startRelay } from "@/lib/console/relay";
import { FrameReader, authenticateUpstream, greetBrowser } from "@/lib/console/rfb-handshake";
import { log as logger } from "@/lib/observability/log";

type Granted = Extract<ConsumeResult, { ok: true }>;
type Refused = Extract<ConsumeResult, { ok: false }>;

export interface ConsoleBrokerDeps {
  /** Spends the token from the URL for this request's cookies (consumeConsoleToken). */
  authorize(input: { token: string | null; cookie: string | undefined }): Promise<ConsumeResult>;
  /** vncproxy + vncwebsocket on the VM's node; `password ?? ticket` for VNC Authentication. */
  openUpstream(target: { node: string; vmid: number }): Promise<{ ws: WebSocket; password: string }>;
  /** Asked after Proxmox closed the console: is the VM still running? (the message depends on it) */
  isVmRunning(target: Granted): Promise<boolean>;
  /**
   * Takes a slot under the per-VM and per-user limits, counted across every app instance
   * (claimConsoleSlot); false = too many open.
   */
  claimSlot(granted: Granted): Promise<boolean>;
  /**
   * Called every `recheckIntervalMs` with this process's open consoles: renews their leases and
   * answers which must close and why (a close request from any instance, the VM no longer running).
   */
  renewHeld(tokenIds: string[]): Promise<Array<{ tokenId: string; reason: ConsoleCloseReason }>>;
  onRefused(refusal: Refused): Promise<void>;
  onOpened(granted: Granted): Promise<void>;
  onEnded(granted: Granted, end: { reason: ConsoleCloseReason; opened: boolean; bytesUp: number; bytesDown: number }): Promise<void>;
  /** The app's own origin; an upgrade from any other page is refused (cross-site WebSocket). */
  allowedOrigin: string | null;
  relayLimits?: RelayLimits;
  handshakeTimeoutMs?: number;
  recheckIntervalMs?: number;
  log?: (line: string) => void;
}

function rejectUpgrade(socket: Duplex, status: number, reason: string) {
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

export function createConsoleBroker(deps: ConsoleBrokerDeps) {
  const log = deps.log ?? ((line: string) => logger("console").info(line));
  const wss = new WebSocketServer({
    noServer: true,
    clientTracking: false,
    perMessageDeflate: false,
    // pveproxy refuses client frames over 128 KiB; refuse them here, where the browser sees why.
    maxPayload: 128 * 1024,
    handleProtocols: (protocols) => (protocols.has("binary") ? "binary" : false),
  });
  const timeoutMs = deps.handshakeTimeoutMs ?? 15_000;
  const swallow = (p: Promise<unknown>) => void p.catch((error: unknown) => log(`bookkeeping failed: ${error instanceof Error ? error.name : "error"}`));

  let renewing = false;
  const recheck = setInterval(() => {
    const tokenIds = listOpenConsoles().map((c) => c.tokenId);
    if (!tokenIds.length || renewing) return;
    renewing = true;
    deps
      .renewHeld(tokenIds)
      .then(
        (closing) => closing.forEach(({ tokenId, reason }) => closeLocalConsole(tokenId, reason)),
        (error: unknown) => log(`lease renewal failed: ${error instanceof Error ? error.name : "error"}`),
      )
      .finally(() => (renewing = false));
  }, deps.recheckIntervalMs ?? 1_000);
  recheck.unref();

  const refuse = (browser: WebSocket, refusal: Refused) => {
    swallow(deps.onRefused(refusal));
    const reason: ConsoleCloseReason =
      refusal.reason === "vm_not_running"
        ? "vm_stopped"
        : refusal.reason === "too_many"
          ? "too_many"
          : refusal.reason === "payment_required"
            ? "payment_required"
            : "token_refused";
    log(`refused ${refusal.reason}${refusal.tokenId ? ` token=${refusal.tokenId}` : ""}`);
    browser.close(consoleCloseReasons[reason].code, consoleCloseReasons[reason].message);
  };

  async function serve(browser: WebSocket, token: string | null, cookie: string | undefined) {
    // Frames the browser sends early wait here, not in a listener that is not there yet.
    const browserReader = new FrameReader(browser);
    const auth = await deps.authorize({ token, cookie }).catch((): ConsumeResult => ({ ok: false, reason: "unknown" }));
    if (!auth.ok) return refuse(browser, auth);
    const claimed = await deps.claimSlot(auth).catch(() => null);
    if (claimed === null) return refuse(browser, { ok: false, reason: "unknown", tokenId: auth.tokenId, userId: auth.userId, vmId: auth.vmId });
    if (!claimed) return refuse(browser, { ok: false, reason: "too_many", tokenId: auth.tokenId, userId: auth.userId, vmId: auth.vmId });

    let upstream: WebSocket | null = null;
    let opened = false;
    let finished = false;
    let counters = { up: 0, down: 0 };
    const finish = (reason: ConsoleCloseReason) => {
      if (finished) return;
      finished = true;
      unregister();
      clearTimeout(timer);
      const { code, message } = consoleCloseReasons[reason];
      if (browser.readyState <= 1) browser.close(code, message);
      if (upstream && upstream.readyState <= 1) upstream.close(1000);
      setTimeout(() => {
        browser.terminate();
        upstream?.terminate();
      }, 2_000).unref();
      log(`closed ${reason} token=${auth.tokenId} vm=${auth.vmId}`);
      swallow(deps.onEnded(auth, { reason, opened, bytesUp: counters.up, bytesDown: counters.down }));
    };
    const unregister = registerConsole({ tokenId: auth.tokenId, userId: auth.userId, vmId: auth.vmId, close: finish });
    const timer = setTimeout(() => finish("unavailable"), timeoutMs);
    browser.once("close", () => finish("ended"));

    try {
      const opening = await deps.openUpstream({ node: auth.node, vmid: auth.vmid });
      upstream = opening.ws;
      if (finished) return void upstream.terminate();
      const upstreamReader = new FrameReader(upstream);
      await authenticateUpstream(upstream, upstreamReader, opening.password);
      await greetBrowser(browser, browserReader);
      if (finished) return;
      clearTimeout(timer);
      opened = true;
      swallow(deps.onOpened(auth));
      log(`opened token=${auth.tokenId} vm=${auth.vmId}`);
      const target = upstream;
      counters = startRelay(
        browser,
        target,
        { fromBrowser: browserReader.detach(), fromUpstream: upstreamReader.detach() },
        (why) => {
          if (why === "too_slow") return finish("too_slow");
          if (why !== "upstream_closed") return finish("ended");
          // Proxmox closes the console when the guest stops; say so rather than "ended".
          deps.isVmRunning(auth).then(
            (running) => finish(running ? "ended" : "vm_stopped"),
            () => finish("ended"),
          );
        },
        deps.relayLimits ?? DEFAULT_RELAY_LIMITS,
      );
    } catch (error) {
      // Proxmox's own words stay here (they name nodes); the browser gets "unavailable".
      log(`upstream failed token=${auth.tokenId} vm=${auth.vmId}: ${error instanceof Error ? error.name : "error"}`);
      finish("unavailable");
    }
  }

  return {
    /** Takes the upgrade when it is for the console path; returns false to let others handle it. */
    handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
      const url = new URL(req.url ?? "/", "http://localhost");
      if (url.pathname !== CONSOLE_WS_PATH) return false;
      const token = url.searchParams.get("t");
      if (deps.allowedOrigin && req.headers.origin !== deps.allowedOrigin) {
        swallow(deps.onRefused({ ok: false, reason: "bad_origin" }));
        rejectUpgrade(socket, 403, "Forbidden");
        return true;
      }
      if (!token) {
        swallow(deps.onRefused({ ok: false, reason: "no_token" }));
        rejectUpgrade(socket, 401, "Unauthorized");
        return true;
      }
      const cookie = req.headers.cookie;
      wss.handleUpgrade(req, socket, head, (browser) => {
        if (browser.protocol !== "binary") return browser.close(1002, "subprotocol binary required");
        void serve(browser, token, cookie);
      });
      return true;
    },
    /** Closes every console (server shutdown). */
    close() {
      clearInterval(recheck);
      for (const c of listOpenConsoles()) c.close("server_restart");
      wss.close();
    },
  };
}
