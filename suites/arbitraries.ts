/**
 * `paritykit/arbitraries`: fast-check arbitraries derived from what was recorded, for the
 * `property` option of a suite (harness/property.ts). They generate the inputs nobody wrote a
 * scenario for — a negative amount, an empty field, a Unicode name, a duplicated row — starting
 * from the recorded scenarios and generic boundary values, never from knowledge of where a
 * rewrite differs. Users compose them with their own fast-check arbitraries.
 *
 * - `fromRecordedArgs(scenarios)`: variations of recorded CLI scenarios (args, stdin, CSV/JSON files).
 * - `jsonSchemaOf(values)` / `fromJsonSchema(schema)`: infer a JSON Schema (draft 2020-12 subset)
 *   from recorded bodies and generate values with boundary cases.
 * - `csvFile(columns)` / `jsonFile(schema)`: input files.
 * - `exchangeSequences(scenarios)`: model-based request sequences (fast-check `commands`) over the
 *   recorded endpoints, with captured ids.
 *
 * @example
 * import fc from 'fast-check';
 * import { fromRecordedArgs } from 'paritykit/arbitraries';
 * property: { inputs: fromRecordedArgs(scenarios), numRuns: 200, seed: 7 }
 */
import path from 'node:path';
import fc from 'fast-check';
import { glob } from 'tinyglobby';
import type { Baseline } from '../baselines/store.ts';
import { readScenarioFile } from '../harness/config.ts';
import { ParityError } from '../harness/errors.ts';
import type { CaptureSpec, HttpRequestSpec, Scenario } from '../harness/model.ts';
import type { PropertyInput } from '../harness/property.ts';

export type { PropertyInput } from '../harness/property.ts';

/**
 * Reads recorded scenario files (YAML or JSON, as a suite's `scenarios` globs name them), for
 * the arbitraries below: `fromRecordedArgs(await recordedScenarios('scenarios/*.yaml', here))`.
 *
 * @param patterns globs (tinyglobby), relative to `cwd` or absolute.
 * @throws ParityError `SCENARIO_INVALID` when a file is invalid or nothing matched.
 */
export async function recordedScenarios(patterns: string | string[], cwd: string): Promise<Scenario[]> {
  const list = typeof patterns === 'string' ? [patterns] : patterns;
  const files = (await glob(list, { cwd, absolute: true, onlyFiles: true })).filter((f) => /\.(ya?ml|json)$/i.test(f)).sort();
  if (files.length === 0) throw new ParityError('SCENARIO_INVALID', `recordedScenarios(${JSON.stringify(list)}): no .yaml/.yml/.json file matched under ${path.resolve(cwd)}; check the glob`);
  return (await Promise.all(files.map((f) => readScenarioFile(f)))).flat();
}

// ------------------------------------------------------------------ boundary values

/** Strings every text field gets tried with: empty, blank, very long, Unicode (combining marks,
 * CJK, emoji, right-to-left), quotes and separators, leading/trailing spaces. */
export const BOUNDARY_STRINGS: readonly string[] = [
  '',
  ' ',
  'x'.repeat(1000),
  'Ünïcödé ñame — 日本語 ✓ 🎉',
  'e\u0301',
  'שלום',
  '"quoted, with comma"',
  '  padded  ',
  '0',
  '-',
];

/** Numbers every numeric field gets tried with: zero, negatives, a half cent, large and tiny
 * magnitudes, 2^31 and 2^53 edges. */
export const BOUNDARY_NUMBERS: readonly number[] = [0, -1, 1, -0.005, 0.005, 0.5, -100, 999_999_999, 2 ** 31, 2 ** 53 + 1, 1e-7, -0];

const NUMERIC_RE = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** Text variants of a number as written in a file or on a command line, keeping its decimals:
 * `12.50` → `0.00`, `-12.50`, `-0.00`, `0.005`, `999999999.99`, `12.5`, `1e3`, `` … */
function numberTokenVariants(token: string): string[] {
  const decimals = /\.(\d+)/.exec(token)?.[1].length ?? 0;
  const n = Number(token);
  const fmt = (x: number) => x.toFixed(decimals);
  return [...new Set([
    fmt(0),
    fmt(-n === 0 ? -1 : -n),
    `-${fmt(0)}`,
    '0.005',
    '-0.005',
    fmt(999_999_999),
    String(n),
    `${token}0`,
    '1e3',
    '',
    ' ',
    'NaN',
  ])].filter((v) => v !== token);
}

/** Most values seen elsewhere that a token may be replaced with: boundaries find more than
 * swapping one recorded value for another, so they keep most of the choices. */
const MAX_SEEN_VARIANTS = 4;

/** Variants of one token (argument, cell, line field): number boundaries for a number, string
 * boundaries otherwise, then a few other values seen in the same place. */
