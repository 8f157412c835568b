/**
 * The `db` comparator: compares the row changes the legacy made in its database during one
 * scenario with the candidate's (see `RowChange` and `DbObservation` in harness/model.ts).
 *
 * By default it compares the net effect (what each side created, changed and deleted, and the
 * values it left); in `order` mode it also compares the sequence of changes transaction by
 * transaction. Generated keys (serials, identities, uuid defaults) and the foreign keys that
 * refer to them compare through a value mapping, so `orders.id` 17 on one side and 903 on the
 * other are the same row when the flows created them at the same point.
 *
 * @see https://debezium.io/documentation/reference/connectors/postgresql.html#postgresql-events
 *  for the event names (`c`, `u`, `d`, `t`)
 */
import { createHash } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import picomatch from 'picomatch';
import { z } from 'zod';
import type { HttpObservation } from '../http-model.ts';
import type { ChannelResult, DbObservation, DbRow, DbValue, Difference, RowChange, RowTableDiff, ScenarioObservation, SchemaObservation, SchemaTable } from '../model.ts';
import { compareSchema } from './schema.ts';
import { withinTolerance } from './tolerance.ts';

/** A numeric tolerance for database columns: `column` is a glob over `table.column` or
 * `schema.table.column` (`orders.total`, `*.amount`). Two numbers a, b are equal when
 * `|a − b| <= absolute` or `|a − b| <= relative × max(|a|, |b|)` (see harness/compare/tolerance.ts). */
export interface DbTolerance {
  column: string;
  absolute?: number;
  relative?: number;
}

/** The suite-level `db` option of the config (see docs/config.md). */
export interface DbOptions {
  /** `net` (default): the net effect per table and row; `order`: also the order of the changes,
   * transaction by transaction. */
  compare?: 'net' | 'order';
  /** Columns not compared: globs over `table.column` / `schema.table.column` (`*.updated_at`). */
  ignoreColumns?: string[];
  /** Numeric tolerances per column glob. */
  tolerances?: DbTolerance[];
  /** Compare the `schema` channel. Default true. */
  schema?: boolean;
}

/** {@link DbOptions} with defaults applied. */
export interface ResolvedDbOptions {
  compare: 'net' | 'order';
  ignoreColumns: string[];
  tolerances: DbTolerance[];
  schema: boolean;
}

const columnGlob = z.string().min(1).refine((g) => g.includes('.'), 'must name a column as table.column or schema.table.column (globs allowed: "*.updated_at")');

/** Zod schema of the suite-level `db` option; errors name the field and the fix. */
export const dbOptionsSchema = z.strictObject({
  compare: z.enum(['net', 'order'], { error: 'must be "net" (the net effect per row, default) or "order" (also the order of changes per transaction)' }).optional(),
  ignoreColumns: z.array(columnGlob).optional(),
  tolerances: z
    .array(
      z.strictObject({
        column: columnGlob,
        absolute: z.number().nonnegative().optional(),
        relative: z.number().nonnegative().optional(),
      }).refine((t) => t.absolute !== undefined || t.relative !== undefined, 'needs absolute and/or relative (e.g. { column: "orders.total", absolute: 0.01 })'),
    )
    .optional(),
  schema: z.boolean().optional(),
});

/** The `db` option with its defaults: net comparison, nothing ignored, no tolerance, schema compared. */
export function resolveDbOptions(options: DbOptions | undefined): ResolvedDbOptions {
  return {
    compare: options?.compare ?? 'net',
    ignoreColumns: options?.ignoreColumns ?? [],
    tolerances: options?.tolerances ?? [],
    schema: options?.schema ?? true,
  };
}

/** Options of {@link compareDb}. */
export interface DbCompareOptions {
  /** `net` (default): the net effect per table and row. `order`: also the sequence of changes,
   * transaction by transaction (only when both sides were captured by logical decoding). */
  mode?: 'net' | 'order';
  /** Columns left out of the comparison: globs over `table.column` and `schema.table.column`
   * (picomatch syntax: `*.updated_at`, `audit_log.*`). */
  ignoreColumns?: readonly string[];
  /** Numeric tolerances per column glob. */
  tolerances?: readonly DbTolerance[];
  /** Values known to be the same value on both sides: `[legacyValue, candidateValue]`, as text.
   * Usually from the HTTP captures of the same exchange (see {@link keyPairsFromCaptures}). */
  keyPairs?: ReadonlyArray<readonly [string, string]>;
  /** Each side's schema (the `schema` channel), which names the generated columns (identity,
   * `nextval(…)` and uuid defaults) and the foreign keys that refer to them. Without it, a
   * single-column primary key whose inserted values are all integers or uuids counts as generated. */
  schema?: { legacy?: SchemaObservation; candidate?: SchemaObservation };
}

/** Most `order` divergences reported (the rest follows from the first ones). */
export const MAX_ORDER_DIVERGENCES = 3;

/** Terminal width `unified` lines are kept within (characters). */
export const UNIFIED_WIDTH = 80;

/** Above this many candidate pairs (rows × rows), alignment by longest common subsequence falls
 * back to plain creation order (the LCS table is rows × rows × 4 bytes). */
const MAX_PAIRING_WORK = 4_000_000;

/** Above this many candidate pairs, leftover rows of a table without a primary key are not paired
 * by similarity (each pair compares every cell) but reported as missing and extra. */
const MAX_SIMILARITY_WORK = 1_000_000;

