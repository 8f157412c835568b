import { describe, expect, it } from 'vitest';
import { ParityError } from '../errors.ts';
import { formatJsonPath, matchJsonPath, parseJsonPath, replaceJsonPaths } from './json-path.ts';

describe('parseJsonPath', () => {
  it('parses every supported form', () => {
    expect(parseJsonPath('$').segments).toEqual([]);
    expect(parseJsonPath(`$.a['b c']["d"][3][*].*..e..*..[0]`).segments).toEqual([
      { descendant: false, selector: { kind: 'key', key: 'a' } },
      { descendant: false, selector: { kind: 'key', key: 'b c' } },
      { descendant: false, selector: { kind: 'key', key: 'd' } },
      { descendant: false, selector: { kind: 'index', index: 3 } },
      { descendant: false, selector: { kind: 'wildcard' } },
      { descendant: false, selector: { kind: 'wildcard' } },
      { descendant: true, selector: { kind: 'key', key: 'e' } },
      { descendant: true, selector: { kind: 'wildcard' } },
      { descendant: true, selector: { kind: 'index', index: 0 } },
    ]);
  });

  it('accepts shorthand names with $, - and _, and escapes in quoted keys', () => {
    expect(parseJsonPath('$.$ref.request-id._x').segments.map((s) => s.selector)).toEqual([
      { kind: 'key', key: '$ref' },
      { kind: 'key', key: 'request-id' },
      { kind: 'key', key: '_x' },
    ]);
    expect(parseJsonPath(String.raw`$['it\'s', ]`.replace(', ', '')).segments[0].selector).toEqual({ kind: 'key', key: "it's" });
    expect(parseJsonPath(String.raw`$["a\"b\\c\u00e9"]`).segments[0].selector).toEqual({ kind: 'key', key: 'a"b\\cé' });
    expect(parseJsonPath("$[ 'spaced' ]").segments[0].selector).toEqual({ kind: 'key', key: 'spaced' });
  });

  it.each([
    ['items', 'must start with $'],
    ['$.items[-1]', 'negative array indexes are not supported'],
    ['$.items[0:2]', 'slices are not supported'],
    ['$.items[?(@.a)]', 'filters and slices are not supported'],
    ["$['a','b']", 'unions'],
    ['$.0', 'use [0] for an array index'],
    ['$.a.', 'expected a member name'],
    ["$['open", 'unterminated'],
    ['$.a[1', 'expected ]'],
    ['$ .a', 'unexpected'],
  ])('rejects %s with a message naming the problem', (expr, message) => {
    let error: unknown;
    try {
      parseJsonPath(expr);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ParityError);
    expect((error as ParityError).code).toBe('CONFIG_INVALID');
    expect((error as ParityError).message).toContain(message);
    expect((error as ParityError).message).toContain(JSON.stringify(expr));
    expect((error as ParityError).message).toContain("supported: $, .key, ['key']");
  });
});

describe('formatJsonPath', () => {
  it('writes identifiers with dots, other keys bracketed, indexes in brackets', () => {
    expect(formatJsonPath([])).toBe('$');
    expect(formatJsonPath(['items', 3, 'price'])).toBe('$.items[3].price');
    expect(formatJsonPath(['unit price', "it's", 'a\\b', '3'])).toBe(String.raw`$['unit price']['it\'s']['a\\b']['3']`);
  });

  it('round-trips through parseJsonPath', () => {
    const keys = ['a', 0, 'b c', "q'", '0', 'request-id'];
    const parsed = parseJsonPath(formatJsonPath(keys)).segments.map((s) =>
      s.selector.kind === 'key' ? s.selector.key : s.selector.kind === 'index' ? s.selector.index : '*',
    );
    expect(parsed).toEqual(keys);
  });
});

describe('matchJsonPath', () => {
  it.each([
    ['$.items[*].price', '$.items[3].price', true],
    ['$.items[*].price', '$.items[3].cost', false],
    ['$.items.*', '$.items[3]', true],
    ['$.items[3]', "$.items['3']", false],
    ["$['3']", "$['3']", true],
    ['$..price', '$.price', true],
    ['$..price', '$.a.b[2].price', true],
    ['$..price', '$.a.b[2].price.x', false],
    ['$..[0]', '$.a[0]', true],
    ['$..*', '$.a.b', true],
    ['$.a..b.c', '$.a.x.b.y.b.c', true],
    ['$', '$', true],
    ['$', '$.a', false],
    ['$.a', '$', false],
  ])('%s vs %s → %s', (expr, concrete, expected) => {
    expect(matchJsonPath(expr, concrete)).toBe(expected);
  });

  it('accepts keys and pre-parsed expressions', () => {
    const parsed = parseJsonPath('$.items[*].price');
    expect(matchJsonPath(parsed, ['items', 0, 'price'])).toBe(true);
    expect(matchJsonPath(parseJsonPath('$.items[0].price'), ['items', '0', 'price'])).toBe(false);
    expect(matchJsonPath('$.items[*].price', ['items', '0', 'price'])).toBe(true); // * selects members too
  });

  it('matches locations inside a selected value with descendants: true', () => {
    expect(matchJsonPath('$.user', '$.user.name', { descendants: true })).toBe(true);
    expect(matchJsonPath('$.user', '$.user.name')).toBe(false);
    expect(matchJsonPath('$.user', '$.other', { descendants: true })).toBe(false);
  });

  it('refuses a concrete path with wildcards', () => {
    expect(() => matchJsonPath('$.a', '$.a[*]')).toThrow(/not a concrete path/);
  });
});

describe('replaceJsonPaths', () => {
  const doc = {
    id: 'abc',
    items: [
      { sku: 'x', at: '2024-01-01', meta: { at: 'nested' } },
      { sku: 'y', at: '2024-01-02' },
    ],
    meta: { etag: 'e1', deep: { etag: 'e2' } },
  };

  it('replaces the selected values and leaves the rest', () => {
    expect(replaceJsonPaths(doc, ['$.id', '$.items[*].at'])).toEqual({
      id: '<redacted>',
      items: [
        { sku: 'x', at: '<redacted>', meta: { at: 'nested' } },
        { sku: 'y', at: '<redacted>' },
      ],
      meta: { etag: 'e1', deep: { etag: 'e2' } },
    });
  });

  it('replaces at any depth with .., with a given replacement', () => {
    const out = replaceJsonPaths(doc, ['$..etag', '$..at'], '<x>') as typeof doc;
    expect(out.meta).toEqual({ etag: '<x>', deep: { etag: '<x>' } });
    expect(out.items[0]).toEqual({ sku: 'x', at: '<x>', meta: { at: '<x>' } });
  });

  it('replaces whole subtrees, array elements and the root', () => {
    expect(replaceJsonPaths(doc, ['$.meta', '$.items[1]'], null)).toEqual({
      id: 'abc',
      items: [doc.items[0], null],
      meta: null,
    });
    expect(replaceJsonPaths(doc, ['$'], 0)).toBe(0);
  });

  it('creates nothing and does not modify its input', () => {
    const before = JSON.stringify(doc);
    expect(replaceJsonPaths(doc, ['$.missing', '$.items[9]', '$.id.deeper'])).toEqual(doc);
    replaceJsonPaths(doc, ['$..*']);
    expect(JSON.stringify(doc)).toBe(before);
  });

  it('throws ParityError for a bad path', () => {
    expect(() => replaceJsonPaths(doc, ['$.a['], 'x')).toThrow(ParityError);
  });
});
