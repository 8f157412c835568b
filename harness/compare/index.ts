/**
 * Comparators: one entry point, {@link compareContent}, that picks the comparator for a
 * content format, and {@link compareValue} for small scalar channels (`exit`).
 *
 * Every comparator returns `null` (equal) or a {@link Difference} from `harness/model.ts`.
 */
import { isUtf8 } from 'node:buffer';
import type { ContentFormat, Difference } from '../model.ts';
import { compareBinary } from './binary.ts';
import { compareCsv } from './csv.ts';
import { compareJson, parseStructured } from './json.ts';
import { compareText, type TextCompareOptions } from './text.ts';
import type { Tolerance } from './tolerance.ts';

export { compareBinary } from './binary.ts';
export { compareCsv, HEADER_ROW, type CsvCompareOptions } from './csv.ts';
export { compareJson, parseStructured, type JsonCompareOptions, type StructuredParseResult } from './json.ts';
export {
  compareText,
  DEFAULT_CONTEXT,
  DEFAULT_MAX_EDIT_LENGTH,
  DEFAULT_TIMEOUT_MS,
  APPROXIMATE_MAX_HUNKS,
  APPROXIMATE_MAX_LINES,
  type TextCompareOptions,
} from './text.ts';
export { withinTolerance, type Tolerance } from './tolerance.ts';
export { compareValue } from './value.ts';

/** Options of {@link compareContent}. */
export interface ContentCompareOptions {
  /** Numeric tolerances for JSON/YAML (by `path`) and CSV (by `column`). */
  tolerances?: readonly Tolerance[];
  /** CSV: header of the key column that matches rows (default: rows by position). */
  csvKey?: string;
  /** What is compared (`stdout`, a file path), for text diff headers. */
  label?: string;
  /** Text diff options (context lines, bounds); `label` above wins over `text.label`. */
  text?: Omit<TextCompareOptions, 'label'>;
}

const TEXT_FORMATS: ReadonlySet<ContentFormat> = new Set(['json', 'yaml', 'csv', 'xml', 'text']);

/**
 * Compares the legacy's and the candidate's normalized content in the given format:
 *
 * - `json`, `yaml`: both parsed and compared structurally ({@link compareJson}); if either side
 *   does not parse, compared as text and the summary starts with why (`candidate is not valid
 *   JSON (…); compared as text: …`);
 * - `csv`: by row and cell ({@link compareCsv});
 * - `text`, `xml`: line diff ({@link compareText});
 * - `binary`, `image`: bytes ({@link compareBinary}).
 *
 * A `string` is UTF-8 text. A `Buffer` given for a text format is decoded as UTF-8, but when
 * either side is not valid UTF-8 both are compared as binary.
 *
 * @returns `null` when equal, else the comparator's {@link Difference}.
 * @throws ParityError `CONFIG_INVALID` for a tolerance path that is not a supported JSONPath,
 *  or a `csvKey` that is not a column of the legacy's header.
 */
export function compareContent(
  legacy: Buffer | string,
  candidate: Buffer | string,
  format: ContentFormat,
  options: ContentCompareOptions = {},
): Difference | null {
  const l = TEXT_FORMATS.has(format) ? asText(legacy) : null;
  const c = TEXT_FORMATS.has(format) ? asText(candidate) : null;
  if (l === null || c === null) return compareBinary(asBuffer(legacy), asBuffer(candidate));
  const textOptions: TextCompareOptions = { ...options.text, label: options.label };
  switch (format) {
    case 'json':
    case 'yaml': {
      if (l === c) return null;
      const a = parseStructured(l, format);
      const b = parseStructured(c, format);
      if (a.ok && b.ok) return compareJson(a.value, b.value, { tolerances: options.tolerances });
      const difference = compareText(l, c, textOptions);
      if (!difference) return null;
      const name = format.toUpperCase();
      const why = [
        a.ok ? null : `legacy is not valid ${name} (${a.error})`,
        b.ok ? null : `candidate is not valid ${name} (${b.error})`,
      ].filter((s) => s !== null);
      return { ...difference, summary: `${why.join('; ')}; compared as text: ${difference.summary}` };
    }
    case 'csv':
      return compareCsv(l, c, { key: options.csvKey, tolerances: options.tolerances });
    default:
      return compareText(l, c, textOptions);
  }
}

/** UTF-8 text of the content, or `null` when a Buffer is not valid UTF-8. A BOM is kept. */
function asText(content: Buffer | string): string | null {
  if (typeof content === 'string') return content;
  return isUtf8(content) ? content.toString('utf8') : null;
}

function asBuffer(content: Buffer | string): Buffer {
  return typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
}