/** Most characters one value takes in `unified`. */
const MAX_VALUE_CHARS = 32;

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Column defaults that make a column's values generated by the database. */
const GENERATED_DEFAULT_RE = /^(nextval\(|gen_random_uuid\(\)|uuid_generate_v[14]\(\))/;

type Side = 'legacy' | 'candidate';

/**
 * The value mapping of one comparison: the columns whose values are generated keys, the foreign
 * keys referring to them, and the legacy → candidate value pairs known so far.
 */
interface KeyMapping {
  /** `schema.table.column` of generated columns. */
  generated: Set<string>;
  /** `schema.table.column` of a foreign key column → the generated column it refers to. */
  references: Map<string, string>;
  /** Per generated column: legacy value → candidate value (text), from creation order. */
  domains: Map<string, Map<string, string>>;
  /** Legacy value → candidate values (text) from `keyPairs`, for every column: like the `http`
   * comparator's captured values, a value the flow received is that value wherever it is stored
   * (an audit table's `order_id` often has no foreign key). */
  pairs: Map<string, Set<string>>;
}

/** One row's net effect on one side. */
interface NetRow {
  table: string;
  op: 'c' | 'u' | 'd';
  before: DbRow | null;
  after: DbRow | null;
  /** Primary key values, or null for a table without one. */
  key: DbRow | null;
  /** For a table without a primary key: how many identical rows (≥ 1), their canonical JSON
   * (what matching uses) and its short hash (what reports show). */
  count: number;
  canon: string;
  hash: string;
  /** Sequence number of the first change of this row (for a stable report order). */
  seq: number;
}

interface NetTable {
  truncated: boolean;
  rows: NetRow[];
}

/** Column filters, compiled once per comparison. */
interface ColumnRules {
  /** False when no column is ignored (rows are then used as they are). */
  any: boolean;
  ignored: (table: string, column: string) => boolean;
  tolerances: (table: string, column: string) => DbTolerance[];
}

function compileRules(options: DbCompareOptions): ColumnRules {
  const globs = (list: readonly string[]) => (list.length ? picomatch([...list], { dot: true }) : () => false);
  const matchesAny = globs(options.ignoreColumns ?? []);
  const cache = new Map<string, boolean>();
  const tolerances = (options.tolerances ?? []).map((t) => ({ t, match: picomatch(t.column, { dot: true }) }));
  const tolCache = new Map<string, DbTolerance[]>();
  return {
    any: (options.ignoreColumns ?? []).length > 0,
    ignored(table, column) {
      const id = `${table}.${column}`;
      let hit = cache.get(id);
      if (hit === undefined) {
        hit = matchesAny(id) || matchesAny(`${shortTable(table)}.${column}`);
        cache.set(id, hit);
      }
      return hit;
    },
    tolerances(table, column) {
      const id = `${table}.${column}`;
      let hit = tolCache.get(id);
      if (!hit) {
        hit = tolerances.filter(({ match }) => match(id) || match(`${shortTable(table)}.${column}`)).map(({ t }) => t);
        tolCache.set(id, hit);
      }
      return hit;
    },
  };
}

/** `public.orders` → `orders`; other schemas are kept (`audit.log`). */
function shortTable(table: string): string {
  return table.startsWith('public.') ? table.slice('public.'.length) : table;
}

function withoutIgnored(table: string, row: DbRow | null, rules: ColumnRules): DbRow | null {
  if (row === null || !rules.any) return row;
  const out: DbRow = {};
  for (const [k, v] of Object.entries(row)) if (!rules.ignored(table, k)) out[k] = v;
  return out;
}

/** Canonical JSON of a row (keys sorted), so equal rows hash equally. */
function canonical(row: DbRow): string {
  return JSON.stringify(Object.keys(row).sort().map((k) => [k, row[k]]));
}

function rowHash(row: DbRow): string {
  return createHash('sha256').update(canonical(row)).digest('hex').slice(0, 8);
}

function pick(row: DbRow, columns: string[]): DbRow {
  return Object.fromEntries(columns.map((c) => [c, row[c] ?? null]));
}

/**
 * Folds one side's changes (in `seq` order) into the net effect per table and row: a row keyed by
 * its primary key ends `c` (did not exist before, exists after), `u` (existed, changed; an update
 * that changes nothing but ignored columns vanishes) or `d`; a row created then deleted vanishes.
 * A table without a primary key is a multiset of rows by hash: insert +1, delete −1, update −1 old
 * +1 new. Truncate marks the table truncated and forgets every earlier change of it (the rows it
 * deleted are unknown to logical decoding, so the truncate stands for all of them).
 */
function foldChanges(changes: readonly RowChange[], rules: ColumnRules): Map<string, NetTable> {
  interface Keyed { before: DbRow | null; after: DbRow | null; keyCols: string[]; seq: number }
  interface Unkeyed { row: DbRow; count: number; seq: number }
  const state = new Map<string, { truncated: boolean; keyed: Map<string, Keyed>; unkeyed: Map<string, Unkeyed> }>();
  const tableOf = (name: string) => {
    let t = state.get(name);
    if (!t) state.set(name, (t = { truncated: false, keyed: new Map(), unkeyed: new Map() }));
    return t;
  };
  const sorted = [...changes].sort((a, b) => a.seq - b.seq);
  for (const ch of sorted) {
    const name = `${ch.schema}.${ch.table}`;
    const t = tableOf(name);
    const before = withoutIgnored(name, ch.before, rules);
    const after = withoutIgnored(name, ch.after, rules);
    if (ch.op === 't') {
      // Every row is gone, whatever happened to it before: the truncate itself stands for them.
      t.truncated = true;
      t.keyed.clear();
      t.unkeyed.clear();
      continue;
    }
    if (ch.key !== null) {
      const keyCols = Object.keys(ch.key);
      const oldKey = canonical(before && keyCols.every((c) => c in before) ? pick(before, keyCols) : ch.key);
      const newKey = canonical(after ? pick(after, keyCols) : ch.key);
      const lookup = ch.op === 'c' ? newKey : oldKey;
      let entry = t.keyed.get(lookup);
      if (!entry) {
        entry = { before: ch.op === 'c' ? null : before ?? ch.key, after: null, keyCols, seq: ch.seq };
        t.keyed.set(lookup, entry);
      }
      entry.after = ch.op === 'd' ? null : after;
      if (ch.op === 'u' && newKey !== oldKey) {
        t.keyed.delete(oldKey);
        t.keyed.set(newKey, entry);
      }
      continue;
    }
    const bump = (row: DbRow | null, delta: number) => {
      if (row === null) return;
      const h = canonical(row);
      const entry = t.unkeyed.get(h) ?? { row, count: 0, seq: ch.seq };
      entry.count += delta;
      if (entry.count === 0) t.unkeyed.delete(h);
      else t.unkeyed.set(h, entry);
    };
    if (ch.op !== 'c') bump(before, -1);
    if (ch.op !== 'd') bump(after, +1);
  }
  const out = new Map<string, NetTable>();
  for (const [name, t] of state) {
    const rows: NetRow[] = [];
    for (const e of t.keyed.values()) {
      if (e.before === null && e.after === null) continue;
      const op = e.before === null ? 'c' : e.after === null ? 'd' : 'u';
      if (op === 'u' && isDeepStrictEqual(e.before, e.after)) continue;
      const keyRow = e.after ?? e.before!;
      rows.push({ table: name, op, before: e.before, after: e.after, key: pick(keyRow, e.keyCols), count: 1, canon: '', hash: '', seq: e.seq });
    }
    for (const [canon, e] of t.unkeyed) {
      const created = e.count > 0;
      rows.push({
        table: name,
        op: created ? 'c' : 'd',
        before: created ? null : e.row,
        after: created ? e.row : null,
        key: null,
        count: Math.abs(e.count),
        canon,
        hash: rowHash(e.row),
        seq: e.seq,
      });
    }
    rows.sort((a, b) => a.seq - b.seq);
    out.set(name, { truncated: t.truncated, rows });
  }
  return out;
}

/** Parses `FOREIGN KEY (a, b) REFERENCES s.t(x, y)` into column pairs. */
function parseForeignKey(def: string): { columns: string[]; table: string; refColumns: string[] } | null {
  const m = /^FOREIGN KEY \(([^)]*)\) REFERENCES ([^(]+)\(([^)]*)\)/.exec(def);
  if (!m) return null;
  const names = (list: string) => list.split(',').map((s) => s.trim().replace(/^"(.*)"$/, '$1').replaceAll('""', '"'));
  return { columns: names(m[1]), table: m[2].trim().replaceAll('"', ''), refColumns: names(m[3]) };
}

