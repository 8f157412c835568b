/**
 * Parser of the text that PostgreSQL's built-in `test_decoding` logical decoding plugin
 * writes (one `data` value per change of `pg_logical_slot_get_changes`), and the typing of
 * column values printed as text into {@link DbValue}s.
 *
 * The format is the one of `contrib/test_decoding/test_decoding.c` (PostgreSQL 13–18):
 * - `BEGIN` / `COMMIT` (with `include-xids` off);
 * - `table <schema>.<table>: INSERT: <columns>`;
 * - `table <schema>.<table>: UPDATE: [old-key: <columns> new-tuple: ]<columns>`;
 * - `table <schema>.<table>: DELETE: <columns> | (no-tuple-data)`;
 * - `table <s>.<t>[, <s>.<t>…]: TRUNCATE: (no-flags) | restart_seqs | cascade…`;
 * - `message: transactional: …` for `pg_logical_emit_message` (ignored here);
 * where `<columns>` is `name[type]:value` separated by single spaces, names and
 * schema/table quoted as `quote_identifier` does, `type` as `format_type` prints it, and
 * `value` either `null`, the unquoted output of integer/float/numeric/oid/boolean types, the
 * bit-string form `B'0101'`, `unchanged-toast-datum`, or the type's text output quoted in
 * single quotes with `'` doubled.
 *
 * @see https://www.postgresql.org/docs/current/test-decoding.html
 * @see docs/baseline-format.md "Row-change events"
 */
import { ParityError } from '../harness/errors.ts';
import type { DbRow, DbValue } from '../harness/model.ts';

/**
 * The value an UPDATE carries for a TOASTed column it did not change, when the old row is
 * not known (no `REPLICA IDENTITY FULL`): PostgreSQL does not re-send such values. With the
 * old row known, the capture fills the value in from `before` instead (docs/baseline-format.md).
 */
export const UNCHANGED_TOAST = '(unchanged-toast-datum)';

/** One decoded line of `test_decoding` output. */
export type DecodedLine =
  | { kind: 'begin' }
  | { kind: 'commit' }
  | { kind: 'message' }
  | { kind: 'change'; op: 'c' | 'u' | 'd'; schema: string; table: string; before: DbRow | null; after: DbRow | null }
  | { kind: 'truncate'; tables: Array<{ schema: string; table: string }> };

/**
 * Parses one `data` value of `test_decoding` output.
 *
 * For an UPDATE with an `old-key:` part, `before` is that old row (the whole row with
 * `REPLICA IDENTITY FULL`, else the key columns, and only when the key changed); without it
 * `before` is null. Unchanged TOAST values in `after` are copied from `before` when it has the
 * column, else left as {@link UNCHANGED_TOAST}. A DELETE's `before` is null when the plugin
 * printed `(no-tuple-data)` (a table without a replica identity).
 *
 * @throws ParityError `INTERNAL` naming the offending text when the line does not follow the
 *   format (a plugin version this parser does not know).
 */
