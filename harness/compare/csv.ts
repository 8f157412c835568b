/**
 * The CSV comparator: compares parsed cells (RFC 4180, `normalize/csv.ts`), not text, so
 * quoting style and line terminators are not differences; rows, cells, the header, the
 * byte-order mark and (with a key column) row order are.
 */
import { ParityError } from '../errors.ts';
import type { CsvChange, Difference } from '../model.ts';
import { formatCsv, parseCsv } from '../normalize/csv.ts';
import { withinTolerance, type Tolerance } from './tolerance.ts';

/** Options of {@link compareCsv}. */
export interface CsvCompareOptions {
  /** Header of the key column: rows are matched by its value instead of by position. */
  key?: string;
  /** Numeric tolerances. One with a `column` applies to that column's cells; one with neither
   * `path` nor `column` to every numeric cell; one with only a `path` is for JSON and ignored
   * here. The first that applies is used (config order). A tolerance only applies when both
   * cells are decimal numbers (`-1.5e3`, surrounding spaces allowed). */
  tolerances?: readonly Tolerance[];
}

/** The pseudo row key of header changes. */
export const HEADER_ROW = 'header';

const BOM = '\uFEFF';

/** One column compared in both files: its name and its index on each side. */
interface ColumnPair {
  name: string;
  legacy: number;
  candidate: number;
}

/** A data row with its 1-based position among the data rows and its label (`7`, `7 (#2)`, `#3`). */
interface LabelledRow {
  label: string;
  position: number;
  cells: string[];
}

/**
 * Compares two CSV texts cell by cell. The first record is the header.
 *
 * - Header: a column only on one side, common columns in another order, a byte-order mark on
 *   one side only: `header` changes (row `header`). Cells are then compared by column name;
 *   when a header has duplicate names, by position.
 * - Without `key`: data rows by position (`#1`, `#2`, …); extra rows at the end are added/removed.
 * - With `key`: rows matched by the key column's value (the n-th duplicate of a value matches the
 *   n-th, labelled `7 (#2)`): rows only on one side are added/removed, and rows whose relative
 *   order changed are `order` changes (the fewest rows that must move: those off a longest
 *   common ordering), reported apart from cell changes. If the candidate lacks the key column,
 *   rows are compared by position and the summary says so.
 * - Cells: equal strings, or numbers within the column's tolerance. A missing cell (short row)
 *   differs from an empty one.
 *
 * @returns `null` when equal; otherwise a `csv` {@link Difference}, summary like `4 cells differ
 *  in 2 rows, 1 row added` and `unified` lines like `~ row id=7, column amount: 10.50 → 10.5`.
 * @throws ParityError `CONFIG_INVALID` when `key` is not a column of the legacy's header.
 */
export function compareCsv(legacy: string, candidate: string, options: CsvCompareOptions = {}): Difference | null {
  if (legacy === candidate) return null;
  const bomA = legacy.startsWith(BOM);
  const bomB = candidate.startsWith(BOM);
  const rowsA = parseCsv(bomA ? legacy.slice(1) : legacy);
  const rowsB = parseCsv(bomB ? candidate.slice(1) : candidate);
  const headerA = rowsA[0] ?? [];
  const headerB = rowsB[0] ?? [];
  const changes: CsvChange[] = [];
  if (bomA !== bomB) {
    changes.push({ row: HEADER_ROW, kind: 'header', legacy: bomA ? 'byte-order mark' : 'none', candidate: bomB ? 'byte-order mark' : 'none' });
  }
  const columns = pairColumns(headerA, headerB, changes);
  const tolerances = (options.tolerances ?? []).filter((t) => t.column !== undefined || t.path === undefined);
  const cellsEqual = (column: string, a: string | undefined, b: string | undefined): boolean => {
    if (a === b) return true;
    if (a === undefined || b === undefined) return false;
    const t = tolerances.find((tol) => tol.column === undefined || tol.column === column);
    return t !== undefined && isDecimal(a) && isDecimal(b) && withinTolerance(Number(a), Number(b), t);
  };

  const notes: string[] = [];
  let keyColumn: ColumnPair | undefined;
  if (options.key !== undefined && rowsA.length > 0) {
    if (!headerA.includes(options.key)) {
      throw new ParityError(
        'CONFIG_INVALID',
        `CSV key column "${options.key}" is not in the legacy's header (${headerA.join(', ')}); set csvKeys to one of these columns`,
      );
    }
    keyColumn = columns.find((c) => c.name === options.key);
    if (!keyColumn) notes.push(`key column ${options.key} missing in candidate: rows compared by position`);
  }

  const dataA = rowsA.slice(1);
  const dataB = rowsB.slice(1);
  const rowNamer = keyColumn ? (label: string) => `row ${keyColumn.name}=${label}` : (label: string) => `row ${label}`;
  const pairs = keyColumn ? pairByKey(dataA, dataB, keyColumn, changes) : pairByPosition(dataA, dataB, changes);

  const changedRows = new Set<string>();
  let changedCells = 0;
  const cellChanges: CsvChange[] = [];
  for (const [a, b] of pairs) {
    const before = cellChanges.length;
    for (const col of columns) {
      const x = a.cells[col.legacy];
      const y = b.cells[col.candidate];
      if (!cellsEqual(col.name, x, y)) cellChanges.push(cellChange(a.label, col.name, x, y));
    }
    // Cells beyond the header (ragged rows), compared by position.
    const extra = Math.max(a.cells.length - headerA.length, b.cells.length - headerB.length, 0);
    for (let k = 0; k < extra; k++) {
      const x = a.cells[headerA.length + k];
      const y = b.cells[headerB.length + k];
      if (x !== y) cellChanges.push(cellChange(a.label, `#${headerA.length + k + 1}`, x, y));
    }
    if (cellChanges.length > before) {
      changedRows.add(a.label);
      changedCells += cellChanges.length - before;
    }
  }
  // Order: header first, then rows added/removed, then cells, then moves.
  const all = [
    ...changes.filter((c) => c.kind === 'header'),
    ...changes.filter((c) => c.kind === 'removed' || c.kind === 'added'),
    ...cellChanges,
    ...changes.filter((c) => c.kind === 'order'),
  ];
  if (all.length === 0) return null;
  return {
    kind: 'csv',
    summary: csvSummary(all, changedCells, changedRows.size, notes),
    unified: all.map((c) => renderChange(c, rowNamer)).join('\n'),
    changes: all,
  };
}

