/**
 * A small RFC 4180 CSV parser and serializer, shared by the `unorderedRows` normalizer and
 * the CSV comparator.
 *
 * Format source: RFC 4180 §2 (https://www.rfc-editor.org/rfc/rfc4180#section-2): fields are
 * separated by a delimiter; a field that contains the delimiter, a double quote or a line
 * break is enclosed in double quotes, and a double quote inside it is written twice (`""`).
 *
 * Deliberately lenient, because it reads what legacy systems really print, never throws:
 * - records end at CRLF, LF or a lone CR (RFC 4180 says CRLF only);
 * - text after a closing quote and before the next delimiter is kept (`"a"b` → `ab`), as
 *   Python's `csv` module does;
 * - an unterminated quoted field runs to the end of the text;
 * - a quote inside an unquoted field is an ordinary character;
 * - a leading byte-order mark is kept in the first field (faithful, so formatting round-trips;
 *   callers matching header names may strip `\uFEFF` themselves).
 */

/** Options of {@link parseCsv} and {@link parseCsvRecords}. */
export interface CsvParseOptions {
  /** Field delimiter, one character. Default `,`. */
  delimiter?: string;
}

/** One CSV record with the exact text it was parsed from. */
export interface CsvRecord {
  /** Field values, unquoted. An empty line is one empty field: `['']`. */
  fields: string[];
  /** The record's source text, without its line terminator. */
  raw: string;
  /** The terminator that ended the record: `'\r\n'`, `'\n'`, `'\r'`, or `''` at the end of the text. */
  terminator: string;
}

/**
 * Parses CSV text into records that keep their source text, so a caller can reorder records
 * without re-quoting them (see `unorderedRows`).
 *
 * A line terminator at the very end of the text does not start another record; the empty
 * text has no records.
 *
 * @param text CSV text (already decoded).
 * @returns The records in order.
 * @throws TypeError only when `delimiter` is not one character; never for any text.
 */
export function parseCsvRecords(text: string, options: CsvParseOptions = {}): CsvRecord[] {
  const delimiter = checkDelimiter(options.delimiter).charCodeAt(0);
  const records: CsvRecord[] = [];
  const length = text.length;
  let pos = 0;
  while (pos < length) {
    const start = pos;
    const fields: string[] = [];
    let terminator = '';
    // One field per iteration; `pos` ends on the delimiter, the terminator, or the end.
    for (;;) {
      let field: string;
      if (text.charCodeAt(pos) === QUOTE) {
        [field, pos] = readQuoted(text, pos + 1);
        const rest = pos;
        pos = scanBare(text, pos, delimiter);
        field += text.slice(rest, pos); // lenient: `"a"b` → `ab`
      } else {
        const begin = pos;
        pos = scanBare(text, pos, delimiter);
        field = text.slice(begin, pos);
      }
      fields.push(field);
      if (pos < length && text.charCodeAt(pos) === delimiter) {
        pos++;
        continue;
      }
      break;
    }
    const raw = text.slice(start, pos);
    if (pos < length) terminator = text.charCodeAt(pos) === CR && text.charCodeAt(pos + 1) === LF ? '\r\n' : text[pos];
    records.push({ fields, raw, terminator });
    pos += terminator.length;
  }
  return records;
}

const QUOTE = 0x22;
const CR = 0x0d;
const LF = 0x0a;

/** From `pos`, the index of the next delimiter, CR, LF, or the end. */
function scanBare(text: string, pos: number, delimiter: number): number {
  const length = text.length;
  while (pos < length) {
    const code = text.charCodeAt(pos);
    if (code === delimiter || code === CR || code === LF) break;
    pos++;
  }
  return pos;
}

/** Reads a quoted field's content from just after its opening quote; returns the unquoted value
 * and the index just after the closing quote (or the end, when unterminated). */
function readQuoted(text: string, pos: number): [string, number] {
  let value = '';
  for (;;) {
    const close = text.indexOf('"', pos);
    if (close === -1) return [value + text.slice(pos), text.length];
    value += text.slice(pos, close);
    if (text.charCodeAt(close + 1) !== QUOTE) return [value, close + 1];
    value += '"';
    pos = close + 2;
  }
}

/**
 * Parses CSV text into rows of fields (RFC 4180, leniently: see the module comment).
 *
 * @example
 * parseCsv('id,note\r\n1,"a, ""quoted""\nline"\r\n') // [['id', 'note'], ['1', 'a, "quoted"\nline']]
 * @returns One array of field values per record; `[]` for the empty text.
 * @throws TypeError only when `delimiter` is not one character; never for any text.
 */
export function parseCsv(text: string, options: CsvParseOptions = {}): string[][] {
  return parseCsvRecords(text, options).map((record) => record.fields);
}

/** Options of {@link formatCsv}. */
export interface CsvFormatOptions {
  /** Field delimiter, one character. Default `,`. */
  delimiter?: string;
  /** Record terminator. Default `'\n'` (RFC 4180 uses `'\r\n'`; pass it for strict output). */
  newline?: string;
}

/**
 * Serializes rows to CSV. A field is quoted only when it must be: when it contains the
 * delimiter, a double quote, CR or LF (RFC 4180 §2.6–2.7). Every record, the last included,
 * ends with `newline`, so `parseCsv(formatCsv(rows))` gives `rows` back (except that a row
 * with no fields comes back as `['']`).
 *
 * @returns The CSV text; `''` for no rows.
 * @throws TypeError when `delimiter` is not one character (a programming error, not a user one).
 */
export function formatCsv(rows: readonly (readonly string[])[], options: CsvFormatOptions = {}): string {
  const delimiter = checkDelimiter(options.delimiter);
  const newline = options.newline ?? '\n';
  let out = '';
  for (const row of rows) {
    out += row.map((field) => formatCsvField(field, delimiter)).join(delimiter) + newline;
  }
  return out;
}

function formatCsvField(field: string, delimiter: string): string {
  if (field.includes(delimiter) || field.includes('"') || field.includes('\n') || field.includes('\r')) {
    return `"${field.replaceAll('"', '""')}"`;
  }
  return field;
}

function checkDelimiter(delimiter: string | undefined): string {
  const value = delimiter ?? ',';
  if (value.length !== 1 || value === '"' || value === '\r' || value === '\n') {
    throw new TypeError(`CSV delimiter must be one character other than '"', CR or LF; got ${JSON.stringify(value)}`);
  }
  return value;
}