function tokenVariants(token: string, seen: readonly string[]): string[] {
  const own = NUMERIC_RE.test(token.trim()) ? numberTokenVariants(token.trim()) : BOUNDARY_STRINGS.filter((s) => s !== token);
  return [...new Set([...own, ...seen.filter((s) => s !== token).slice(0, MAX_SEEN_VARIANTS)])];
}

// ------------------------------------------------------------------ CSV

/** Splits CSV text into rows of fields (RFC 4180: quoted fields, doubled quotes, CRLF or LF). */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') { field += '"'; i++; }
      else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"' && field === '') quoted = true;
    else if (ch === ',') { row.push(field); field = ''; }
    else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += ch;
  }
  if (field !== '' || row.length > 0) { row.push(field); rows.push(row); }
  return rows;
}

/** Writes rows as CSV (RFC 4180), quoting fields with a comma, quote, CR or LF; ends in LF. */
export function formatCsv(rows: readonly (readonly string[])[]): string {
  const cell = (v: string) => (/[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  return rows.map((r) => r.map(cell).join(',')).join('\n') + '\n';
}

function looksLikeCsv(name: string, content: string): boolean {
  if (/\.csv$/i.test(name)) return true;
  const lines = content.split('\n').filter((l) => l.trim() !== '');
  return lines.length >= 2 && lines.every((l) => l.split(',').length === lines[0].split(',').length && lines[0].includes(','));
}

/** One column of a CSV file: its header, and values seen in it (the recorded rows). */
export interface CsvColumn {
  name: string;
  /** Values seen (recorded), used as they are and as seeds for variants. */
  examples?: string[];
}

/**
 * The columns of recorded CSV files (header of the first line; values of every data row),
 * merged by header name across files.
 */
export function csvColumnsOf(contents: readonly string[]): CsvColumn[] {
  const byName = new Map<string, Set<string>>();
  for (const text of contents) {
    const [header, ...rows] = parseCsv(text);
    if (!header) continue;
    header.forEach((name, i) => {
      const set = byName.get(name) ?? new Set<string>();
      for (const r of rows) if (r[i] !== undefined) set.add(r[i]);
      byName.set(name, set);
    });
  }
  return [...byName].map(([name, values]) => ({ name, examples: [...values].slice(0, 50) }));
}

/**
 * CSV file contents with the given columns: a header line, then 0–`maxRows` rows whose cells
 * are recorded values (most of the time) or their boundary variants (empty, negative, zero,
 * long, Unicode, a quote or comma). Shrinks towards fewer rows and recorded values.
 *
 * @param columns header names, or columns with recorded examples (see `csvColumnsOf`).
 * @param options.maxRows rows at most (default 8); `minRows` at least (default 0).
 */
export function csvFile(columns: readonly (string | CsvColumn)[], options: { minRows?: number; maxRows?: number } = {}): fc.Arbitrary<string> {
  if (columns.length === 0) throw new ParityError('USAGE', 'csvFile(columns): needs at least one column');
  const cols = columns.map((c) => (typeof c === 'string' ? { name: c, examples: [] } : c));
  const cellArb = (c: CsvColumn): fc.Arbitrary<string> => {
    const examples = c.examples && c.examples.length > 0 ? c.examples : ['a'];
    const variants = [...new Set(examples.slice(0, 5).flatMap((e) => tokenVariants(e, [])))];
    return fc.oneof({ arbitrary: fc.constantFrom(...examples), weight: 4 }, { arbitrary: fc.constantFrom(...variants), weight: 1 });
  };
  const row = fc.tuple(...cols.map(cellArb));
  return fc
    .array(row, { minLength: options.minRows ?? 0, maxLength: options.maxRows ?? 8 })
    .map((rows) => formatCsv([cols.map((c) => c.name), ...rows]));
}

// ------------------------------------------------------------------ recorded CLI scenarios

/** One edit of a recorded scenario. Positions are taken modulo the list length, so every edit
 * applies to any scenario; shrinking drives positions and choices towards 0 (the first token,
 * the first variant). */
type Edit =
  | { op: 'arg-drop'; at: number }
  | { op: 'arg-dup'; at: number }
  | { op: 'arg-replace'; at: number; choice: number }
  | { op: 'line-drop'; file: number; at: number }
  | { op: 'line-dup'; file: number; at: number }
  | { op: 'cell'; file: number; at: number; col: number; choice: number }
  | { op: 'empty'; file: number };

/** What edits can touch in one scenario: the args and each text input (stdin, files). */
interface Editable {
  scenario: Scenario;
  /** `stdin` or `files/<name>`, with their text. */
  texts: Array<{ key: string; text: string; csv: boolean }>;
}

function editablesOf(scenarios: readonly Scenario[]): Editable[] {
  return scenarios.map((scenario) => ({
    scenario,
    texts: [
      ...(scenario.stdin !== undefined ? [{ key: 'stdin', text: scenario.stdin, csv: looksLikeCsv('stdin', scenario.stdin) }] : []),
      ...Object.entries(scenario.files ?? {}).map(([name, text]) => ({ key: `files/${name}`, text, csv: looksLikeCsv(name, text) })),
    ],
  }));
}

/** Places where values were seen: every arg, and every CSV column (by header), across scenarios. */
function valuePools(list: readonly Editable[]): { args: string[]; columns: Map<string, string[]> } {
  const args = [...new Set(list.flatMap((e) => e.scenario.args ?? []))];
  const columns = new Map<string, string[]>();
  for (const c of csvColumnsOf(list.flatMap((e) => e.texts.filter((t) => t.csv).map((t) => t.text)))) columns.set(c.name, c.examples ?? []);
  return { args, columns };
}

function applyEdit(input: PropertyInput, texts: Map<string, { text: string; csv: boolean }>, edit: Edit, pools: ReturnType<typeof valuePools>): void {
  const args = input.args ?? [];
  const keys = [...texts.keys()];
  switch (edit.op) {
    case 'arg-drop':
      if (args.length > 0) args.splice(edit.at % args.length, 1);
      break;
    case 'arg-dup':
      if (args.length > 0) args.splice(edit.at % args.length, 0, args[edit.at % args.length]);
      break;
    case 'arg-replace': {
      if (args.length === 0) break;
      const i = edit.at % args.length;
      const variants = tokenVariants(args[i], args[i].startsWith('-') ? pools.args.filter((a) => a.startsWith('-')) : pools.args);
      args[i] = variants[edit.choice % variants.length];
      break;
    }
    default: {
      if (keys.length === 0) break;
      const key = keys[edit.file % keys.length];
      const entry = texts.get(key)!;
      if (edit.op === 'empty') {
        entry.text = entry.csv ? entry.text.split('\n')[0] + '\n' : '';
        break;
      }
      if (entry.csv) {
        const rows = parseCsv(entry.text);
        const data = rows.length - 1;
        if (data <= 0) break;
        const r = 1 + (edit.at % data);
        if (edit.op === 'line-drop') rows.splice(r, 1);
        else if (edit.op === 'line-dup') rows.splice(r, 0, [...rows[r]]);
        else {
          const row = rows[r];
          if (row.length === 0) break;
          const c = edit.col % row.length;
          const seen = pools.columns.get(rows[0][c] ?? '') ?? [];
          const variants = tokenVariants(row[c], seen);
          row[c] = variants[edit.choice % variants.length];
        }
        entry.text = formatCsv(rows);
      } else {
        const lines = entry.text.split('\n');
        const trailing = lines.length > 1 && lines[lines.length - 1] === '';
        if (trailing) lines.pop();
        if (lines.length === 0) break;
        const i = edit.at % lines.length;
        if (edit.op === 'line-drop') lines.splice(i, 1);
        else if (edit.op === 'line-dup') lines.splice(i, 0, lines[i]);
        else {
          // A whitespace-separated field of the line.
          const fields = lines[i].split(/(\s+)/);
          const words = fields.map((f, n) => (n % 2 === 0 ? n : -1)).filter((n) => n >= 0 && fields[n] !== '');
          if (words.length === 0) break;
          const w = words[edit.col % words.length];
          const variants = tokenVariants(fields[w], []);
          fields[w] = variants[edit.choice % variants.length];
          lines[i] = fields.join('');
        }
        entry.text = lines.join('\n') + (trailing ? '\n' : '');
      }
    }
  }
}

const editArb: fc.Arbitrary<Edit> = (() => {
  const at = fc.nat({ max: 1000 });
  const small = fc.nat({ max: 1000 });
  // Variants are listed simplest first (empty, blank, long, Unicode; 0, negated, -0, half a
  // cent): those are where rewrites break most, so they are drawn twice as often.
  const choice = fc.oneof({ arbitrary: fc.nat({ max: 3 }), weight: 2 }, { arbitrary: fc.nat({ max: 1000 }), weight: 1 });
  return fc.oneof(
    { arbitrary: fc.record({ op: fc.constant('cell' as const), file: small, at, col: small, choice }), weight: 5 },
    { arbitrary: fc.record({ op: fc.constant('arg-replace' as const), at, choice }), weight: 2 },
    { arbitrary: fc.record({ op: fc.constant('line-drop' as const), file: small, at }), weight: 1 },
    { arbitrary: fc.record({ op: fc.constant('line-dup' as const), file: small, at }), weight: 1 },
    { arbitrary: fc.record({ op: fc.constant('arg-drop' as const), at }), weight: 1 },
    { arbitrary: fc.record({ op: fc.constant('arg-dup' as const), at }), weight: 1 },
    { arbitrary: fc.record({ op: fc.constant('empty' as const), file: small }), weight: 1 },
  );
})();

/**
 * `n` slots, each holding a value or nothing, as a list of the values present. Unlike
 * `fc.array` (whose shrinker removes items from the front, and can keep a useless item after
 * the one that matters), every slot shrinks to "nothing" on its own, so a counterexample keeps
 * only the values it needs.
 */
function optionalSlots<T>(arb: fc.Arbitrary<T>, n: number): fc.Arbitrary<T[]> {
  if (n <= 0) return fc.constant([]);
  return fc.tuple(...Array.from({ length: n }, () => fc.option(arb, { nil: null, freq: 3 }))).map((slots) => slots.filter((x): x is T => x !== null));
}

/** Recorded scenarios from a baseline, a list, or `{ scenarios }`; saved property
 * counterexamples are left out (variations of variations drift from what was recorded). */
function scenariosOf(source: Baseline | readonly Scenario[]): Scenario[] {
  const list = Array.isArray(source) ? (source as Scenario[]) : [...(source as Baseline).scenarios.values()].map((b) => ({ ...b.input, id: b.id }));
  return list.filter((s) => !s.id.startsWith('property-'));
}

/**
 * Variations of recorded CLI scenarios: a recorded scenario (args, stdin, env, files) with
 * 1 to `maxEdits` edits — an argument dropped, duplicated or replaced (numbers by boundaries:
 * 0, negative, -0.00, half a cent, huge; strings by empty, long, Unicode; or another recorded
 * argument), a line or CSV row dropped or duplicated, a CSV cell (or a whitespace-separated
 * field of a text line) replaced the same way, a file emptied. Shrinks towards fewer edits and
 * the first recorded scenario, so a counterexample reads as "recorded scenario X, with this
 * one change".
 *
 * @param source the recorded scenarios (exchange scenarios are ignored), or a loaded baseline.
 * @param options.maxEdits edits per generated scenario, at most (default 3).
 * @throws ParityError `USAGE` when there is no recorded CLI scenario to start from.
 */
export function fromRecordedArgs(source: Baseline | readonly Scenario[], options: { maxEdits?: number } = {}): fc.Arbitrary<PropertyInput> {
  const list = editablesOf(scenariosOf(source).filter((s) => !s.requests));
  if (list.length === 0) throw new ParityError('USAGE', 'fromRecordedArgs(): no recorded command scenarios to vary; pass the suite\'s scenarios (or its baseline)');
  const pools = valuePools(list);
  return fc
    // At least one edit: a recorded scenario replayed unchanged tests nothing new. (A filter,
    // not a mandatory first slot: that slot could not shrink away when a later one matters.)
    .tuple(fc.nat({ max: list.length - 1 }), optionalSlots(editArb, options.maxEdits ?? 3).filter((e) => e.length > 0))
    .map(([pick, edits]) => {
      const { scenario, texts } = list[pick];
      const input: PropertyInput = {};
      if (scenario.args) input.args = [...scenario.args];
      if (scenario.env) input.env = { ...scenario.env };
      if (scenario.timeoutMs !== undefined) input.timeoutMs = scenario.timeoutMs;
      const current = new Map(texts.map((t) => [t.key, { text: t.text, csv: t.csv }]));
      for (const edit of edits) applyEdit(input, current, edit, pools);
      for (const [key, { text }] of current) {
        if (key === 'stdin') input.stdin = text;
        else (input.files ??= {})[key.slice('files/'.length)] = text;
      }
      return input;
    });
}

// ------------------------------------------------------------------ JSON Schema

/** The JSON Schema subset `jsonSchemaOf` writes and `fromJsonSchema` reads (draft 2020-12
 * keywords: https://json-schema.org/draft/2020-12/json-schema-validation). */
export interface JsonSchema {
  type?: JsonType | JsonType[];
  properties?: Record<string, JsonSchema>;
  /** Properties present in every recorded object. */
  required?: string[];
  items?: JsonSchema;
  /** Distinct strings seen, when there were few (see `maxEnum`). */
  enum?: unknown[];
  format?: 'email' | 'date' | 'date-time' | 'uuid';
  /** Values seen (at most 10). */
  examples?: unknown[];
  minimum?: number;
  maximum?: number;
}

/** JSON types; `integer` is a number without a fraction. */
export type JsonType = 'null' | 'boolean' | 'integer' | 'number' | 'string' | 'array' | 'object';

const FORMATS: Array<[NonNullable<JsonSchema['format']>, RegExp]> = [
  ['uuid', /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i],
  ['date-time', /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([Zz]|[+-]\d{2}:?\d{2})?$/],
  ['date', /^\d{4}-\d{2}-\d{2}$/],
  ['email', /^[^\s@]+@[^\s@]+\.[^\s@]+$/],
];

function typeOf(v: unknown): JsonType {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v as JsonType;
}

/**
 * Infers a JSON Schema from recorded JSON values (request bodies, files): types (a field seen
 * as 1 and 2.5 is `number`; as a string and null, `["string", "null"]`), object properties and
 * which are `required` (present in every sample), array `items`, string `format`s (email, date,
 * date-time, uuid, when every sample matches), `enum` for strings with at most `maxEnum`
 * distinct values seen at least twice in all, `examples` and numeric `minimum`/`maximum` seen.
 *
 * @param values recorded JSON values (parsed).
 * @param options.maxEnum most distinct strings an enum may have (default 8).
 */
export function jsonSchemaOf(values: readonly unknown[], options: { maxEnum?: number } = {}): JsonSchema {
  const maxEnum = options.maxEnum ?? 8;
  const types = [...new Set(values.map(typeOf))];
  // integer and number together are number
  const merged = types.includes('number') ? types.filter((t) => t !== 'integer') : types;
  const schema: JsonSchema = { type: merged.length === 1 ? merged[0] : merged.sort() };
  const of = (t: JsonType) => values.filter((v) => typeOf(v) === t || (t === 'number' && typeOf(v) === 'integer'));
  const objects = of('object') as Array<Record<string, unknown>>;
  if (objects.length > 0) {
    const keys = [...new Set(objects.flatMap((o) => Object.keys(o)))];
    schema.properties = Object.fromEntries(keys.map((k) => [k, jsonSchemaOf(objects.filter((o) => k in o).map((o) => o[k]), options)]));
    schema.required = keys.filter((k) => objects.every((o) => k in o));
  }
  const arrays = of('array') as unknown[][];
  if (arrays.length > 0) schema.items = jsonSchemaOf(arrays.flat(), options);
  const strings = of('string') as string[];
  if (strings.length > 0) {
    const format = FORMATS.find(([, re]) => strings.every((s) => re.test(s)))?.[0];
    if (format) schema.format = format;
    const distinct = [...new Set(strings)];
    if (!format && distinct.length <= maxEnum && strings.length >= 2 * distinct.length) schema.enum = distinct;
  }
  const numbers = [...of('integer'), ...(merged.includes('number') ? of('number') : [])] as number[];
  if (numbers.length > 0) {
    schema.minimum = Math.min(...numbers);
    schema.maximum = Math.max(...numbers);
  }
  const examples = [...new Set(values.filter((v) => v === null || typeof v !== 'object').map((v) => JSON.stringify(v)))].slice(0, 10).map((s) => JSON.parse(s) as unknown);
  if (examples.length > 0) schema.examples = examples;
  return schema;
}

const DAY_MS = 86_400_000;
const dateArb = fc.integer({ min: -DAY_MS * 365 * 100, max: DAY_MS * 365 * 130 }).map((t) => new Date(t));

function stringArb(schema: JsonSchema): fc.Arbitrary<string> {
  const examples = (schema.examples ?? []).filter((e): e is string => typeof e === 'string');
  const seen: fc.Arbitrary<string>[] = [];
  if (schema.enum) seen.push(fc.constantFrom(...(schema.enum as string[])));
  else if (examples.length > 0) seen.push(fc.constantFrom(...examples));
  const generated: fc.Arbitrary<string> =
    schema.format === 'email' ? fc.emailAddress()
    : schema.format === 'uuid' ? fc.uuid()
    : schema.format === 'date' ? dateArb.map((d) => d.toISOString().slice(0, 10))
    : schema.format === 'date-time' ? dateArb.map((d) => d.toISOString())
    : fc.string({ maxLength: 20, unit: 'grapheme' });
  return fc.oneof(
    ...seen.map((arbitrary) => ({ arbitrary, weight: 4 })),
    { arbitrary: fc.constantFrom(...BOUNDARY_STRINGS), weight: 2 },
    { arbitrary: generated, weight: 1 },
  );
}

function numberArb(schema: JsonSchema, integer: boolean): fc.Arbitrary<number> {
  const examples = (schema.examples ?? []).filter((e): e is number => typeof e === 'number');
  const bounds = BOUNDARY_NUMBERS.filter((n) => !integer || Number.isInteger(n));
  const extremes = [schema.minimum, schema.maximum].filter((n): n is number => n !== undefined).flatMap((n) => [n, -n, n * 1000]);
  const generated = integer ? fc.integer({ min: -1_000_000, max: 1_000_000 }) : fc.double({ min: -1e6, max: 1e6, noNaN: true });
  // Zero and minus one, the classic boundaries, are drawn as often as all the others together.
  return fc.oneof(
    ...(examples.length > 0 ? [{ arbitrary: fc.constantFrom(...examples), weight: 3 }] : []),
    { arbitrary: fc.constantFrom(0, -1), weight: 2 },
    { arbitrary: fc.constantFrom(...bounds, ...extremes), weight: 2 },
    { arbitrary: generated, weight: 1 },
  );
}

/**
 * Generates JSON values for a schema (`jsonSchemaOf`'s subset), leaning on what was recorded
 * (enum values and examples most often) and on boundary values (empty and very long strings,
 * Unicode, 0, negatives, half a cent, huge numbers, `null` where the type allows it, empty
 * arrays, optional properties left out), with fast-check's own generators for the rest.
 * Unknown or missing `type` generates any JSON value.
 */
export function fromJsonSchema(schema: JsonSchema): fc.Arbitrary<unknown> {
  const types = schema.type === undefined ? [] : Array.isArray(schema.type) ? schema.type : [schema.type];
  if (types.length === 0) return fc.jsonValue({ maxDepth: 2 });
  const arbs = types.map((t): fc.Arbitrary<unknown> => {
    switch (t) {
      case 'null': return fc.constant(null);
      case 'boolean': return fc.boolean();
      case 'integer': return numberArb(schema, true);
      case 'number': return numberArb(schema, false);
      case 'string': return stringArb(schema);
      case 'array': return fc.array(schema.items ? fromJsonSchema(schema.items) : fc.jsonValue({ maxDepth: 1 }), { maxLength: 4 });
      case 'object': {
        const props = schema.properties ?? {};
        const model = Object.fromEntries(Object.entries(props).map(([k, s]) => [k, fromJsonSchema(s)]));
        return fc.record(model, { requiredKeys: (schema.required ?? []).filter((k) => k in props) });
      }
    }
  });
  // null last: fast-check shrinks towards the first alternative, the recorded type.
  return arbs.length === 1 ? arbs[0] : fc.oneof(...arbs);
}

/** JSON file contents (2-space indented, LF) generated from a schema (see `fromJsonSchema`). */
export function jsonFile(schema: JsonSchema): fc.Arbitrary<string> {
  return fromJsonSchema(schema).map((v) => JSON.stringify(v, null, 2) + '\n');
}

// ------------------------------------------------------------------ exchange sequences

/** A recorded endpoint: method and path template, the captures it needs and provides, and
 * what was recorded for its variable parts (numeric path segments, query values, JSON bodies). */
export interface RecordedEndpoint {
  method: string;
  /** Path template: a numeric segment seen in the recordings becomes `{#}` (`/orders/{#}/pay`);
   * `{{name}}` captures stay. */
  path: string;
  /** For each `{#}` of `path`, in order: the values recorded there. */
  pathValues: string[][];
  /** Capture names the path (or query) uses. */
  needs: string[];
  /** Captures it provides to later requests (as recorded). */
  capture?: Record<string, CaptureSpec>;
  /** Schema of the recorded JSON bodies, when there were any. */
  body?: JsonSchema;
  /** The recorded JSON bodies themselves (at most 20). */
  bodies?: unknown[];
  /** Query parameters: the values recorded for each, and whether every recording had it. */
  query?: Record<string, { values: string[]; always: boolean }>;
  headers?: Record<string, string>;
}

const CAPTURE_RE = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;

/** Splits a recorded path into a template (numeric segments → `{#}`) and those segments. */
function pathTemplate(p: string): { template: string; numbers: string[] } {
  const numbers: string[] = [];
  const template = p.split('/').map((seg) => (/^-?\d+$/.test(seg) ? (numbers.push(seg), '{#}') : seg)).join('/');
  return { template, numbers };
}

/** The endpoints of recorded exchange scenarios, one per method and path template, with the
 * values recorded in their numeric path segments and query parameters, and the schema of their
 * JSON bodies inferred from every recorded body. Requests with form, text or file bodies are
 * left out (they are replayed as recorded by the recorded scenarios). */
export function endpointsOf(scenarios: readonly Scenario[], options: { maxEnum?: number } = {}): RecordedEndpoint[] {
  interface Group { method: string; template: string; first: HttpRequestSpec; numbers: string[][]; bodies: unknown[]; queries: Array<Record<string, string>>; capture?: Record<string, CaptureSpec> }
  const groups = new Map<string, Group>();
  for (const s of scenarios) {
    if (s.id.startsWith('property-')) continue;
    for (const r of s.requests ?? []) {
      if (r.body && !('json' in r.body)) continue;
      const method = (r.method ?? 'GET').toUpperCase();
      const { template, numbers } = pathTemplate(r.path);
      const key = `${method} ${template}`;
      const g = groups.get(key) ?? { method, template, first: r, numbers: numbers.map(() => []), bodies: [], queries: [] };
      numbers.forEach((n, i) => g.numbers[i]?.push(n));
      if (r.body && 'json' in r.body) g.bodies.push(r.body.json);
      g.queries.push(Object.fromEntries(Object.entries(r.query ?? {}).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : v])));
      if (r.capture) g.capture = { ...g.capture, ...r.capture };
      groups.set(key, g);
    }
  }
  return [...groups.values()].map((g) => {
    const keys = [...new Set(g.queries.flatMap((q) => Object.keys(q)))];
    const query = Object.fromEntries(keys.map((k) => [k, { values: [...new Set(g.queries.flatMap((q) => (k in q ? [q[k]] : [])))], always: g.queries.every((q) => k in q) }]));
    const needs = [...new Set([...(g.template + JSON.stringify(g.first.query ?? {})).matchAll(CAPTURE_RE)].map((m) => m[1]))];
    return {
      method: g.method,
      path: g.template,
      pathValues: g.numbers.map((list) => [...new Set(list)]),
      needs,
      ...(g.capture ? { capture: g.capture } : {}),
      ...(g.bodies.length > 0 ? { body: jsonSchemaOf(g.bodies, options), bodies: g.bodies.slice(0, 20) } : {}),
      ...(keys.length > 0 ? { query } : {}),
      ...(g.first.headers ? { headers: g.first.headers } : {}),
    };
  });
}

