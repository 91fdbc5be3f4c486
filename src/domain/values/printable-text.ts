/**
 * Short human-facing text (a home's name, a gateway's version): shown in lists and logs, so it is trimmed,
 * bounded and printable — no control characters (C0, DEL, C1) and no lone surrogates.
 */
// eslint-disable-next-line no-control-regex -- control characters are exactly what this refuses
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f-\u009f]/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Why `text` is not printable text of 1..maxLength characters without surrounding spaces, or null when it is. */
export function printableTextProblem(text: string, maxLength: number): string | null {
  if (text.length === 0) return 'must not be empty';
  if (text.length > maxLength) return `must be at most ${maxLength} characters`;
  if (text !== text.trim()) return 'must not start or end with spaces';
  if (CONTROL_CHARACTER.test(text)) return 'must not contain control characters';
  if (LONE_SURROGATE.test(text)) return 'must be valid Unicode text';
  return null;
}