/** Generated columns and foreign keys to them, from one side's schema. */
function keyColumnsFromSchema(schema: SchemaObservation, mapping: KeyMapping): void {
  const byName = new Map<string, SchemaTable>(schema.tables.map((t) => [`${t.schema}.${t.name}`, t]));
  for (const t of schema.tables) {
    for (const c of t.columns) {
      if (c.identity || (c.default !== null && GENERATED_DEFAULT_RE.test(c.default))) mapping.generated.add(`${t.schema}.${t.name}.${c.name}`);
    }
  }
  for (const t of schema.tables) {
    for (const def of t.foreignKeys) {
      const fk = parseForeignKey(def);
      if (!fk) continue;
      // pg_get_constraintdef qualifies the referenced table only when it is off the search path.
      const ref = fk.table.includes('.') ? fk.table : byName.has(`${t.schema}.${fk.table}`) ? `${t.schema}.${fk.table}` : `public.${fk.table}`;
      fk.columns.forEach((col, i) => {
        const target = `${ref}.${fk.refColumns[i]}`;
        if (mapping.generated.has(target)) mapping.references.set(`${t.schema}.${t.name}.${col}`, target);
      });
    }
  }
}

function text(v: DbValue | undefined): string | null {
  if (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') return String(v);
  return null;
}

/** Table names a `<name>_id` column conventionally refers to: `order_id` → `order`, `orders`,
 * `orderes`; `category_id` → `categories` too (the Rails and Django naming conventions). */
function conventionalTables(name: string): string[] {
  const out = [name, `${name}s`, `${name}es`];
  if (name.endsWith('y')) out.push(`${name.slice(0, -1)}ies`);
  return out;
}

/**
 * Columns named `<table>_id` without a foreign key (audit and log tables often have none) are
 * taken to refer to that table's generated `id` (singular or plural table name, same schema, else
 * `public`), so they map like a foreign key would.
 */
function conventionalReferences(changes: readonly RowChange[], mapping: KeyMapping): void {
  const seen = new Set<string>();
  for (const ch of changes) {
    const table = `${ch.schema}.${ch.table}`;
    for (const column of Object.keys(ch.after ?? ch.before ?? {})) {
      const id = `${table}.${column}`;
      if (seen.has(id)) continue;
      seen.add(id);
      const m = /^(.+)_id$/.exec(column);
      if (!m || mapping.generated.has(id) || mapping.references.has(id)) continue;
      for (const name of conventionalTables(m[1])) {
        const target = [`${ch.schema}.${name}.id`, `public.${name}.id`].find((t) => mapping.generated.has(t));
        if (target) {
          mapping.references.set(id, target);
          break;
        }
      }
    }
  }
}

/** The domain (generated column) whose value mapping applies to `table.column`, if any. */
function domainOf(mapping: KeyMapping, table: string, column: string): string | undefined {
  const id = `${table}.${column}`;
  return mapping.generated.has(id) ? id : mapping.references.get(id);
}

/** The content of a created row that pairing by creation order looks at: no generated or
 * referencing column (their values are what the pairing is to find out). */
function signature(table: string, row: DbRow, mapping: KeyMapping): string {
  const out: DbRow = {};
  for (const [k, v] of Object.entries(row)) if (domainOf(mapping, table, k) === undefined) out[k] = v;
  return canonical(out);
}

/**
 * Pairs the rows each side inserted into one table, in creation order: along the longest common
 * subsequence of their content (generated and referencing columns left out), so a row one side
 * skipped does not shift every later pair; rows between two common ones pair in order when both
 * gaps are as long, else by most equal cells.
 */
function alignCreated(table: string, legacy: DbRow[], candidate: DbRow[], mapping: KeyMapping): Array<[DbRow, DbRow]> {
  if (legacy.length === 0 || candidate.length === 0) return [];
  if (legacy.length * candidate.length > MAX_PAIRING_WORK) {
    return legacy.slice(0, candidate.length).map((l, i) => [l, candidate[i]]);
  }
  const a = legacy.map((r) => signature(table, r, mapping));
  const b = candidate.map((r) => signature(table, r, mapping));
  const n = a.length;
  const m = b.length;
  // Classic LCS table (suffix lengths), then a forward walk.
  const lcs = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) lcs[i][j] = a[i] === b[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
  }
  const pairs: Array<[DbRow, DbRow]> = [];
  let gapA: number[] = [];
  let gapB: number[] = [];
  const flush = () => {
    pairs.push(...pairGap(gapA.map((i) => legacy[i]), gapB.map((j) => candidate[j])));
    gapA = [];
    gapB = [];
  };
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (a[i] === b[j]) {
      flush();
      pairs.push([legacy[i], candidate[j]]);
      i++;
      j++;
    } else if (lcs[i + 1][j] >= lcs[i][j + 1]) gapA.push(i++);
    else gapB.push(j++);
  }
  while (i < n) gapA.push(i++);
  while (j < m) gapB.push(j++);
  flush();
  return pairs;
}