export function parseTestDecodingLine(data: string): DecodedLine {
  if (data === 'BEGIN' || data.startsWith('BEGIN ')) return { kind: 'begin' };
  if (data === 'COMMIT' || data.startsWith('COMMIT ')) return { kind: 'commit' };
  if (data.startsWith('message:')) return { kind: 'message' };
  if (!data.startsWith('table ')) throw formatError(data, 'expected BEGIN, COMMIT, message: or table');
  const cursor = { text: data, pos: 'table '.length };
  const tables: Array<{ schema: string; table: string }> = [];
  for (;;) {
    const schema = readIdentifier(cursor);
    expect(cursor, '.');
    const table = readIdentifier(cursor);
    tables.push({ schema, table });
    if (cursor.text.startsWith(', ', cursor.pos)) {
      cursor.pos += 2;
      continue;
    }
    expect(cursor, ': ');
    break;
  }
  const colon = data.indexOf(':', cursor.pos);
  if (colon < 0) throw formatError(data, 'no action after the table name');
  const action = data.slice(cursor.pos, colon);
  cursor.pos = colon + 1;
  if (data[cursor.pos] === ' ') cursor.pos += 1;
  const { schema, table } = tables[0];
  switch (action) {
    case 'TRUNCATE':
      return { kind: 'truncate', tables };
    case 'INSERT':
      return { kind: 'change', op: 'c', schema, table, before: null, after: readTuple(cursor) };
    case 'DELETE':
      return { kind: 'change', op: 'd', schema, table, before: readTuple(cursor), after: null };
    case 'UPDATE': {
      let before: DbRow | null = null;
      if (data.startsWith('old-key: ', cursor.pos)) {
        cursor.pos += 'old-key: '.length;
        before = readColumns(cursor, ' new-tuple: ');
        expect(cursor, ' new-tuple: ');
      }
      const after = readTuple(cursor);
      if (after && before) {
        for (const [name, value] of Object.entries(after)) {
          if (value === UNCHANGED_TOAST && name in before) after[name] = before[name];
        }
      }
      return { kind: 'change', op: 'u', schema, table, before, after };
    }
    default:
      throw formatError(data, `unknown action ${JSON.stringify(action)}`);
  }
}

interface Cursor {
  text: string;
  pos: number;
}

function formatError(data: string, what: string): ParityError {
  const shown = data.length > 200 ? `${data.slice(0, 200)}…` : data;
  return new ParityError('INTERNAL', `test_decoding output not understood (${what}): ${JSON.stringify(shown)}; please report it with the PostgreSQL version`);
}

function expect(cursor: Cursor, token: string): void {
  if (!cursor.text.startsWith(token, cursor.pos)) throw formatError(cursor.text, `expected ${JSON.stringify(token)} at offset ${cursor.pos}`);
  cursor.pos += token.length;
}

/** An identifier as `quote_identifier` prints it: bare, or in double quotes with `"` doubled. */
function readIdentifier(cursor: Cursor): string {
  const { text } = cursor;
  if (text[cursor.pos] === '"') {
    let out = '';
    let i = cursor.pos + 1;
    for (;;) {
      const q = text.indexOf('"', i);
      if (q < 0) throw formatError(text, 'unterminated quoted identifier');
      out += text.slice(i, q);
      if (text[q + 1] === '"') {
        out += '"';
        i = q + 2;
      } else {
        cursor.pos = q + 1;
        return out;
      }
    }
  }
  const start = cursor.pos;
  // Bare identifiers are lower-case letters, digits, `_` and `$` (quote_identifier's rule).
  while (cursor.pos < text.length && isBareIdentifierChar(text.charCodeAt(cursor.pos))) cursor.pos += 1;
  if (cursor.pos === start) throw formatError(text, `expected an identifier at offset ${start}`);
  return text.slice(start, cursor.pos);
}

function isBareIdentifierChar(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x5f || c === 0x24;
}

function readTuple(cursor: Cursor): DbRow | null {
  if (cursor.text.startsWith('(no-tuple-data)', cursor.pos)) {
    cursor.pos += '(no-tuple-data)'.length;
    return null;
  }
  return readColumns(cursor, null);
}

/** Reads `name[type]:value` pairs separated by one space, up to the end or to `stop`. */
function readColumns(cursor: Cursor, stop: string | null): DbRow {
  const row: DbRow = {};
  const { text } = cursor;
  for (;;) {
    if (cursor.pos >= text.length) return row;
    if (stop !== null && text.startsWith(stop, cursor.pos)) return row;
    const name = readIdentifier(cursor);
    expect(cursor, '[');
    const end = text.indexOf(']:', cursor.pos);
    if (end < 0) throw formatError(text, `no type for column ${name}`);
    const type = text.slice(cursor.pos, end);
    cursor.pos = end + 2;
    row[name] = readValue(cursor, type);
    if (cursor.pos < text.length && text[cursor.pos] === ' ' && !(stop !== null && text.startsWith(stop, cursor.pos))) cursor.pos += 1;
  }
}

