// "Paste text" for a guest without a clipboard: the text becomes X11 keysyms, typed one by one.
// Shifted characters are sent inside a Shift press, as a keyboard would: QEMU turns keysyms
// into scancodes and needs the modifier for the guest to see an upper-case letter.

const SHIFT_L = 0xffe1;
const SPECIAL: Record<string, number> = { "\n": 0xff0d, "\r": 0xff0d, "\t": 0xff09, "\b": 0xff08 };
const SHIFTED = new Set('~!@#$%^&*()_+{}|:"<>?'.split(""));
export const MAX_PASTE_CHARS = 4000;

export interface KeyStroke {
  keysym: number;
  shift: boolean;
}

export function keysymOf(ch: string): number | null {
  if (SPECIAL[ch] !== undefined) return SPECIAL[ch];
  const cp = ch.codePointAt(0)!;
  if (cp >= 0x20 && cp <= 0x7e) return cp;
  if (cp >= 0xa0 && cp <= 0xff) return cp; // Latin-1 keysyms equal their code points
  if (cp > 0xff && cp <= 0x10ffff) return 0x01000000 + cp; // X11's Unicode keysyms
  return null;
}

/** The strokes for `text` ("\r\n" counts once); characters without a keysym are skipped. */
export function textToKeystrokes(text: string): KeyStroke[] {
  const strokes: KeyStroke[] = [];
  for (const ch of text.replace(/\r\n/g, "\n")) {
    const keysym = keysymOf(ch);
    if (keysym === null) continue;
    strokes.push({ keysym, shift: (ch >= "A" && ch <= "Z") || SHIFTED.has(ch) });
  }
  return strokes;
}

export const SHIFT_KEYSYM = SHIFT_L;