/** Pairs the rows between two aligned ones: in order when the counts agree, else each legacy row
 * with the unpaired candidate row that shares most cell values. */
function pairGap(legacy: DbRow[], candidate: DbRow[]): Array<[DbRow, DbRow]> {
  if (legacy.length === candidate.length) return legacy.map((l, i) => [l, candidate[i]]);
  const free = [...candidate];
  const out: Array<[DbRow, DbRow]> = [];
  for (const l of legacy) {
    if (free.length === 0) break;
    let best = -1;
    let bestScore = 0;
    free.forEach((c, idx) => {
      const score = Object.keys(l).filter((k) => isDeepStrictEqual(l[k], c[k])).length;
      if (score > bestScore) [best, bestScore] = [idx, score];
    });
    if (best !== -1 && bestScore * 2 >= Object.keys(l).length) out.push([l, free.splice(best, 1)[0]]);
  }
  return out;
}

/**
 * Builds the value mapping: generated columns and foreign keys from the schemas (else every
 * single-column primary key of a table a side inserted into), `keyPairs`, then, for values
 * `keyPairs` did not settle, the rows each side created paired in creation order per table.
 */
function buildMapping(legacy: readonly RowChange[], candidate: readonly RowChange[], options: DbCompareOptions, rules: ColumnRules): KeyMapping {
  const schemas = [options.schema?.legacy, options.schema?.candidate].filter((s) => s !== undefined);
  const mapping: KeyMapping = { generated: new Set(), references: new Map(), domains: new Map(), pairs: new Map() };
  for (const s of schemas) keyColumnsFromSchema(s, mapping);
  if (schemas.length === 0) {
    // Without a schema: a single-column primary key whose inserted values are all integers or
    // uuids is taken for generated; natural keys (codes, names) are not.
    const seen = new Map<string, boolean>();
    for (const ch of [...legacy, ...candidate]) {
      if (ch.op !== 'c' || ch.key === null || Object.keys(ch.key).length !== 1) continue;
      const [[column, value]] = Object.entries(ch.key);
      const id = `${ch.schema}.${ch.table}.${column}`;
      const looksGenerated = Number.isInteger(value) || (typeof value === 'string' && (UUID_RE.test(value) || /^\d+$/.test(value)));
      seen.set(id, (seen.get(id) ?? true) && looksGenerated);
    }
    for (const [id, generated] of seen) if (generated) mapping.generated.add(id);
  }
  conventionalReferences([...legacy, ...candidate], mapping);
  for (const [l, c] of options.keyPairs ?? []) {
    const set = mapping.pairs.get(l) ?? new Set<string>();
    set.add(c);
    mapping.pairs.set(l, set);
  }
  const created = (changes: readonly RowChange[]) => {
    const byTable = new Map<string, DbRow[]>();
    for (const ch of [...changes].sort((x, y) => x.seq - y.seq)) {
      if (ch.op !== 'c' || ch.after === null) continue;
      const name = `${ch.schema}.${ch.table}`;
      const row = withoutIgnored(name, ch.after, rules)!;
      const list = byTable.get(name) ?? [];
      list.push(row);
      byTable.set(name, list);
    }
    return byTable;
  };
  const l = created(legacy);
  const c = created(candidate);
  for (const [table, lRows] of l) {
    const generated = [...mapping.generated].filter((g) => g.startsWith(`${table}.`) && !g.slice(table.length + 1).includes('.')).map((g) => g.slice(table.length + 1));
    if (generated.length === 0) continue;
    let cRows = c.get(table) ?? [];
    // Rows whose generated value keyPairs already maps stay out of the order pairing.
    const pinnedCandidate = new Set<string>();
    const freeLegacy = lRows.filter((row) => {
      const pinned = generated.some((g) => {
        const v = text(row[g]);
        const targets = v === null ? undefined : mapping.pairs.get(v);
        if (!targets) return false;
        targets.forEach((t) => pinnedCandidate.add(`${g}=${t}`));
        return true;
      });
      return !pinned;
    });
    cRows = cRows.filter((row) => !generated.some((g) => pinnedCandidate.has(`${g}=${text(row[g])}`)));
    for (const [lr, cr] of alignCreated(table, freeLegacy, cRows, mapping)) {
      for (const g of generated) {
        const lv = text(lr[g]);
        const cv = text(cr[g]);
        if (lv === null || cv === null) continue;
        const domain = `${table}.${g}`;
        const map = mapping.domains.get(domain) ?? new Map<string, string>();
        if (!map.has(lv)) map.set(lv, cv);
        mapping.domains.set(domain, map);
      }
    }
  }
  return mapping;
}

