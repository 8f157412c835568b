/**
 * The `unorderedRows` normalizer: CSV whose data-row order is not part of the behaviour
 * (rows from a hash map, from an unordered SQL query).
 */
import { parseCsvRecords, type CsvRecord } from './csv.ts';

/**
 * Sorts the data rows of CSV text, keeping the header row (the first record) first.
 *
 * Rows are ordered by their parsed fields (field by field, by UTF-16 code unit, a shorter row
 * first when it is a prefix of a longer one), then by their source text, so the order does
 * not depend on how a writer quoted a value. Each record keeps its exact source text — nothing
 * is re-quoted. Records are joined with the first line terminator of the text (`\r\n` or `\n`),
 * and a terminator at the end of the text is kept.
 *
 * @example
 * sortCsvRows('id,name\n2,b\n1,a\n') // 'id,name\n1,a\n2,b\n'
 * @param text CSV text (RFC 4180, see `csv.ts`).
 * @returns The text with its data rows sorted; unchanged when it has fewer than three records.
 */
export function sortCsvRows(text: string): string {
  const records = parseCsvRecords(text);
  if (records.length < 3) return text;
  const [header, ...rows] = records;
  rows.sort(compareRecords);
  const newline = records.find((record) => record.terminator !== '')?.terminator ?? '\n';
  const last = records[records.length - 1];
  const trailing = last.terminator === '' ? '' : newline;
  return [header, ...rows].map((record) => record.raw).join(newline) + trailing;
}

function compareRecords(a: CsvRecord, b: CsvRecord): number {
  const n = Math.min(a.fields.length, b.fields.length);
  for (let i = 0; i < n; i++) {
    const order = compareStrings(a.fields[i], b.fields[i]);
    if (order !== 0) return order;
  }
  return a.fields.length - b.fields.length || compareStrings(a.raw, b.raw);
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
