"use client";
// The browser console: noVNC (loaded in the browser only) on our own WebSocket. The socket is
// created here and handed to noVNC so the page can read the broker's close code, which says in
// plain words why a console ended; nothing from Proxmox ever reaches this page (I4).
import { useCallback, useEffect, useRef, useState } from "react";
import { buttonStyles } from "@/components/ui/button-styles";
import { useFollow } from "@/components/ui/use-follow";
import { ConsoleKeyBar } from "@/components/vms/console-key-bar";
import { CONTROL_L, isLeaveConsoleKey, LEAVE_CONSOLE_HINT } from "@/lib/console/key-bar";
import type { VmStatusView } from "@/lib/vms/vm-view";
import { closeReasonForCode, consoleCloseReasons } from "@/lib/console/console-rules";
import { MAX_PASTE_CHARS, SHIFT_KEYSYM, textToKeystrokes } from "@/lib/console/paste-keys";
import type { FormState } from "@/lib/actions/form-state";

type TokenState = FormState & { url?: string; notRunning?: boolean };
type Props = {
  vmId: string;
  vmName: string;
  openAction: (state: TokenState, formData: FormData) => Promise<TokenState>;
  startAction: (state: FormState, formData: FormData) => Promise<FormState>;
};
type View =
  | { kind: "connecting" }
  | { kind: "connected" }
  | { kind: "not_running"; message: string }
  | { kind: "starting"; message: string }
  | { kind: "disconnected"; message: string };

type Rfb = import("@novnc/novnc").default;

const NOT_RUNNING = consoleCloseReasons.vm_stopped.message;