/** Every leaf of a JSON value with its path (arrays by index, objects by key). */
function jsonLeaves(value: unknown, trail: Array<string | number> = []): Array<{ path: Array<string | number>; value: unknown }> {
  if (Array.isArray(value)) return value.flatMap((v, i) => jsonLeaves(v, [...trail, i]));
  if (value !== null && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => jsonLeaves(v, [...trail, k]));
  return [{ path: trail, value }];
}

/** Copy of `value` with the leaf at `path` replaced. */
function setLeaf(value: unknown, path: ReadonlyArray<string | number>, leaf: unknown): unknown {
  if (path.length === 0) return leaf;
  const [head, ...rest] = path;
  if (Array.isArray(value)) return value.map((v, i) => (i === head ? setLeaf(v, rest, leaf) : v));
  const obj = value as Record<string, unknown>;
  return { ...obj, [head]: setLeaf(obj[head as string], rest, leaf) };
}

/** Boundary values for one leaf, by the type recorded there: numbers (zero and minus one
 * first, the classic off-by-one edges), strings, booleans flipped, and null. */
function leafBoundaries(value: unknown): fc.Arbitrary<unknown> {
  if (typeof value === 'number') {
    const integer = Number.isInteger(value);
    const others = BOUNDARY_NUMBERS.filter((n) => n !== 0 && n !== -1 && (!integer || Number.isInteger(n)));
    return fc.oneof({ arbitrary: fc.constant(0), weight: 3 }, { arbitrary: fc.constant(-1), weight: 2 }, { arbitrary: fc.constantFrom(-value, ...others), weight: 3 }, { arbitrary: fc.constant(null), weight: 1 });
  }
  if (typeof value === 'string') return fc.oneof({ arbitrary: fc.constantFrom(...BOUNDARY_STRINGS), weight: 4 }, { arbitrary: fc.constant(null), weight: 1 });
  if (typeof value === 'boolean') return fc.constantFrom(!value, null);
  return fc.constantFrom(0, '', null);
}