function readValue(cursor: Cursor, type: string): DbValue {
  const { text } = cursor;
  if (text[cursor.pos] === "'") {
    let out = '';
    let i = cursor.pos + 1;
    for (;;) {
      const q = text.indexOf("'", i);
      if (q < 0) throw formatError(text, 'unterminated quoted value');
      out += text.slice(i, q);
      if (text[q + 1] === "'") {
        out += "'";
        i = q + 2;
      } else {
        cursor.pos = q + 1;
        return typeValue(type, out);
      }
    }
  }
  let end = text.indexOf(' ', cursor.pos);
  if (end < 0) end = text.length;
  const raw = text.slice(cursor.pos, end);
  cursor.pos = end;
  if (raw === 'null') return null;
  if (raw === 'unchanged-toast-datum') return UNCHANGED_TOAST;
  // Bit strings: B'0101' (test_decoding's form for bit and bit varying).
  if (raw.startsWith("B'") && raw.endsWith("'")) return raw.slice(2, -1);
  return typeValue(type, raw);
}

const INTEGER_TYPES = new Set(['smallint', 'integer', 'bigint', 'oid']);
const FLOAT_TYPES = new Set(['real', 'double precision']);

/**
 * Types `text`, a value as PostgreSQL's output function printed it for type `type`
 * (`format_type` text: `integer`, `numeric(10,2)`, `text[]`, `timestamp with time zone`):
 *
 * | type | value |
 * |---|---|
 * | smallint, integer, bigint, oid | number; beyond ±2^53 the digits as a string |
 * | real, double precision | number; `NaN`, `Infinity`, `-Infinity` as strings |
 * | numeric | number when it converts exactly (same decimal digits back), else the digits as a string |
 * | boolean | `true`/`false` (`t`/`f` accepted) |
 * | json, jsonb | `{ json: parsed }` |
 * | bytea | `{ base64 }` of the bytes (`\x` hex input) |
 * | `…[]` (arrays) | arrays (nested for several dimensions), elements typed by the element type |
 * | anything else (text, varchar, char, uuid, date, time, timestamps, interval, enums, …) | the text as printed |
 *
 * Timestamps stay as printed (ISO form `2024-01-02 03:04:05.123+00`); the servers paritykit
 * starts use `timezone=UTC`, so they print the same on every machine.
 */
export function typeValue(type: string, text: string): DbValue {
  let typer = typers.get(type);
  if (!typer) {
    typer = typerFor(type);
    // Type names come from the catalog: few distinct ones, but bound the cache anyway.
    if (typers.size > 10_000) typers.clear();
    typers.set(type, typer);
  }
  return typer(text);
}

/** Typing function per `format_type` text: the type dispatch runs once per type, not per value. */
const typers = new Map<string, (text: string) => DbValue>();

function typerFor(type: string): (text: string) => DbValue {
  if (type.endsWith('[]')) {
    const element = type.slice(0, -2);
    return (text) => parseArrayLiteral(text, element);
  }
  const base = type.replace(/\(.*\)$/, '');
  if (INTEGER_TYPES.has(base)) return integerValue;
  if (FLOAT_TYPES.has(base)) {
    return (text) => {
      const n = Number(text);
      return Number.isFinite(n) && /^[-+0-9.eE]+$/.test(text) ? n : text;
    };
  }
  if (base === 'numeric') return numericValue;
  if (base === 'boolean') return (text) => text === 'true' || text === 't';
  if (base === 'json' || base === 'jsonb') {
    return (text) => {
      try {
        return { json: JSON.parse(text) as unknown };
      } catch {
        return text;
      }
    };
  }
  if (base === 'bytea') return (text) => ({ base64: byteaToBuffer(text).toString('base64') });
  return (text) => text;
}

