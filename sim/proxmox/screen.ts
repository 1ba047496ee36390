// A text console (80x25 cells of 8x16 px) drawn into a palette-indexed framebuffer: a boot
// banner and a `login:` prompt that echoes typed keys, so a viewer sees the guest react.
import { GLYPH_HEIGHT, GLYPH_WIDTH, glyph } from "./font";

export const COLS = 80;
export const ROWS = 25;
export const CELL_W = 8;
export const CELL_H = 16;
export const WIDTH = COLS * CELL_W;
export const HEIGHT = ROWS * CELL_H;

/** RGB per palette index: background, text, highlight. */
export const PALETTE: Array<[number, number, number]> = [
  [0, 0, 0],
  [200, 200, 200],
  [90, 220, 120],
];

export class TextScreen {
  readonly pixels = new Uint8Array(WIDTH * HEIGHT);
  private history: string[];
  private input = "";
  private stage: "login" | "password" = "login";
  private shown: string[] = new Array(ROWS).fill("");
  private dirty: [number, number] | null = null;

  constructor(
    private readonly hostname: string,
    vmid: number,
  ) {
    this.history = [`Lab VPS console - VM ${vmid} (${hostname})`, "", `Debian GNU/Linux 12 ${hostname} tty1`, ""];
    this.redraw();
  }

  private prompt(): string {
    return this.stage === "login" ? `${this.hostname} login: ${this.input}` : "Password: ";
  }

  /** Applies an RFB KeyEvent (key down only); returns true when the screen changed. */
  key(keysym: number): boolean {
    if (keysym >= 0x20 && keysym <= 0x7e) {
      if (this.stage === "password") return false;
      if (this.prompt().length >= COLS - 2) return false;
      this.input += String.fromCharCode(keysym);
    } else if (keysym === 0xff08) {
      if (!this.input) return false;
      this.input = this.input.slice(0, -1);
    } else if (keysym === 0xff0d || keysym === 0xff8d) {
      this.history.push(this.prompt());
      if (this.stage === "login") this.stage = "password";
      else {
        this.stage = "login";
        this.history.push("", "Login incorrect", "");
      }
      this.input = "";
    } else {
      return false;
    }
    this.redraw();
    return true;
  }

  /** What a Linux guest prints on Ctrl-Alt-Del at a getty (systemd's ctrl-alt-del.target). */
  ctrlAltDel(): boolean {
    this.history.push(this.prompt(), "", "Ctrl-Alt-Del: the system is going down for reboot NOW!", "");
    this.stage = "login";
    this.input = "";
    this.redraw();
    return true;
  }

  private redraw() {
    const lines = [...this.history, `${this.prompt()}_`].slice(-ROWS);
    while (lines.length < ROWS) lines.push("");
    lines.forEach((line, row) => {
      if (line === this.shown[row]) return;
      this.shown[row] = line;
      this.drawRow(row, line, row === 0 ? 2 : 1);
      this.dirty = this.dirty ? [Math.min(this.dirty[0], row), Math.max(this.dirty[1], row)] : [row, row];
    });
  }

  private drawRow(row: number, text: string, colour: number) {
    const top = row * CELL_H;
    this.pixels.fill(0, top * WIDTH, (top + CELL_H) * WIDTH);
    for (let col = 0; col < Math.min(COLS, text.length); col++) {
      const columns = glyph(text[col]);
      for (let gx = 0; gx < GLYPH_WIDTH; gx++) {
        for (let gy = 0; gy < GLYPH_HEIGHT; gy++) {
          if (!((columns[gx] >> gy) & 1)) continue;
          // Each font row is drawn twice so the 5x7 glyph fills the 8x16 cell like a VGA font.
          const x = col * CELL_W + 1 + gx;
          const y = top + 1 + gy * 2;
          this.pixels[y * WIDTH + x] = colour;
          this.pixels[(y + 1) * WIDTH + x] = colour;
        }
      }
    }
  }

  /** The pixel rows changed since the last call, as [y, height], or null. */
  takeDirty(): [number, number] | null {
    const d = this.dirty;
    this.dirty = null;
    return d ? [d[0] * CELL_H, (d[1] - d[0] + 1) * CELL_H] : null;
  }
}
