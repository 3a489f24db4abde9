/**
 * `text` cut to at most `max` characters, the last one `…` when it was cut: for text an app or
 * a worker supplies (an error message, a protocol fault) on its way to a log line or a client,
 * where its size must not be the app's choice. A surrogate pair is never split.
 *
 * @example
 * bounded("x".repeat(10_000_000), 1024).length; // 1024
 */
export function bounded(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = max - 1;
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--; // a high surrogate whose pair would be cut off
  return `${text.slice(0, end)}…`;
}
