import { describe, expect, it } from 'vitest';
import { compareContent } from './index.ts';

describe('compareContent', () => {
  it('compares JSON structurally: formatting and key order are not differences', () => {
    expect(compareContent('{"a":1,"b":[1,2]}', '{\n  "b": [1, 2],\n  "a": 1\n}\n', 'json')).toBeNull();
    const d = compareContent(Buffer.from('{"a":1}'), Buffer.from('{"a":2}'), 'json');
    expect(d?.kind).toBe('json');
    expect(d?.summary).toBe('1 JSON path differs: $.a changed');
  });

  it('passes tolerances to the JSON and CSV comparators', () => {
    const tolerances = [{ path: '$.t', absolute: 0.5 }, { column: 'amount', absolute: 0.5 }];
    expect(compareContent('{"t": 1}', '{"t": 1.5}', 'json', { tolerances })).toBeNull();
    expect(compareContent('amount\n1\n', 'amount\n1.5\n', 'csv', { tolerances })).toBeNull();
  });

  it('compares YAML structurally', () => {
    expect(compareContent('a: 1\nb: x\n', 'b: x\na: 1\n', 'yaml')).toBeNull();
    expect(compareContent('a: 1\n', 'a: 2\n', 'yaml')?.kind).toBe('json');
  });

  it('falls back to text when a JSON side does not parse, and says why', () => {
    const d = compareContent('{"a": 1}\n', '{"a": 1\n', 'json', { label: 'out.json' });
    expect(d?.kind).toBe('text');
    expect(d?.summary).toMatch(/^candidate is not valid JSON \(.+\); compared as text: 1 line changed$/);
    expect(d?.unified.split('\n').slice(0, 2)).toEqual(['--- legacy/out.json', '+++ candidate/out.json']);
    expect(compareContent('not json', 'not json', 'json')).toBeNull();
  });

  it('uses the key column for CSV', () => {
    const d = compareContent('id,v\n1,a\n2,b\n', 'id,v\n2,b\n1,a\n', 'csv', { csvKey: 'id' });
    expect(d?.kind).toBe('csv');
    expect(d?.summary).toBe('1 row moved');
  });

  it('diffs text and xml by line, with the text options', () => {
    const d = compareContent('a\nb\nc\nd\n', 'a\nb\nc\nX\n', 'text', { label: 'stdout', text: { context: 1 } });
    expect(d?.kind === 'text' && d.hunks).toEqual([{ oldStart: 3, oldLines: 2, newStart: 3, newLines: 2, lines: [' c', '-d', '+X'] }]);
    expect(compareContent('<a/>\n', '<b/>\n', 'xml')?.kind).toBe('text');
  });

  it('compares non-UTF-8 buffers of a text format as binary', () => {
    const latin1 = Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x0a]); // "café\n" in Latin-1: invalid UTF-8
    const d = compareContent(latin1, 'café\n', 'text');
    expect(d?.kind).toBe('binary');
    expect(d?.kind === 'binary' && [d.legacy.size, d.candidate.size]).toEqual([5, 6]);
    expect(compareContent(latin1, Buffer.from(latin1), 'csv')).toBeNull();
  });

  it('compares binary and image formats as bytes', () => {
    expect(compareContent(Buffer.from('a'), Buffer.from('a'), 'image')).toBeNull();
    expect(compareContent('a', 'b', 'binary')?.kind).toBe('binary');
  });

  it('keeps a byte-order mark visible to the text diff', () => {
    const d = compareContent(Buffer.from('\uFEFFhello\n'), Buffer.from('hello\n'), 'text');
    expect(d?.kind).toBe('text');
    expect(d?.kind === 'text' && d.hunks[0].lines).toEqual(['-\uFEFFhello', '+hello']);
  });
});