const NUMERIC_RE = /^-?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

function asNumber(v: DbValue | undefined): number | null {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && NUMERIC_RE.test(v)) return Number(v);
  return null;
}

/** Equal after normalization: the same value; a legacy value the mapping turns into the
 * candidate's (keyPairs anywhere, creation order in generated and referencing columns); numbers
 * within the column's tolerance. */
function cellEqual(table: string, column: string, l: DbValue | undefined, c: DbValue | undefined, mapping: KeyMapping, rules: ColumnRules): boolean {
  if (isDeepStrictEqual(l, c)) return true;
  const lt = text(l);
  const ct = text(c);
  if (lt !== null && ct !== null) {
    if (mapping.pairs.get(lt)?.has(ct)) return true;
    const domain = domainOf(mapping, table, column);
    if (domain !== undefined && mapping.domains.get(domain)?.get(lt) === ct) return true;
    // A uuid is unique wherever it is stored: one a generated column mapped is that row's uuid.
    if (domain === undefined && UUID_RE.test(lt) && [...mapping.domains.values()].some((map) => map.get(lt) === ct)) return true;
  }
  const ln = asNumber(l);
  const cn = asNumber(c);
  if (ln !== null && cn !== null) return rules.tolerances(table, column).some((t) => withinTolerance(ln, cn, t));
  return false;
}

/** Columns whose values differ between two rows (a missing row has no values). */
function differingCells(table: string, l: DbRow | null, c: DbRow | null, mapping: KeyMapping, rules: ColumnRules): string[] {
  const columns = [...new Set([...Object.keys(l ?? {}), ...Object.keys(c ?? {})])];
  return columns.filter((col) => !cellEqual(table, col, l?.[col], c?.[col], mapping, rules));
}

/** The legacy key (or a whole row) as the candidate would spell it, each column through the
 * mapping; `null` when the mapping knows none of its values. */
function translatedKey(table: string, key: DbRow, mapping: KeyMapping): DbRow | null {
  const out: DbRow = {};
  let any = false;
  for (const [col, v] of Object.entries(key)) {
    const t = text(v);
    const domain = domainOf(mapping, table, col);
    const fromOrder = t === null || domain === undefined ? undefined : mapping.domains.get(domain)?.get(t);
    const mapped = t === null ? undefined : onlyPair(mapping, t) ?? fromOrder;
    if (mapped !== undefined) any = true;
    out[col] = mapped === undefined ? v : typeof v === 'number' && NUMERIC_RE.test(mapped) ? Number(mapped) : mapped;
  }
  return any ? out : null;
}

function onlyPair(mapping: KeyMapping, value: string): string | undefined {
  const set = mapping.pairs.get(value);
  return set && set.size === 1 ? [...set][0] : undefined;
}

type DiffRow = RowTableDiff['rows'][number];

/** Matches one table's net rows between the sides. */
function compareTable(table: string, l: NetTable | undefined, c: NetTable | undefined, mapping: KeyMapping, rules: ColumnRules): DiffRow[] {
  const out: DiffRow[] = [];
  if ((l?.truncated ?? false) !== (c?.truncated ?? false)) {
    out.push(l?.truncated ? { kind: 'missing', key: 'TRUNCATE', legacyOp: 't' } : { kind: 'extra', key: 'TRUNCATE', candidateOp: 't' });
  }
  const lRows = l?.rows ?? [];
  const cRows = c?.rows ?? [];
  // Rows with a primary key: first the keys the mapping translates, then the others as they are
  // (so legacy id 2, unmapped, cannot take the candidate's id 2 that legacy id 3 maps to).
  const cKeyed = new Map<string, NetRow>();
  for (const r of cRows) if (r.key) cKeyed.set(canonical(r.key), r);
  const lKeyed = lRows.filter((r) => r.key);
  const matches = new Map<NetRow, NetRow>();
  const take = (r: NetRow, key: DbRow | null) => {
    const match = key === null ? undefined : cKeyed.get(canonical(key));
    if (!match) return;
    matches.set(r, match);
    cKeyed.delete(canonical(match.key!));
  };
  for (const r of lKeyed) take(r, translatedKey(table, r.key!, mapping));
  for (const r of lKeyed) if (!matches.has(r)) take(r, r.key);
  for (const r of lKeyed) {
    const match = matches.get(r);
    if (!match) {
      out.push(missing(r));
      continue;
    }
    const cells = r.op === 'd' && match.op === 'd' ? [] : differingCells(table, r.after, match.after, mapping, rules);
    if (cells.length || r.op !== match.op) out.push(changed(r, match, cells));
  }
  for (const r of cKeyed.values()) out.push(extra(r));
  // Rows without a primary key: a multiset — equal rows first, then the leftovers paired by
  // most equal cells (normalization, mapping and tolerances included).
  const lLeft = lRows.filter((r) => !r.key).map((r) => ({ ...r }));
  const cLeft = cRows.filter((r) => !r.key).map((r) => ({ ...r }));
  const cByRow = new Map(cLeft.map((r) => [`${r.op}${r.canon}`, r]));
  const consume = (r: NetRow, canon: string) => {
    const twin = cByRow.get(`${r.op}${canon}`);
    if (!twin || r.count === 0) return;
    const n = Math.min(r.count, twin.count);
    r.count -= n;
    twin.count -= n;
  };
  // First as the candidate would spell the row (mapped keys), then as it is — as for keyed rows,
  // so a legacy row whose raw value is another row's mapped one cannot take that row.
  for (const r of lLeft) {
    const row = r.after ?? r.before;
    const mapped = row ? translatedKey(table, row, mapping) : null;
    if (mapped) consume(r, canonical(mapped));
  }
  for (const r of lLeft) consume(r, r.canon);
  const total = (rows: NetRow[]) => rows.reduce((n, r) => n + r.count, 0);
  const lTotal = total(lLeft);
  const cTotal = total(cLeft);
  if (lTotal === 0 || cTotal === 0 || lTotal * cTotal > MAX_SIMILARITY_WORK) {
    // Nothing to pair (or too much): leftovers are reported with their counts.
    for (const r of lLeft) if (r.count > 0) out.push(missing(r));
    for (const r of cLeft) if (r.count > 0) out.push(extra(r));
    return out;
  }
  const units = (rows: NetRow[]) => rows.flatMap((r) => Array.from({ length: r.count }, () => ({ ...r, count: 1 })));
  const lUnits = units(lLeft);
  const cUnits = units(cLeft);
  for (const r of lUnits) {
    let best = -1;
    let bestCells: string[] = [];
    const row = r.after ?? r.before;
    const width = Object.keys(row ?? {}).length;
    cUnits.forEach((cand, idx) => {
      if (cand.op !== r.op) return;
      const cells = differingCells(table, row, cand.after ?? cand.before, mapping, rules);
      if (cells.length * 2 <= width && (best === -1 || cells.length < bestCells.length)) [best, bestCells] = [idx, cells];
    });
    if (best === -1) {
      out.push(missing(r));
      continue;
    }
    const cand = cUnits.splice(best, 1)[0];
    if (bestCells.length) out.push(changed(r, cand, bestCells));
  }
  for (const r of cUnits) out.push(extra(r));
  return out;
}

