import { describe, expect, it } from 'vitest';
import { ParityError } from '../harness/errors.ts';
import { parseArrayLiteral, parseTestDecodingLine, typeValue, UNCHANGED_TOAST } from './test-decoding.ts';

describe('parseTestDecodingLine', () => {
  it('reads BEGIN, COMMIT (with or without xids) and messages', () => {
    expect(parseTestDecodingLine('BEGIN')).toEqual({ kind: 'begin' });
    expect(parseTestDecodingLine('BEGIN 757')).toEqual({ kind: 'begin' });
    expect(parseTestDecodingLine('COMMIT 757')).toEqual({ kind: 'commit' });
    expect(parseTestDecodingLine('message: transactional: 1 prefix: paritykit, sz: 3 content:end')).toEqual({ kind: 'message' });
  });

  it('types the columns of an INSERT, with quotes doubled and spaces inside values', () => {
    const line = parseTestDecodingLine(
      `table public.t1: INSERT: id[integer]:1 c[bigint]:9007199254740993 bo[boolean]:true tx[text]:'it''s "q" a[b]:c' n[numeric]:12.50 e[text]:null`,
    );
    expect(line).toEqual({
      kind: 'change',
      op: 'c',
      schema: 'public',
      table: 't1',
      before: null,
      after: { id: 1, c: '9007199254740993', bo: true, tx: `it's "q" a[b]:c`, n: 12.5, e: null },
    });
  });

  it('reads quoted schema, table and column names', () => {
    const line = parseTestDecodingLine(`table "My Schema"."Order ""x""": INSERT: "Weird Col"[text]:'v' "select"[integer]:2`);
    expect(line).toMatchObject({ schema: 'My Schema', table: 'Order "x"', after: { 'Weird Col': 'v', select: 2 } });
  });

  it('splits an UPDATE into the old row and the new row, and fills unchanged TOAST values from the old row', () => {
    const line = parseTestDecodingLine(
      `table public.docs: UPDATE: old-key: id[integer]:1 body[text]:'long' note[text]:'a' new-tuple: id[integer]:1 body[text]:unchanged-toast-datum note[text]:'b'`,
    );
    expect(line).toEqual({
      kind: 'change',
      op: 'u',
      schema: 'public',
      table: 'docs',
      before: { id: 1, body: 'long', note: 'a' },
      after: { id: 1, body: 'long', note: 'b' },
    });
  });

  it('marks an unchanged TOAST value when the old row is unknown', () => {
    const line = parseTestDecodingLine(`table public.docs: UPDATE: id[integer]:1 body[text]:unchanged-toast-datum`);
    expect(line).toMatchObject({ before: null, after: { id: 1, body: UNCHANGED_TOAST } });
  });

  it('reads DELETE with and without tuple data', () => {
    expect(parseTestDecodingLine('table public.nopk: DELETE: (no-tuple-data)')).toMatchObject({ op: 'd', before: null, after: null });
    expect(parseTestDecodingLine('table public.t: DELETE: id[integer]:3')).toMatchObject({ op: 'd', before: { id: 3 }, after: null });
  });

  it('reads TRUNCATE of several tables', () => {
    expect(parseTestDecodingLine('table public.nopk, other.t1: TRUNCATE: restart_seqs cascade')).toEqual({
      kind: 'truncate',
      tables: [
        { schema: 'public', table: 'nopk' },
        { schema: 'other', table: 't1' },
      ],
    });
  });

  it('keeps a value containing " new-tuple: " inside quotes', () => {
    const line = parseTestDecodingLine(`table public.t: UPDATE: old-key: id[integer]:1 v[text]:' new-tuple: x' new-tuple: id[integer]:1 v[text]:'y'`);
    expect(line).toMatchObject({ before: { id: 1, v: ' new-tuple: x' }, after: { id: 1, v: 'y' } });
  });

  it('throws a ParityError naming the text for an unknown format', () => {
    expect(() => parseTestDecodingLine('tabel x')).toThrow(ParityError);
    expect(() => parseTestDecodingLine('table public.t: MERGE: x[integer]:1')).toThrow(/unknown action "MERGE"/);
  });
});

describe('typeValue', () => {
  it('types numbers, keeping what a double cannot hold as text', () => {
    expect(typeValue('smallint', '-3')).toBe(-3);
    expect(typeValue('bigint', '9007199254740991')).toBe(9007199254740991);
    expect(typeValue('bigint', '-9007199254740993')).toBe('-9007199254740993');
    expect(typeValue('numeric(10,2)', '0.10')).toBe(0.1);
    expect(typeValue('numeric', '12345678901234567890.5')).toBe('12345678901234567890.5');
    expect(typeValue('numeric', 'NaN')).toBe('NaN');
    expect(typeValue('real', '1.5')).toBe(1.5);
    expect(typeValue('double precision', 'Infinity')).toBe('Infinity');
    expect(typeValue('double precision', '1e+300')).toBe(1e300);
  });

  it('types booleans, JSON, bytea and leaves other types as printed', () => {
    expect(typeValue('boolean', 'false')).toBe(false);
    expect(typeValue('jsonb', '{"a": [1, null]}')).toEqual({ json: { a: [1, null] } });
    expect(typeValue('bytea', '\\xdeadbeef')).toEqual({ base64: Buffer.from([0xde, 0xad, 0xbe, 0xef]).toString('base64') });
    expect(typeValue('timestamp with time zone', '2024-01-02 01:04:05+00')).toBe('2024-01-02 01:04:05+00');
    expect(typeValue('character(3)', 'c  ')).toBe('c  ');
  });
});

describe('parseArrayLiteral', () => {
  it('reads quoted, escaped, NULL and nested elements with the element type', () => {
    expect(parseArrayLiteral('{1,NULL,3}', 'integer')).toEqual([1, null, 3]);
    expect(parseArrayLiteral('{"a b","c,d","\\"x\\"",NULL,"NULL"}', 'text')).toEqual(['a b', 'c,d', '"x"', null, 'NULL']);
    expect(parseArrayLiteral('{{1,2},{3,4}}', 'integer')).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect(parseArrayLiteral('[0:1]={7,8}', 'bigint')).toEqual([7, 8]);
    expect(parseArrayLiteral('{}', 'text')).toEqual([]);
    expect(typeValue('jsonb[]', '{"{\\"a\\": 1}"}')).toEqual([{ json: { a: 1 } }]);
  });
});