/**
 * A recorded JSON body with one leaf replaced by a boundary value of its recorded type (a
 * one-point mutation): `{"name":"Tea","qty":2,"price":3.5}` → `{"name":"Tea","qty":2,"price":0}`.
 * Shrinks towards the recorded body's first leaf and the first boundary value.
 */
export function oneLeafMutation(bodies: readonly unknown[]): fc.Arbitrary<unknown> {
  const withLeaves = bodies.map((b) => ({ body: b, leaves: jsonLeaves(b) })).filter((b) => b.leaves.length > 0 && b.leaves[0].path.length > 0);
  if (withLeaves.length === 0) return fc.constantFrom(...bodies);
  return fc.constantFrom(...withLeaves).chain(({ body, leaves }) =>
    fc.constantFrom(...leaves).chain((leaf) => leafBoundaries(leaf.value).map((v) => setLeaf(body, leaf.path, v))),
  );
}

/** A recorded value most of the time, else a boundary variant of one (`4` → `0`, `-4`, `999999999`, `''`…). */
function recordedOrVariant(values: readonly string[]): fc.Arbitrary<string> {
  const variants = [...new Set(values.slice(0, 5).flatMap((v) => tokenVariants(v, [])))];
  return fc.oneof({ arbitrary: fc.constantFrom(...values), weight: 3 }, { arbitrary: fc.constantFrom(...variants), weight: 1 });
}

