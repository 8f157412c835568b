/**
 * The JSON (and YAML) comparator: a structural diff of two parsed values, by key and by
 * index, never as text (DESIGN.md: "diff structured data structurally").
 *
 * Numbers are compared as numbers (`1.0` equals `1`), except that numbers with more significant
 * digits than a double holds are kept as their source text by the parser and compared digit
 * for digit, so a rewrite that rounds 64-bit ids (`12345678901234567` → `…568`) is caught.
 */
import { parseAllDocuments } from 'yaml';
import type { Difference, JsonChange } from '../model.ts';
import { matchJsonPath, parseJsonPath, type JsonPathKey, type ParsedJsonPath } from '../normalize/json-path.ts';
import { isRawJson, parseJsonText } from '../normalize/json-text.ts';
import { withinTolerance, type Tolerance } from './tolerance.ts';

/** Options of {@link compareJson}. */
export interface JsonCompareOptions {
  /** Numeric tolerances. One with a `path` applies to the numbers that JSONPath selects; one
   * with neither `path` nor `column` to every number; one with only a `column` is for CSV and
   * ignored here. The first that applies is used (config order). */
  tolerances?: readonly Tolerance[];
}

/** Result of {@link parseStructured}. */
export type StructuredParseResult = { ok: true; value: unknown } | { ok: false; error: string };

/** Longest JSON encoding of a value in `unified` before it is cut with `…`. */
const MAX_VALUE_CHARS = 200;

/**
 * Parses JSON or YAML text into a plain value for {@link compareJson}.
 *
 * - JSON: numbers with more than 15 significant digits stay exact (raw-JSON leaves, see
 *   `normalize/json-text.ts`).
 * - YAML (YAML 1.2 core schema, `yaml` package): integers beyond ±2^53 stay exact the same way
 *   (floats beyond double precision are rounded: a known limit). A stream of several documents
 *   becomes an array of them; the empty text is `null`.
 *
 * @returns `{ ok: true, value }`, or `{ ok: false, error }` with the parser's message. Never throws.
 */
export function parseStructured(text: string, format: 'json' | 'yaml'): StructuredParseResult {
  if (format === 'json') {
    const parsed = parseJsonText(text);
    if (parsed.ok) return { ok: true, value: parsed.value };
    return { ok: false, error: jsonErrorMessage(text) };
  }
  try {
    const docs = parseAllDocuments(text, { intAsBigInt: true });
    const values: unknown[] = [];
    for (const doc of docs) {
      const first = doc.errors[0];
      if (first) return { ok: false, error: first.message };
      values.push(exactIntegers(doc.toJS()));
    }
    return { ok: true, value: values.length === 0 ? null : values.length === 1 ? values[0] : values };
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) };
  }
}

function jsonErrorMessage(text: string): string {
  try {
    JSON.parse(text);
    return 'not valid JSON';
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

const rawJson = (JSON as unknown as { rawJSON?: (text: string) => unknown }).rawJSON;

/** YAML was parsed with `intAsBigInt`: back to numbers where exact, raw-JSON text beyond ±2^53. */
function exactIntegers(value: unknown): unknown {
  if (typeof value === 'bigint') {
    const n = Number(value);
    return Number.isSafeInteger(n) || !rawJson ? n : rawJson(value.toString());
  }
  if (Array.isArray(value)) return value.map(exactIntegers);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, exactIntegers(v)]));
  }
  return value;
}

/**
 * Compares two parsed JSON/YAML values structurally.
 *
 * - objects by key, order-insensitive: a key only in the legacy is `removed`, only in the
 *   candidate `added`;
 * - arrays by index: elements past the shorter array's end are `added` / `removed`;
 * - a different JSON type (`"1"` vs `1`, object vs array, `null` vs anything) is one `type` change;
 * - numbers equal as numbers, or within the applicable tolerance.
 *
 * Paths are JSONPath: `$.items[3].price`, `$["odd key"]` for keys that are not plain identifiers.
 * Changes are listed depth-first, legacy key order first, then keys only the candidate has.
 *
 * @returns `null` when equal; otherwise a `json` {@link Difference}: summary like
 *  `3 JSON paths differ (2 changed, 1 added)` (`1 JSON path differs: $.a changed` for one),
 *  `unified` one line per change (`~ $.a: 1 → 2`, `+ $.b: "x"`, `- $.c: true`,
 *  `~ $.d: "1" → 1 (string → number)`), values JSON-encoded and cut at ~200 characters.
 * @throws ParityError `CONFIG_INVALID` when a tolerance's `path` is not a supported JSONPath.
 */
export function compareJson(legacy: unknown, candidate: unknown, options: JsonCompareOptions = {}): Difference | null {
  const tolerances = (options.tolerances ?? [])
    .filter((t) => t.path !== undefined || t.column === undefined)
    .map((t) => ({ tolerance: t, path: t.path === undefined ? null : parseJsonPath(t.path) }));
  const changes: JsonChange[] = [];
  walk(legacy, candidate, [], { tolerances, changes });
  if (changes.length === 0) return null;
  return {
    kind: 'json',
    summary: jsonSummary(changes),
    unified: changes.map(renderChange).join('\n'),
    changes,
  };
}

interface WalkContext {
  tolerances: Array<{ tolerance: Tolerance; path: ParsedJsonPath | null }>;
  changes: JsonChange[];
}

type JsonType = 'null' | 'array' | 'object' | 'string' | 'number' | 'boolean' | 'other';

function typeOf(value: unknown): JsonType {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (isRawJson(value) || typeof value === 'number' || typeof value === 'bigint') return 'number';
  switch (typeof value) {
    case 'string':
      return 'string';
    case 'boolean':
      return 'boolean';
    case 'object':
      return 'object';
    default:
      return 'other';
  }
}