function cellChange(row: string, column: string, legacy: string | undefined, candidate: string | undefined): CsvChange {
  const change: CsvChange = { row, column, kind: 'changed' };
  if (legacy !== undefined) change.legacy = legacy;
  if (candidate !== undefined) change.candidate = candidate;
  return change;
}

/** Which columns to compare, and the header changes. */
function pairColumns(headerA: string[], headerB: string[], changes: CsvChange[]): ColumnPair[] {
  const same = headerA.length === headerB.length && headerA.every((name, i) => name === headerB[i]);
  if (same) return headerA.map((name, i) => ({ name, legacy: i, candidate: i }));
  const unique = (h: string[]) => new Set(h).size === h.length;
  if (!unique(headerA) || !unique(headerB)) {
    const pairs: ColumnPair[] = [];
    for (let i = 0; i < Math.max(headerA.length, headerB.length); i++) {
      if (headerA[i] !== headerB[i]) {
        const change: CsvChange = { row: HEADER_ROW, column: `#${i + 1}`, kind: 'header' };
        if (headerA[i] !== undefined) change.legacy = headerA[i];
        if (headerB[i] !== undefined) change.candidate = headerB[i];
        changes.push(change);
      }
      if (i < headerA.length && i < headerB.length) pairs.push({ name: headerA[i], legacy: i, candidate: i });
    }
    return pairs;
  }
  const indexB = new Map(headerB.map((name, i) => [name, i]));
  const setA = new Set(headerA);
  const pairs: ColumnPair[] = [];
  for (const [i, name] of headerA.entries()) {
    const j = indexB.get(name);
    if (j === undefined) changes.push({ row: HEADER_ROW, column: name, kind: 'header', legacy: name });
    else pairs.push({ name, legacy: i, candidate: j });
  }
  for (const name of headerB) {
    if (!setA.has(name)) changes.push({ row: HEADER_ROW, column: name, kind: 'header', candidate: name });
  }
  const commonB = headerB.filter((name) => setA.has(name));
  if (pairs.some((p, k) => p.name !== commonB[k])) {
    changes.push({ row: HEADER_ROW, kind: 'header', legacy: csvLine(headerA), candidate: csvLine(headerB) });
  }
  return pairs;
}

function pairByPosition(dataA: string[][], dataB: string[][], changes: CsvChange[]): Array<[LabelledRow, LabelledRow]> {
  const row = (cells: string[], i: number): LabelledRow => ({ label: `#${i + 1}`, position: i + 1, cells });
  const common = Math.min(dataA.length, dataB.length);
  const pairs: Array<[LabelledRow, LabelledRow]> = [];
  for (let i = 0; i < common; i++) pairs.push([row(dataA[i], i), row(dataB[i], i)]);
  for (let i = common; i < dataA.length; i++) changes.push({ row: `#${i + 1}`, kind: 'removed', legacy: csvLine(dataA[i]) });
  for (let i = common; i < dataB.length; i++) changes.push({ row: `#${i + 1}`, kind: 'added', candidate: csvLine(dataB[i]) });
  return pairs;
}

