import { stripVTControlCharacters } from "node:util";

/**
 * Terminal output, in `buntime-emulator`'s style: escape codes (colours, the progress line) only
 * on a TTY and never with a non-empty NO_COLOR (https://no-color.org).
 */
export function styled(stream: { isTTY?: boolean }): boolean {
  return Boolean(stream.isTTY) && !process.env.NO_COLOR;
}

/** Colours for `stream`, plain text where `styled` says no. */
export function colours(stream: { isTTY?: boolean } = process.stdout) {
  const on = styled(stream);
  const wrap = (code: number) => (text: string) => (on ? `\x1b[${code}m${text}\x1b[0m` : text);
  return { green: wrap(32), red: wrap(31), dim: wrap(2), bold: wrap(1) };
}

/**
 * C0 controls but tab and newline, DEL, C1 controls (ESC, BEL, CR, CSI among them), and the
 * characters that reorder or break what follows (bidirectional overrides and isolates, the line
 * and paragraph separators): `\u202e` could make an app's text read as something else.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200e\u200f\u2028-\u202e\u2066-\u2069]/g;

/**
 * `text` with its control characters shown as `\xNN`: what an app wrote (a log line) cannot
 * drive the operator's terminal (rewrite the screen, hide lines, set the clipboard with OSC 52).
 * Tab and newline stay. `--json` output is JSON, escaped already.
 *
 * @example
 * printable("ok\x1b[2J"); // "ok\\x1b[2J"
 */
export function printable(text: string): string {
  return text.replace(CONTROL, (c) => {
    const code = c.charCodeAt(0);
    return code > 0xff ? `\\u${code.toString(16).padStart(4, "0")}` : `\\x${code.toString(16).padStart(2, "0")}`;
  });
}

/** A plain-text table: columns padded to their widest cell (colour codes not counted). */
export function table(head: string[], rows: string[][]): string {
  const visible = (text: string) => stripVTControlCharacters(text).length;
  const widths = head.map((h, i) => Math.max(visible(h), ...rows.map((r) => visible(r[i] ?? ""))));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => cell + " ".repeat((widths[i] as number) - visible(cell)))
      .join("  ")
      .trimEnd();
  return [line(head), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

/** `1.5 MiB`-style sizes for progress lines. */
export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 ** 2).toFixed(1)} MiB`;
}