/** Row key as text: `id=17`, `order_id=3, sku=A1`; `#hash` (×n) for a table without a key. */
function keyText(r: NetRow): string {
  if (r.key) return Object.entries(r.key).map(([k, v]) => `${k}=${typeof v === 'string' ? v : show(v)}`).join(', ');
  return `#${r.hash}${r.count > 1 ? ` ×${r.count}` : ''}`;
}

function missing(r: NetRow): DiffRow {
  return { kind: 'missing', key: keyText(r), legacyOp: r.op, legacy: { before: r.before, after: r.after } };
}

function extra(r: NetRow): DiffRow {
  return { kind: 'extra', key: keyText(r), candidateOp: r.op, candidate: { before: r.before, after: r.after } };
}

function changed(l: NetRow, c: NetRow, cells: string[]): DiffRow {
  const lk = keyText(l);
  const ck = keyText(c);
  return {
    kind: 'changed',
    key: lk === ck || !l.key ? lk : `${lk} (candidate ${ck})`,
    legacyOp: l.op,
    candidateOp: c.op,
    legacy: { before: l.before, after: l.after },
    candidate: { before: c.before, after: c.after },
    cells,
  };
}

/**
 * Compares the changes transaction by transaction: the same tables, operations and rows (keys
 * through the mapping; rows without a key by table and operation) in the same order within the
 * same transaction. Values are the net comparison's business, so a changed value is not an order
 * divergence. Returns the first {@link MAX_ORDER_DIVERGENCES} divergences in order, each with the
 * table of the legacy's change (else the candidate's).
 */
function compareOrder(legacy: readonly RowChange[], candidate: readonly RowChange[], mapping: KeyMapping): Array<{ table: string; row: DiffRow }> {
  const byTx = (changes: readonly RowChange[]) => {
    const txs = new Map<number, RowChange[]>();
    for (const ch of [...changes].sort((a, b) => a.seq - b.seq)) {
      const list = txs.get(ch.tx) ?? [];
      list.push(ch);
      txs.set(ch.tx, list);
    }
    return [...txs.values()];
  };
  const l = byTx(legacy);
  const c = byTx(candidate);
  const out: Array<{ table: string; row: DiffRow }> = [];
  let found = 0;
  const identity = (ch: RowChange, translate: boolean) => {
    const name = `${ch.schema}.${ch.table}`;
    if (ch.key === null || ch.op === 't') return `${name} ${ch.op}`;
    return `${name} ${ch.op} ${canonical(translate ? translatedKey(name, ch.key, mapping) ?? ch.key : ch.key)}`;
  };
  for (let t = 0; t < Math.max(l.length, c.length) && found < MAX_ORDER_DIVERGENCES; t++) {
    const lt = l[t] ?? [];
    const ct = c[t] ?? [];
    for (let i = 0; i < Math.max(lt.length, ct.length) && found < MAX_ORDER_DIVERGENCES; i++) {
      const a = lt[i];
      const b = ct[i];
      if (a && b && identity(a, true) === identity(b, false)) continue;
      found++;
      const table = a ? `${a.schema}.${a.table}` : `${b!.schema}.${b!.table}`;
      const describe = (ch: RowChange | undefined) => (ch ? `${OP_WORDS[ch.op]} ${shortTable(`${ch.schema}.${ch.table}`)}${ch.key && ch.op !== 't' ? ` ${keyText({ key: ch.key } as NetRow)}` : ''}` : 'nothing');
      const row: DiffRow = {
        kind: 'order',
        key: `tx ${t + 1} change ${i + 1}: legacy ${describe(a)}; candidate ${describe(b)}`,
        ...(a ? { legacyOp: a.op, legacy: { before: a.before, after: a.after } } : {}),
        ...(b ? { candidateOp: b.op, candidate: { before: b.before, after: b.after } } : {}),
      };
      out.push({ table, row });
    }
  }
  return out;
}

const OP_WORDS: Record<RowChange['op'], string> = { c: 'created', u: 'updated', d: 'deleted', t: 'truncated' };

/** A value as the terminal shows it: strings quoted, NULL, bytea by size, JSON compact; at most
 * {@link MAX_VALUE_CHARS} characters. */
function show(v: DbValue | undefined): string {
  let s: string;
  if (v === undefined) s = '(absent)';
  else if (v === null) s = 'NULL';
  else if (typeof v === 'string') s = `'${v}'`;
  else if (typeof v === 'object' && !Array.isArray(v) && 'base64' in v) s = `bytea(${Buffer.from(v.base64, 'base64').length} B)`;
  else if (typeof v === 'object' && !Array.isArray(v) && 'json' in v) s = JSON.stringify(v.json) ?? 'null';
  else s = JSON.stringify(v);
  return s.length > MAX_VALUE_CHARS ? `${s.slice(0, MAX_VALUE_CHARS - 1)}…` : s;
}