function integerValue(text: string): DbValue {
  const n = Number(text);
  // Number('') is 0 and Number(' 1') is 1: only plain digits are numbers.
  return Number.isSafeInteger(n) && text.length > 0 && text.trim() === text ? n : text;
}

/** `numeric` as a number when nothing is lost: `12.50` → 12.5, `0.1` → 0.1, but
 * `12345678901234567890.5` or `NaN` stay strings. */
function numericValue(text: string): DbValue {
  if (!/^-?\d+(\.\d+)?$/.test(text)) return text;
  const n = Number(text);
  // Up to 15 significant digits (DBL_DIG) a decimal survives the trip through a double.
  const digits = text.length - (text.startsWith('-') ? 1 : 0) - (text.includes('.') ? 1 : 0);
  if (digits <= 15) return n;
  if (!Number.isFinite(n)) return text;
  return canonicalDecimal(String(n)) === canonicalDecimal(text) ? n : text;
}

/** A decimal without a sign of zero, leading zeros of the integer part or trailing fraction zeros. */
function canonicalDecimal(text: string): string {
  let [int, frac = ''] = text.replace(/^-/, '').split('.');
  int = int.replace(/^0+(?=\d)/, '');
  frac = frac.replace(/0+$/, '');
  const body = frac ? `${int}.${frac}` : int;
  return text.startsWith('-') && body !== '0' ? `-${body}` : body;
}

/** bytea's output: hex (`\xdeadbeef`, the default since 9.0) or the old escape format. */
function byteaToBuffer(text: string): Buffer {
  if (text.startsWith('\\x')) return Buffer.from(text.slice(2), 'hex');
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i += 1) {
    if (text[i] === '\\' && text[i + 1] === '\\') {
      bytes.push(0x5c);
      i += 1;
    } else if (text[i] === '\\' && /^[0-7]{3}$/.test(text.slice(i + 1, i + 4))) {
      bytes.push(Number.parseInt(text.slice(i + 1, i + 4), 8));
      i += 3;
    } else {
      bytes.push(...Buffer.from(text[i], 'utf8'));
    }
  }
  return Buffer.from(bytes);
}

/**
 * Parses a PostgreSQL array literal (`{1,NULL,3}`, `{"a b","c,d","\"x\""}`, `{{1,2},{3,4}}`,
 * optionally with dimension bounds `[0:1]={…}`), typing each element as `elementType`.
 * Unquoted `NULL` is null; quoted elements have `\` escapes. Follows `array_out`
 * (src/backend/utils/adt/arrayfuncs.c); the delimiter is `,` (`;` only for `box`, kept as text).
 */
export function parseArrayLiteral(text: string, elementType: string): DbValue {
  let s = text;
  const eq = s.indexOf('=');
  if (s.startsWith('[') && eq > 0) s = s.slice(eq + 1);
  if (!s.startsWith('{')) return text;
  let pos = 0;
  const parseLevel = (): DbValue[] => {
    pos += 1; // '{'
    const out: DbValue[] = [];
    if (s[pos] === '}') {
      pos += 1;
      return out;
    }
    for (;;) {
      if (s[pos] === '{') {
        out.push(parseLevel());
      } else if (s[pos] === '"') {
        let value = '';
        pos += 1;
        while (pos < s.length && s[pos] !== '"') {
          if (s[pos] === '\\') pos += 1;
          value += s[pos];
          pos += 1;
        }
        pos += 1;
        out.push(typeValue(elementType, value));
      } else {
        let end = pos;
        while (end < s.length && s[end] !== ',' && s[end] !== '}') end += 1;
        const raw = s.slice(pos, end).trim();
        pos = end;
        out.push(raw === 'NULL' ? null : typeValue(elementType, raw));
      }
      if (s[pos] === ',') {
        pos += 1;
        continue;
      }
      if (s[pos] === '}') {
        pos += 1;
        return out;
      }
      throw new ParityError('INTERNAL', `array literal not understood at offset ${pos}: ${JSON.stringify(text.slice(0, 200))}`);
    }
  };
  return parseLevel();
}
