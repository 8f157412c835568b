import { describe, expect, it } from 'vitest';
import { formatCsv, parseCsv, parseCsvRecords } from './csv.ts';

describe('parseCsv', () => {
  it('parses plain fields and CRLF records', () => {
    expect(parseCsv('a,b,c\r\n1,2,3\r\n')).toEqual([
      ['a', 'b', 'c'],
      ['1', '2', '3'],
    ]);
  });

  it('accepts LF and lone CR terminators and a missing final terminator', () => {
    expect(parseCsv('a,b\n1,2\r3,4')).toEqual([
      ['a', 'b'],
      ['1', '2'],
      ['3', '4'],
    ]);
  });

  it('unquotes fields with delimiters, doubled quotes and embedded newlines', () => {
    expect(parseCsv('id,note\r\n1,"a, ""quoted""\r\nline"\r\n2,""\r\n')).toEqual([
      ['id', 'note'],
      ['1', 'a, "quoted"\r\nline'],
      ['2', ''],
    ]);
  });

  it('keeps empty fields and an empty line as one empty field', () => {
    expect(parseCsv(',a,\n\nb')).toEqual([['', 'a', ''], [''], ['b']]);
  });

  it('returns no records for the empty text', () => {
    expect(parseCsv('')).toEqual([]);
  });

  it('is lenient: text after a closing quote is kept, a quote inside a bare field is literal, an unterminated quote runs to the end', () => {
    expect(parseCsv('"a"b,c"d\n"open,x\ny')).toEqual([
      ['ab', 'c"d'],
      ['open,x\ny'],
    ]);
  });

  it('keeps a byte-order mark in the first field', () => {
    expect(parseCsv('\uFEFFid,name\n')).toEqual([['\uFEFFid', 'name']]);
  });

  it('supports another delimiter', () => {
    expect(parseCsv('a;b\n"x;y";z\n', { delimiter: ';' })).toEqual([
      ['a', 'b'],
      ['x;y', 'z'],
    ]);
  });

  it('rejects a delimiter that is not one character', () => {
    expect(() => parseCsv('a', { delimiter: '::' })).toThrow(TypeError);
  });
});

describe('parseCsvRecords', () => {
  it('keeps each record\'s source text and terminator', () => {
    const records = parseCsvRecords('h\r\n"a\nb",c\nlast');
    expect(records.map((r) => [r.raw, r.terminator])).toEqual([
      ['h', '\r\n'],
      ['"a\nb",c', '\n'],
      ['last', ''],
    ]);
  });
});

describe('formatCsv', () => {
  it('quotes only fields that need it and terminates every record', () => {
    expect(formatCsv([['id', 'note'], ['1', 'a,b'], ['2', 'say "hi"'], ['3', 'two\nlines']])).toBe(
      'id,note\n1,"a,b"\n2,"say ""hi"""\n3,"two\nlines"\n',
    );
  });

  it('uses the given delimiter and newline', () => {
    expect(formatCsv([['a', 'b;c']], { delimiter: ';', newline: '\r\n' })).toBe('a;"b;c"\r\n');
  });

  it('returns the empty text for no rows', () => {
    expect(formatCsv([])).toBe('');
  });

  it('round-trips through parseCsv', () => {
    const rows = [['h1', 'h2', ''], ['"', ',', '\r\n'], [''], ['x', ' spaced ', 'é']];
    expect(parseCsv(formatCsv(rows))).toEqual(rows);
    expect(parseCsv(formatCsv(rows, { newline: '\r\n' }))).toEqual(rows);
  });
});