/** One generated request of an endpoint: concrete path values, query and body. */
interface RequestValues {
  path: string;
  query?: Record<string, string>;
  body?: unknown;
  hasBody: boolean;
}

function requestValuesArb(e: RecordedEndpoint): fc.Arbitrary<RequestValues> {
  const segments = fc.tuple(...e.pathValues.map((values) => recordedOrVariant(values.length > 0 ? values : ['1'])));
  const query = e.query
    ? fc.record(Object.fromEntries(Object.entries(e.query).map(([k, q]) => [k, recordedOrVariant(q.values)])), {
        requiredKeys: Object.entries(e.query).filter(([, q]) => q.always).map(([k]) => k),
      })
    : fc.constant(undefined);
  // A request that needs no captured value and captures one for later requests (a top-level
  // create) mostly sends a recorded body: with a boundary value it is usually refused, and the
  // rest of the sequence would never run.
  const generatedBody = e.body ? fromJsonSchema(e.body) : fc.constant(undefined);
  const recorded = e.bodies && e.bodies.length > 0 ? e.bodies : undefined;
  const body = !recorded
    ? generatedBody
    : e.capture && e.needs.length === 0
      ? fc.oneof({ arbitrary: fc.constantFrom(...recorded), weight: 3 }, { arbitrary: generatedBody, weight: 1 })
      : // Elsewhere mostly a recorded body with ONE leaf set to a boundary value (classic
        // one-point mutation: the rest of the request stays valid, so the edge case is reached),
        // sometimes a whole generated body, sometimes a recorded one.
        fc.oneof({ arbitrary: oneLeafMutation(recorded), weight: 3 }, { arbitrary: generatedBody, weight: 1 }, { arbitrary: fc.constantFrom(...recorded), weight: 1 });
  return fc.record({ segments, query, body }).map(({ segments: values, query: q, body: b }) => {
    let n = 0;
    const p = e.path.split('/').map((seg) => (seg === '{#}' ? values[n++] : seg)).join('/');
    return { path: p, ...(q ? { query: q as Record<string, string> } : {}), ...(e.body ? { body: b } : {}), hasBody: e.body !== undefined };
  });
}