function clip(line: string): string {
  return line.length > UNIFIED_WIDTH ? `${line.slice(0, UNIFIED_WIDTH - 1)}…` : line;
}

/** The `unified` lines of an order divergence: where, then what each side did there. */
function orderLines(table: string, r: DiffRow): string[] {
  const [where, rest] = r.key.split(': ');
  const [legacy, candidate] = rest.split('; ');
  return [clip(`! ${shortTable(table)} order, ${where}:`), clip(`    ${legacy}`), clip(`    ${candidate}`)];
}

/** The `unified` lines of one table's differing rows (order divergences apart). */
function unifiedLines(table: string, rows: DiffRow[]): string[] {
  const name = shortTable(table);
  const lines: string[] = [];
  for (const r of rows) {
    if (r.kind === 'order') continue;
    if (r.key === 'TRUNCATE') {
      lines.push(`${r.kind === 'missing' ? '-' : '+'} ${name}: TRUNCATE (${r.kind === 'missing' ? 'legacy' : 'candidate'} only)`);
      continue;
    }
    if (r.kind === 'missing' || r.kind === 'extra') {
      const side = r.kind === 'missing' ? r.legacy! : r.candidate!;
      const op = (r.kind === 'missing' ? r.legacyOp : r.candidateOp)!;
      const row = side.after ?? side.before ?? {};
      const values = Object.entries(row).map(([k, v]) => `${k}=${show(v)}`).join(' ');
      lines.push(clip(`${r.kind === 'missing' ? '-' : '+'} ${name} ${r.key} (${OP_WORDS[op]}): ${values}`));
      continue;
    }
    // Two deletions (rows without a key) differ in the rows they deleted: show those.
    const deleted = r.legacyOp === 'd' && r.candidateOp === 'd';
    const l = (deleted ? r.legacy?.before : r.legacy?.after) ?? null;
    const c = (deleted ? r.candidate?.before : r.candidate?.after) ?? null;
    const ops = r.legacyOp !== r.candidateOp ? ` (${OP_WORDS[r.legacyOp!]} → ${OP_WORDS[r.candidateOp!]})` : '';
    const cells = (r.cells ?? []).map((col) => `${col} ${show(l === null ? undefined : l[col])} → ${show(c === null ? undefined : c[col])}`);
    const oneLine = `~ ${name} ${r.key}${ops}: ${cells.join(', ')}`;
    if (oneLine.length <= UNIFIED_WIDTH) lines.push(cells.length ? oneLine : oneLine.slice(0, -2));
    else lines.push(clip(`~ ${name} ${r.key}${ops}:`), ...cells.map((cell) => clip(`    ${cell}`)));
  }
  return lines;
}

function summarize(tables: RowTableDiff[], notes: string[]): string {
  const parts = tables.map((t) => {
    const counts = new Map<string, number>();
    for (const r of t.rows) counts.set(r.kind, (counts.get(r.kind) ?? 0) + (r.kind === 'missing' || r.kind === 'extra' ? Number(/ ×(\d+)$/.exec(r.key)?.[1] ?? 1) : 1));
    return `${shortTable(t.table)} ${[...counts].map(([k, n]) => `${n} ${k}`).join(', ')}`;
  });
  return `${parts.join('; ')}${notes.length ? ` (${notes.join('; ')})` : ''}`;
}

/**
 * The value pairs an exchange scenario's HTTP captures establish: for each exchange index and
 * capture name both sides captured, `[legacy value, candidate value]` (when they differ). These
 * are "the same value" for {@link compareDb} — the value mapping of the `http` comparator.
 */
export function keyPairsFromCaptures(legacy: HttpObservation | undefined, candidate: HttpObservation | undefined): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  const count = Math.min(legacy?.exchanges.length ?? 0, candidate?.exchanges.length ?? 0);
  for (let i = 0; i < count; i++) {
    const l = legacy!.exchanges[i].captures;
    const c = candidate!.exchanges[i].captures;
    for (const [name, value] of Object.entries(l)) {
      if (Object.hasOwn(c, name) && c[name] !== value) out.push([value, c[name]]);
    }
  }
  return out;
}

/**
 * Compares the legacy's `db` observation with the candidate's.
 *
 * Net effect (always): each side's changes are folded per table and row — rows of a table with a
 * primary key by that key, rows of a table without one as a multiset by row hash (identical rows
 * counted) — into what the scenario created (`c`), changed (`u`, with the row before and after)
 * or deleted (`d`). A row created then deleted vanishes; an update whose only changes are in
 * ignored columns vanishes; `t` (truncate) deletes every row and is itself compared (a truncate
 * on one side only is reported as row `TRUNCATE`). Rows are then matched between the sides and
 * reported as `missing` (only the legacy has it), `extra` (only the candidate) or `changed` (with
 * the differing columns in `cells`; `u` on one side and `c` on the other is a change too).
 * Without a primary key, rows that are not equal are paired with the candidate row sharing the
 * most cells (at least half) and reported `changed`, else `missing`/`extra`.
 *
 * Values are equal when identical, when the value mapping pairs them, or (numbers, numeric
 * strings) within a `tolerances` entry of their column; `ignoreColumns` are left out entirely.
 *
 * The value mapping (generated keys): a legacy value and a candidate value are the same value
 * 1. anywhere, when `keyPairs` pairs them (the HTTP captures of the same exchange step);
 * 2. in a generated column (identity, `nextval(…)`, `gen_random_uuid()`/`uuid_generate_v4()`
 *    defaults, from `schema`; without a schema, a single-column primary key whose inserted values
 *    are all integers or uuids)
 *    and in the foreign-key columns that refer to it (without a foreign key: a column named
 *    `<table>_id` for a table with a generated `id`; a mapped uuid in any column), when the rows
 *    each side inserted into that table pair up in creation order (`seq`) — along the longest
 *    common subsequence of their other columns, so a row one side skipped shows as missing
 *    instead of shifting every later pair. Rows whose value `keyPairs` already maps are left out
 *    of that pairing.
 *
 * Order (`mode: 'order'`, both sides captured by logical decoding): the changes are also compared
 * transaction by transaction (table, operation and row key, in order); the first
 * {@link MAX_ORDER_DIVERGENCES} divergences are rows of kind `order` (key `tx 2 change 1: legacy
 * created orders id=1; candidate created audit_log #…`). When a side was captured by snapshot the
 * order is unknown: only the net effect is compared and the summary says so.
 *
 * Capture errors: when either side has `error`, the result is a difference naming it (no rows are
 * compared). `method` itself is not a difference (both methods give the same net effect).
 *
 * @returns `null` when equal, else a `rows` {@link Difference}: `tables` sorted by name, each with
 *  its differing rows in creation order; `unified` one line per row within {@link UNIFIED_WIDTH}
 *  columns (`~ orders id=1: status 'PAID' → 'paid'`, `- audit_log #3fa9c0d1 (created): …`,
 *  `+ …` for extra rows, `! … order` for order divergences).
 * @example
 * compareDb(legacy.db, candidate.db, { ignoreColumns: ['*.updated_at'], keyPairs: [['17', '903']] })
 */