function walk(a: unknown, b: unknown, keys: JsonPathKey[], ctx: WalkContext): void {
  const ta = typeOf(a);
  const tb = typeOf(b);
  if (ta !== tb) {
    ctx.changes.push({ path: formatPath(keys), kind: 'type', legacy: a, candidate: b });
    return;
  }
  if (ta === 'object') {
    const ao = a as Record<string, unknown>;
    const bo = b as Record<string, unknown>;
    for (const key of Object.keys(ao)) {
      if (Object.hasOwn(bo, key)) walk(ao[key], bo[key], [...keys, key], ctx);
      else ctx.changes.push({ path: formatPath([...keys, key]), kind: 'removed', legacy: ao[key] });
    }
    for (const key of Object.keys(bo)) {
      if (!Object.hasOwn(ao, key)) ctx.changes.push({ path: formatPath([...keys, key]), kind: 'added', candidate: bo[key] });
    }
  } else if (ta === 'array') {
    const aa = a as unknown[];
    const ba = b as unknown[];
    const common = Math.min(aa.length, ba.length);
    for (let i = 0; i < common; i++) walk(aa[i], ba[i], [...keys, i], ctx);
    for (let i = common; i < aa.length; i++) ctx.changes.push({ path: formatPath([...keys, i]), kind: 'removed', legacy: aa[i] });
    for (let i = common; i < ba.length; i++) ctx.changes.push({ path: formatPath([...keys, i]), kind: 'added', candidate: ba[i] });
  } else if (ta === 'number') {
    if (!numbersEqual(a, b) && !tolerated(a, b, keys, ctx)) {
      ctx.changes.push({ path: formatPath(keys), kind: 'changed', legacy: a, candidate: b });
    }
  } else if (a !== b) {
    ctx.changes.push({ path: formatPath(keys), kind: 'changed', legacy: a, candidate: b });
  }
}

/** Source text of a number (raw-JSON leaves keep theirs; doubles use their shortest round-trip form). */
function numberText(value: unknown): string {
  if (isRawJson(value)) return (value as { rawJSON: string }).rawJSON;
  return String(value);
}

function numbersEqual(a: unknown, b: unknown): boolean {
  if (typeof a === 'number' && typeof b === 'number') return a === b || (Number.isNaN(a) && Number.isNaN(b));
  return canonicalDecimal(numberText(a)) === canonicalDecimal(numberText(b));
}

/**
 * Canonical form of a decimal literal, so that equal values have equal text:
 * `-0.00120e5` → `-12e1`, `120` → `12e1`, `0.0` → `0`. Non-decimal text (`Infinity`) is returned as is.
 */
function canonicalDecimal(text: string): string {
  const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text);
  if (!m) return text;
  const fraction = m[3] ?? '';
  let digits = (m[2] + fraction).replace(/^0+/, '');
  let exponent = Number(m[4] ?? 0) - fraction.length;
  if (digits === '') return '0';
  const trimmed = digits.replace(/0+$/, '');
  exponent += digits.length - trimmed.length;
  digits = trimmed;
  return `${m[1] === '-' ? '-' : ''}${digits}e${exponent}`;
}

function tolerated(a: unknown, b: unknown, keys: JsonPathKey[], ctx: WalkContext): boolean {
  const applicable = ctx.tolerances.find((t) => t.path === null || matchJsonPath(t.path, keys));
  return applicable !== undefined && withinTolerance(Number(numberText(a)), Number(numberText(b)), applicable.tolerance);
}

/** `$.items[3].price`; `$["odd key"]` for a key that is not a plain identifier. */
function formatPath(keys: readonly JsonPathKey[]): string {
  let out = '$';
  for (const key of keys) {
    if (typeof key === 'number') out += `[${key}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) out += `.${key}`;
    else out += `[${JSON.stringify(key)}]`;
  }
  return out;
}

function jsonSummary(changes: JsonChange[]): string {
  if (changes.length === 1) {
    const [c] = changes;
    return `1 JSON path differs: ${c.path} ${c.kind === 'type' ? 'changed type' : c.kind}`;
  }
  const counts = new Map<string, number>();
  for (const c of changes) {
    const word = c.kind === 'type' ? 'changed type' : c.kind;
    counts.set(word, (counts.get(word) ?? 0) + 1);
  }
  const order = ['changed', 'changed type', 'added', 'removed'];
  const parts = order.filter((w) => counts.has(w)).map((w) => `${counts.get(w)} ${w}`);
  return `${changes.length} JSON paths differ (${parts.join(', ')})`;
}

function renderChange(c: JsonChange): string {
  switch (c.kind) {
    case 'added':
      return `+ ${c.path}: ${encode(c.candidate)}`;
    case 'removed':
      return `- ${c.path}: ${encode(c.legacy)}`;
    case 'type':
      return `~ ${c.path}: ${encode(c.legacy)} → ${encode(c.candidate)} (${typeOf(c.legacy)} → ${typeOf(c.candidate)})`;
    default:
      return `~ ${c.path}: ${encode(c.legacy)} → ${encode(c.candidate)}`;
  }
}

/** JSON encoding for display, cut to {@link MAX_VALUE_CHARS}; non-JSON values (NaN, undefined) as JS text. */
function encode(value: unknown): string {
  let text: string;
  if (typeof value === 'number' && !Number.isFinite(value)) text = String(value);
  else {
    try {
      text = JSON.stringify(value) ?? String(value);
    } catch {
      text = String(value);
    }
  }
  return text.length > MAX_VALUE_CHARS ? `${text.slice(0, MAX_VALUE_CHARS - 1)}…` : text;
}