/** The model of a sequence being built: the captures already provided. */
interface SequenceModel {
  captured: Set<string>;
}
/** What a sequence builds: its requests. */
interface SequenceReal {
  requests: HttpRequestSpec[];
}

/** One request of a generated sequence, as a fast-check command: it can run once the
 * captures it needs were provided by an earlier request (`check`), and appends its request. */
class RequestCommand implements fc.Command<SequenceModel, SequenceReal> {
  readonly endpoint: RecordedEndpoint;
  readonly values: RequestValues;
  constructor(endpoint: RecordedEndpoint, values: RequestValues) {
    this.endpoint = endpoint;
    this.values = values;
  }
  check(m: Readonly<SequenceModel>): boolean {
    return this.endpoint.needs.every((n) => m.captured.has(n));
  }
  run(m: SequenceModel, r: SequenceReal): void {
    const e = this.endpoint;
    const v = this.values;
    r.requests.push({
      method: e.method,
      path: v.path,
      ...(v.query && Object.keys(v.query).length > 0 ? { query: v.query } : {}),
      ...(e.headers ? { headers: e.headers } : {}),
      ...(v.hasBody ? { body: { json: v.body } } : {}),
      ...(e.capture ? { capture: e.capture } : {}),
    });
    for (const name of Object.keys(e.capture ?? {})) m.captured.add(name);
  }
  toString(): string {
    return `${this.endpoint.method} ${this.values.path}${this.values.hasBody ? ` ${JSON.stringify(this.values.body)}` : ''}`;
  }
}

