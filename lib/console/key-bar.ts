// The keys a phone lacks, as X11 keysyms for noVNC's sendKey (X11 keysymdef.h), and the key that
// leaves the console by keyboard: Ctrl+] (the escape of `virsh console` and telnet), which the
// console never passes to the VM.
export const CONTROL_L = 0xffe3;

export const BAR_KEYS = [
  { id: "esc", label: "Esc", name: "Escape", keysym: 0xff1b, code: "Escape" },
  { id: "tab", label: "Tab", name: "Tab", keysym: 0xff09, code: "Tab" },
  { id: "left", label: "←", name: "Left arrow", keysym: 0xff51, code: "ArrowLeft" },
  { id: "up", label: "↑", name: "Up arrow", keysym: 0xff52, code: "ArrowUp" },
  { id: "down", label: "↓", name: "Down arrow", keysym: 0xff54, code: "ArrowDown" },
  { id: "right", label: "→", name: "Right arrow", keysym: 0xff53, code: "ArrowRight" },
] as const;

export const LEAVE_CONSOLE_HINT = "Ctrl+]";

/** Whether a keydown is the "leave the console" key (Ctrl+], whatever the layout prints for it). */
export function isLeaveConsoleKey(event: { ctrlKey: boolean; altKey: boolean; metaKey: boolean; key: string; code: string }): boolean {
  return event.ctrlKey && !event.altKey && !event.metaKey && (event.code === "BracketRight" || event.key === "]");
}
