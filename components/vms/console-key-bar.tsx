"use client";
// On-screen keys for what a phone keyboard lacks (Esc, Tab, Ctrl, arrows, Ctrl-Alt-Del). Ctrl
// latches: the next key from the bar, or the next single character typed with "Type it", is sent
// with Ctrl held (Ctrl-C on a phone).
import { buttonStyles } from "@/components/ui/button-styles";
import { BAR_KEYS } from "@/lib/console/key-bar";

const key = `${buttonStyles.secondary} min-w-11 px-2.5 py-1.5 font-mono text-xs`;

type Props = {
  disabled: boolean;
  ctrl: boolean;
  onCtrl: (latched: boolean) => void;
  onKey: (keysym: number, code: string) => void;
  onCtrlAltDel: () => void;
  firstKey?: React.Ref<HTMLButtonElement>;
};

export function ConsoleKeyBar({ disabled, ctrl, onCtrl, onKey, onCtrlAltDel, firstKey }: Props) {
  return (
    <div role="toolbar" aria-label="Keys for the VM" className="flex flex-wrap gap-1.5" data-testid="console-keys">
      <button
        ref={firstKey}
        type="button"
        className={key}
        disabled={disabled}
        aria-label="Esc (Escape)"
        onClick={() => onKey(BAR_KEYS[0].keysym, BAR_KEYS[0].code)}
      >
        Esc
      </button>
      <button
        type="button"
        className={`${key} ${ctrl ? "border-brand-600 bg-brand-50" : ""}`}
        disabled={disabled}
        aria-pressed={ctrl}
        aria-label="Ctrl (held for the next key)"
        onClick={() => onCtrl(!ctrl)}
      >
        Ctrl
      </button>
      {BAR_KEYS.slice(1).map((k) => (
        <button key={k.id} type="button" className={key} disabled={disabled} aria-label={k.name} onClick={() => onKey(k.keysym, k.code)}>
          {k.label}
        </button>
      ))}
      <button type="button" className={key} disabled={disabled} aria-label="Send Ctrl-Alt-Del" onClick={onCtrlAltDel}>
        Ctrl-Alt-Del
      </button>
    </div>
  );
}