export function ConsoleScreen({ vmId, vmName, openAction, startAction }: Props) {
  const screen = useRef<HTMLDivElement>(null);
  const frame = useRef<HTMLDivElement>(null);
  const rfb = useRef<Rfb | null>(null);
  const [view, setView] = useState<View>({ kind: "connecting" });
  const [paste, setPaste] = useState("");
  const [typing, setTyping] = useState(false);
  const [ctrl, setCtrl] = useState(false);
  const firstKey = useRef<HTMLButtonElement>(null);
  const leaveTarget = useRef<HTMLParagraphElement>(null);
  // Setting the binding cookie makes Next re-render the page, which hands us new action
  // references: keep the latest in a ref so that does not look like a reason to reconnect.
  const open = useRef(openAction);
  useEffect(() => {
    open.current = openAction;
  }, [openAction]);

  const connect = useCallback(async () => {
    rfb.current?.disconnect();
    rfb.current = null;
    const form = new FormData();
    form.set("vmId", vmId);
    const token = await open.current({ status: "idle" }, form).catch(() => null);
    if (!token || !token.url) {
      if (token?.notRunning) return setView({ kind: "not_running", message: NOT_RUNNING });
      return setView({ kind: "disconnected", message: token?.message ?? consoleCloseReasons.unavailable.message });
    }
    const { default: RFB } = await import("@novnc/novnc");
    const ws = new WebSocket(`${location.protocol === "https:" ? "wss" : "ws"}://${location.host}${token.url}`, ["binary"]);
    let ended = false;
    ws.addEventListener("close", (event) => {
      ended = true;
      const reason = closeReasonForCode(event.code);
      if (reason === "vm_stopped") return setView({ kind: "not_running", message: NOT_RUNNING });
      setView({ kind: "disconnected", message: reason ? consoleCloseReasons[reason].message : "The connection to the console was lost." });
    });
    if (!screen.current) return;
    const client = new RFB(screen.current, ws, { wsProtocols: ["binary"] });
    client.scaleViewport = true; // fit the window; the guest keeps its own resolution
    client.resizeSession = false;
    client.addEventListener("connect", () => {
      if (!ended) setView({ kind: "connected" });
      client.focus();
    });
    client.addEventListener("disconnect", () => {
      if (!ended) setView({ kind: "disconnected", message: "The connection to the console was lost." });
    });
    rfb.current = client;
  }, [vmId]);

  useEffect(() => {
    // Next tick: React's dev double-mount then opens one console, not two (tokens are single-use).
    const timer = setTimeout(() => void connect(), 0);
    return () => {
      clearTimeout(timer);
      rfb.current?.disconnect();
      rfb.current = null;
    };
  }, [connect]);

  async function start() {
    const form = new FormData();
    form.set("vmId", vmId);
    form.set("action", "start");
    const result = await startAction({ status: "idle" }, form);
    if (result.status === "error") return setView({ kind: "not_running", message: result.message ?? "The VM could not be started." });
    setView({ kind: "starting", message: "Starting the VM… the console connects when it is up." });
  }

  async function typePaste() {
    const client = rfb.current;
    if (!client || view.kind !== "connected") return;
    setTyping(true);
    const strokes = textToKeystrokes(paste.slice(0, MAX_PASTE_CHARS));
    if (ctrl && strokes.length === 1) {
      sendKey(strokes[0].keysym, null);
      setTyping(false);
      setPaste("");
      return;
    }
    for (let i = 0; i < strokes.length; i++) {
      const { keysym, shift } = strokes[i];
      if (shift) client.sendKey(SHIFT_KEYSYM, "ShiftLeft", true);
      client.sendKey(keysym, null, true);
      client.sendKey(keysym, null, false);
      if (shift) client.sendKey(SHIFT_KEYSYM, "ShiftLeft", false);
      // A short breath every few keys keeps a slow guest's keyboard buffer from overflowing.
      if (i % 32 === 31) await new Promise((r) => setTimeout(r, 15));
    }
    setTyping(false);
    setPaste("");
    client.focus();
  }

  // A latched Ctrl (the key bar) wraps the next key in Control_L down/up.
  function sendKey(keysym: number, code: string | null) {
    const client = rfb.current;
    if (!client) return;
    if (ctrl) client.sendKey(CONTROL_L, "ControlLeft", true);
    client.sendKey(keysym, code, true);
    client.sendKey(keysym, code, false);
    if (ctrl) client.sendKey(CONTROL_L, "ControlLeft", false);
    setCtrl(false);
  }

  // Ctrl+] leaves the console: caught before noVNC (capture phase), never sent to the VM, and
  // focus moves to the key bar, from where Tab goes on through the page.
  useEffect(() => {
    const element = screen.current;
    if (!element) return;
    const leave = (event: KeyboardEvent) => {
      if (!isLeaveConsoleKey(event)) return;
      event.preventDefault();
      event.stopPropagation();
      firstKey.current?.focus();
      if (document.activeElement !== firstKey.current) leaveTarget.current?.focus();
    };
    element.addEventListener("keydown", leave, true);
    return () => element.removeEventListener("keydown", leave, true);
  }, []);

  const connected = view.kind === "connected";
  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-center gap-2" role="toolbar" aria-label="Console controls">
        <p role="status" data-testid="console-state" data-state={view.kind} className="mr-auto text-sm text-ink-muted">
          {view.kind === "connecting" ? "Connecting…" : view.kind === "connected" ? `Connected to ${vmName}` : view.message}
        </p>
        <button type="button" className={buttonStyles.secondary} disabled={!connected} onClick={() => void frame.current?.requestFullscreen?.()}>
          Full screen
        </button>
        <button
          type="button"
          className={buttonStyles.secondary}
          disabled={view.kind === "connecting" || view.kind === "starting"}
          onClick={() => {
            setView({ kind: "connecting" });
            void connect();
          }}
        >
          Reconnect
        </button>
      </div>
      {view.kind === "not_running" ? (
        <div className="flex flex-wrap items-center gap-3 rounded-card border border-warning-600/30 bg-warning-50 p-card text-sm text-warning-700">
          <span>Start the VM to use its console.</span>
          <button type="button" className={buttonStyles.primary} onClick={() => void start()}>
            Start VM
          </button>
        </div>
      ) : null}
      {view.kind === "starting" ? (
        <FollowStart
          vmId={vmId}
          onRunning={() => {
            setView({ kind: "connecting" });
            void connect();
          }}
          onFailed={(message) => setView({ kind: "not_running", message })}
        />
      ) : null}
      <div ref={frame} className="overflow-hidden rounded-card border border-line bg-black">
        {/* The guest's 640×400 (16:10) scaled to the width of the screen, phone or desktop. */}
        <div ref={screen} data-testid="console-screen" className="aspect-[16/10] max-h-[75vh] w-full" />
      </div>
      <div className="space-y-2">
        <ConsoleKeyBar
          disabled={!connected}
          ctrl={ctrl}
          onCtrl={setCtrl}
          onKey={(keysym, code) => {
            sendKey(keysym, code);
            rfb.current?.focus();
          }}
          onCtrlAltDel={() => rfb.current?.sendCtrlAltDel()}
          firstKey={firstKey}
        />
        <p ref={leaveTarget} tabIndex={-1} className="text-xs text-ink-muted" data-testid="console-leave-hint">
          While the console has focus every key goes to the VM, Tab included. Press <kbd className="font-mono">{LEAVE_CONSOLE_HINT}</kbd> to leave it.
        </p>
      </div>
      <form
        className="space-y-2"
        onSubmit={(e) => {
          e.preventDefault();
          void typePaste();
        }}
      >
        <label htmlFor="console-paste" className="block text-sm font-medium">
          Paste text (typed into the VM as keystrokes)
        </label>
        <textarea
          id="console-paste"
          value={paste}
          maxLength={MAX_PASTE_CHARS}
          onChange={(e) => setPaste(e.target.value)}
          rows={3}
          className="w-full rounded-lg border border-line-strong bg-surface p-2 font-mono text-sm"
        />
        <button type="submit" className={buttonStyles.secondary} disabled={!connected || typing || !paste}>
          {typing ? "Typing…" : "Type it"}
        </button>
      </form>
    </div>
  );
}

const STARTING: VmStatusView = { id: "", status: "stopped", statusLabel: "", power: null, allowedActions: [] };

/** After Start: follows our record (the power path's own status) until the VM runs, then connects. */
function FollowStart({ vmId, onRunning, onFailed }: { vmId: string; onRunning: () => void; onFailed: (message: string) => void }) {
  const { view } = useFollow(`/api/vms/${encodeURIComponent(vmId)}/status`, STARTING, {
    isActive: (v) => !(v.status === "running" && !v.power?.active) && v.power?.status !== "failed",
  });
  const running = view.status === "running" && !view.power?.active;
  const failed = view.power?.status === "failed" ? view.power.message : null;
  useEffect(() => {
    if (running) onRunning();
    else if (failed) onFailed(failed);
    // Once per outcome: the callbacks are new on every render of the parent.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [running, failed]);
  return null;
}
