/**
 * Parsing and re-serializing JSON content for the JSON normalizers (`jsonPaths`, `sortKeys`)
 * without losing what distinguishes two outputs.
 *
 * `JSON.parse` turns every number into a double, so `12345678901234567` and
 * `12345678901234568` both become `12345678901234568`: normalizing would hide exactly the
 * rounding bug a JavaScript rewrite of a Python or Java legacy tends to introduce. Numbers
 * with more significant digits than a double holds exactly (15, C's `DBL_DIG`) are therefore
 * kept as their source text, using the JSON.parse source-text access and `JSON.rawJSON`
 * proposal (TC39 stage 3, shipped in V8 11.4 / Node 21).
 */

/** A JSON value as parsed by {@link parseJsonText}: plain data, where a number too precise for
 * a double is an opaque raw-JSON leaf (see {@link isRawJson}). */
export type JsonValue = unknown;

/** Result of {@link parseJsonText}. */
export type JsonParseResult = { ok: true; value: JsonValue } | { ok: false };

interface JsonSourceAccess {
  rawJSON(text: string): object;
  isRawJSON(value: unknown): boolean;
}

const json = JSON as unknown as JSON & Partial<JsonSourceAccess>;
const hasSourceAccess = typeof json.rawJSON === 'function' && typeof json.isRawJSON === 'function';

/** Significant digits a double always represents exactly (C's DBL_DIG). */
const EXACT_DIGITS = 15;

/**
 * Parses JSON text. Leading and trailing whitespace is allowed, as by `JSON.parse`.
 *
 * @returns `{ ok: true, value }`, or `{ ok: false }` when the text is not JSON (never throws).
 */
export function parseJsonText(text: string): JsonParseResult {
  try {
    const value: unknown = hasSourceAccess ? JSON.parse(text, keepPreciseNumbers) : JSON.parse(text);
    return { ok: true, value };
  } catch {
    return { ok: false };
  }
}

/**
 * Serializes a value the way the JSON normalizers do: `JSON.stringify(value, null, 2)`, raw
 * numbers written as their source text.
 */
export function formatJsonText(value: JsonValue): string {
  return JSON.stringify(value, null, 2);
}

/**
 * True for a raw-JSON leaf (a number kept as source text). Walkers must treat it as a leaf:
 * it is a frozen object whose only key is `rawJSON`.
 */
export function isRawJson(value: unknown): boolean {
  return hasSourceAccess && typeof value === 'object' && value !== null && json.isRawJSON!(value);
}

function keepPreciseNumbers(_key: string, value: unknown, context?: { source?: string }): unknown {
  if (typeof value !== 'number' || context?.source === undefined) return value;
  return significantDigits(context.source) > EXACT_DIGITS ? json.rawJSON!(context.source) : value;
}

/** Counts the significant digits of a JSON number's source text (`-0.00120e5` → 2). */
function significantDigits(source: string): number {
  const mantissa = source.replace(/^-/, '').replace(/[eE].*$/, '');
  const digits = mantissa.replace('.', '').replace(/^0+/, '');
  const trimmed = mantissa.includes('.') ? digits.replace(/0+$/, '') : digits;
  return trimmed.length;
}
