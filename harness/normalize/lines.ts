/**
 * The `unorderedLines` normalizer: text whose line order is not part of the behaviour
 * (a listing printed from a hash set, messages from parallel workers).
 */

/**
 * Sorts the lines of text by UTF-16 code unit (locale-independent, so every machine agrees).
 *
 * Lines are split at `\n`; a `\r` before it stays with its line. A trailing newline is kept
 * at the end and does not produce an empty line that would sort first.
 *
 * @example
 * sortLines('b\na\n') // 'a\nb\n'
 * @returns The sorted text; the empty text unchanged.
 */
export function sortLines(text: string): string {
  if (text === '') return text;
  const trailing = text.endsWith('\n');
  const lines = (trailing ? text.slice(0, -1) : text).split('\n');
  lines.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return lines.join('\n') + (trailing ? '\n' : '');
}