/**
 * Model-based request sequences over the recorded endpoints (fast-check `Command`s run with
 * `fc.modelRun`, model: the captured ids): create, read, update and delete calls in any order,
 * a call that needs a captured id (`/orders/{{orderId}}`) only after one that captures it. The
 * variable parts come from the recordings, with boundary values: numeric path segments
 * (`/orders/4` → a recorded id, or `0`, `-4`, `999999999`, …), query values, and JSON bodies from
 * the schema of that endpoint's recorded bodies. Each sequence is one exchange scenario;
 * paritykit runs it from a fresh database on both sides and compares every response (and the
 * database channels).
 *
 * @param scenarios the suite's recorded exchange scenarios (or its baseline).
 * @param options.maxCommands requests per sequence, at most (default 6).
 * @throws ParityError `USAGE` when no recorded exchange scenario has requests.
 */
export function exchangeSequences(scenarios: readonly Scenario[] | Baseline, options: { maxCommands?: number; maxEnum?: number } = {}): fc.Arbitrary<PropertyInput> {
  const endpoints = endpointsOf(scenariosOf(scenarios), options);
  if (endpoints.length === 0) throw new ParityError('USAGE', 'exchangeSequences(): no recorded requests with a JSON body or none; pass the suite\'s exchange scenarios');
  const commandArbs = endpoints.map((e) => requestValuesArb(e).map((values) => new RequestCommand(e, values)));
  // The commands come from optional slots rather than fc.commands, so that shrinking drops
  // every request that does not matter (see optionalSlots).
  return optionalSlots(fc.oneof(...commandArbs), options.maxCommands ?? 6).map((cmds) => {
    const real: SequenceReal = { requests: [] };
    fc.modelRun(() => ({ model: { captured: new Set<string>() }, real }), cmds);
    // A sequence whose every command was refused still needs one request: the first endpoint
    // that needs nothing, as recorded.
    if (real.requests.length === 0) {
      const free = endpoints.find((e) => e.needs.length === 0) ?? endpoints[0];
      let n = 0;
      const p = free.path.split('/').map((seg) => (seg === '{#}' ? free.pathValues[n++]?.[0] ?? '1' : seg)).join('/');
      new RequestCommand(free, { path: p, hasBody: false }).run({ captured: new Set() }, real);
    }
    return { requests: real.requests };
  });
}