export function compareDb(legacy: DbObservation, candidate: DbObservation, options: DbCompareOptions = {}): Difference | null {
  if (legacy.error !== undefined || candidate.error !== undefined) {
    const who = [legacy.error !== undefined ? `legacy: ${legacy.error}` : null, candidate.error !== undefined ? `candidate: ${candidate.error}` : null].filter((s) => s !== null);
    return { kind: 'rows', summary: `db capture failed (${who.join('; ')})`, unified: who.map((w) => `! db capture failed on the ${w}`).join('\n'), tables: [] };
  }
  const rules = compileRules(options);
  const mapping = buildMapping(legacy.changes, candidate.changes, options, rules);
  const l = foldChanges(legacy.changes, rules);
  const c = foldChanges(candidate.changes, rules);
  const notes: string[] = [];
  let order: Array<{ table: string; row: DiffRow }> = [];
  if (options.mode === 'order') {
    const snapshot = [legacy.method === 'snapshot' ? 'legacy' : null, candidate.method === 'snapshot' ? 'candidate' : null].filter((s): s is Side => s !== null);
    if (snapshot.length) notes.push(`order not compared: ${snapshot.join(' and ')} captured by snapshot`);
    else order = compareOrder(legacy.changes, candidate.changes, mapping);
  }
  const names = [...new Set([...l.keys(), ...c.keys(), ...order.map((o) => o.table)])].sort();
  const tables: RowTableDiff[] = [];
  for (const name of names) {
    const rows = [...compareTable(name, l.get(name), c.get(name), mapping, rules), ...order.filter((o) => o.table === name).map((o) => o.row)];
    if (rows.length === 0) continue;
    const columns: string[] = [];
    for (const r of rows) {
      for (const row of [r.legacy?.before, r.legacy?.after, r.candidate?.before, r.candidate?.after]) {
        for (const col of Object.keys(row ?? {})) if (!columns.includes(col)) columns.push(col);
      }
    }
    tables.push({ table: name, columns, rows });
  }
  if (tables.length === 0) return null;
  const unified = [...tables.flatMap((t) => unifiedLines(t.table, t.rows)), ...order.flatMap((o) => orderLines(o.table, o.row))];
  return { kind: 'rows', summary: summarize(tables, notes), unified: unified.join('\n'), tables };
}

/**
 * The `db` and `schema` channel results of one exchange scenario, for the runner: compared only
 * when the legacy's observation has the channel (a baseline recorded before the channel existed
 * does not start failing when the candidate now has it).
 *
 * - `db`: {@link compareDb} with the suite's options, the value pairs of the HTTP captures
 *   ({@link keyPairsFromCaptures}) and both sides' schemas (which name the generated keys).
 * - `schema`: `compareSchema` (harness/compare/schema.ts), unless `options.schema` is false.
 *
 * A candidate without the channel the legacy has is a difference saying so.
 *
 * @param options the suite's resolved `db` option; absent: the defaults of {@link resolveDbOptions}.
 * @returns zero to two results: channel `db` first, then `schema`; verdict `pass` or `diff`.
 */
export function compareDbChannels(options: ResolvedDbOptions | undefined, legacy: ScenarioObservation, candidate: ScenarioObservation): ChannelResult[] {
  const o = options ?? resolveDbOptions(undefined);
  const out: ChannelResult[] = [];
  const result = (channel: 'db' | 'schema', difference: Difference | null): ChannelResult =>
    difference ? { channel, verdict: 'diff', difference } : { channel, verdict: 'pass' };
  if (legacy.db) {
    const difference = candidate.db
      ? compareDb(legacy.db, candidate.db, {
          mode: o.compare,
          ignoreColumns: o.ignoreColumns,
          tolerances: o.tolerances,
          keyPairs: keyPairsFromCaptures(legacy.http, candidate.http),
          schema: { legacy: legacy.schema, candidate: candidate.schema },
        })
      : { kind: 'rows' as const, summary: 'the candidate has no db observation (its database writes were not captured)', unified: '! the candidate has no db observation', tables: [] };
    out.push(result('db', difference));
  }
  if (legacy.schema && o.schema) {
    const difference = candidate.schema
      ? compareSchema(legacy.schema, candidate.schema)
      : { kind: 'schema' as const, summary: 'the candidate has no schema observation (its schema was not captured)', unified: '! the candidate has no schema observation', changes: [] };
    out.push(result('schema', difference));
  }
  return out;
}