/** Labels rows by key value; the n-th occurrence (n ≥ 2) of a value is `value (#n)`. */
function labelByKey(data: string[][], keyIndex: number): LabelledRow[] {
  const seen = new Map<string, number>();
  return data.map((cells, i) => {
    const value = cells[keyIndex] ?? '';
    const n = (seen.get(value) ?? 0) + 1;
    seen.set(value, n);
    return { label: n === 1 ? value : `${value} (#${n})`, position: i + 1, cells };
  });
}

function pairByKey(
  dataA: string[][],
  dataB: string[][],
  key: ColumnPair,
  changes: CsvChange[],
): Array<[LabelledRow, LabelledRow]> {
  const rowsA = labelByKey(dataA, key.legacy);
  const rowsB = labelByKey(dataB, key.candidate);
  const byLabelB = new Map(rowsB.map((r) => [r.label, r]));
  const labelsA = new Set(rowsA.map((r) => r.label));
  const pairs: Array<[LabelledRow, LabelledRow]> = [];
  for (const a of rowsA) {
    const b = byLabelB.get(a.label);
    if (b) pairs.push([a, b]);
    else changes.push({ row: a.label, kind: 'removed', legacy: csvLine(a.cells) });
  }
  for (const b of rowsB) {
    if (!labelsA.has(b.label)) changes.push({ row: b.label, kind: 'added', candidate: csvLine(b.cells) });
  }
  // Rows kept in order are a longest increasing run of candidate positions (in legacy order);
  // every other matched row moved.
  const kept = longestIncreasing(pairs.map(([, b]) => b.position));
  pairs.forEach(([a, b], k) => {
    if (!kept.has(k)) {
      changes.push({ row: a.label, kind: 'order', legacy: String(a.position), candidate: String(b.position) });
    }
  });
  return pairs;
}

/** Indexes of one longest strictly increasing subsequence of `values` (patience sorting, O(n log n)). */
function longestIncreasing(values: number[]): Set<number> {
  const tails: number[] = [];
  const prev: number[] = new Array(values.length);
  for (let k = 0; k < values.length; k++) {
    let lo = 0;
    let hi = tails.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (values[tails[mid]] < values[k]) lo = mid + 1;
      else hi = mid;
    }
    prev[k] = lo > 0 ? tails[lo - 1] : -1;
    tails[lo] = k;
  }
  const kept = new Set<number>();
  for (let k = tails.length ? tails[tails.length - 1] : -1; k >= 0; k = prev[k]) kept.add(k);
  return kept;
}

/** A decimal number as CSV writers print it: `12`, `-0.5`, `.5`, `1e-3`, surrounding spaces allowed. */
function isDecimal(cell: string): boolean {
  return /^\s*[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?\s*$/.test(cell);
}

/** One record as CSV text, without terminator. */
function csvLine(cells: string[]): string {
  return formatCsv([cells]).replace(/\n$/, '');
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function csvSummary(changes: CsvChange[], cells: number, rows: number, notes: string[]): string {
  const count = (kind: CsvChange['kind']) => changes.filter((c) => c.kind === kind).length;
  const parts: string[] = [];
  if (count('header') > 0) parts.push('header differs');
  if (cells > 0) parts.push(`${plural(cells, 'cell')} ${cells === 1 ? 'differs' : 'differ'} in ${plural(rows, 'row')}`);
  const added = count('added');
  const removed = count('removed');
  const moved = count('order');
  if (added > 0) parts.push(`${plural(added, 'row')} added`);
  if (removed > 0) parts.push(`${plural(removed, 'row')} removed`);
  if (moved > 0) parts.push(`${plural(moved, 'row')} moved`);
  return [parts.join(', '), ...notes].join('; ');
}

/** A cell for display: `(missing)`, `""` for empty, JSON-quoted when spaces or controls would hide it. */
function showCell(cell: string | undefined): string {
  if (cell === undefined) return '(missing)';
  if (cell === '' || /^\s|\s$|[\u0000-\u001f]| → /.test(cell)) return JSON.stringify(cell);
  return cell;
}

function renderChange(c: CsvChange, rowName: (label: string) => string): string {
  switch (c.kind) {
    case 'header':
      if (c.column === undefined) return `~ header: ${c.legacy} → ${c.candidate}`;
      if (c.legacy === undefined) return `+ header column ${c.candidate}`;
      if (c.candidate === undefined) return `- header column ${c.legacy}`;
      return `~ header column ${c.column}: ${showCell(c.legacy)} → ${showCell(c.candidate)}`;
    case 'added':
      return `+ ${rowName(c.row)}: ${c.candidate}`;
    case 'removed':
      return `- ${rowName(c.row)}: ${c.legacy}`;
    case 'order':
      return `↕ ${rowName(c.row)}: position ${c.legacy} → ${c.candidate}`;
    default:
      return `~ ${rowName(c.row)}, column ${c.column}: ${showCell(c.legacy)} → ${showCell(c.candidate)}`;
  }
}
