import { describe, expect, it } from 'vitest';
import { ParityError } from '../errors.ts';
import { compareJson, parseStructured } from './json.ts';

function jsonDiff(legacy: unknown, candidate: unknown, options = {}) {
  const d = compareJson(legacy, candidate, options);
  if (!d || d.kind !== 'json') throw new Error(`expected a json difference, got ${JSON.stringify(d)}`);
  return d;
}

function parsed(text: string, format: 'json' | 'yaml' = 'json'): unknown {
  const result = parseStructured(text, format);
  if (!result.ok) throw new Error(result.error);
  return result.value;
}

describe('compareJson', () => {
  it('ignores key order and returns null for equal values', () => {
    expect(compareJson({ a: 1, b: [1, { c: null }] }, { b: [1, { c: null }], a: 1 })).toBeNull();
    expect(compareJson(parsed('{"n": 1.0}'), parsed('{"n": 1}'))).toBeNull();
  });

  it('reports changed, added, removed and type changes with JSONPaths', () => {
    const d = jsonDiff(
      { a: 1, c: true, d: '1', items: [{ price: 10 }], 'odd key': 'x' },
      { a: 2, b: 'x', d: 1, items: [{ price: 11 }], 'odd key': 'y' },
    );
    expect(d.changes).toEqual([
      { path: '$.a', kind: 'changed', legacy: 1, candidate: 2 },
      { path: '$.c', kind: 'removed', legacy: true },
      { path: '$.d', kind: 'type', legacy: '1', candidate: 1 },
      { path: '$.items[0].price', kind: 'changed', legacy: 10, candidate: 11 },
      { path: '$["odd key"]', kind: 'changed', legacy: 'x', candidate: 'y' },
      { path: '$.b', kind: 'added', candidate: 'x' },
    ]);
    expect(d.summary).toBe('6 JSON paths differ (3 changed, 1 changed type, 1 added, 1 removed)');
    expect(d.unified.split('\n')).toEqual([
      '~ $.a: 1 → 2',
      '- $.c: true',
      '~ $.d: "1" → 1 (string → number)',
      '~ $.items[0].price: 10 → 11',
      '~ $["odd key"]: "x" → "y"',
      '+ $.b: "x"',
    ]);
  });

  it('reports array elements added or removed at the tail', () => {
    expect(jsonDiff([1, 2], [1, 2, 3, 4]).changes).toEqual([
      { path: '$[2]', kind: 'added', candidate: 3 },
      { path: '$[3]', kind: 'added', candidate: 4 },
    ]);
    const removed = jsonDiff({ xs: [1, 2, 3] }, { xs: [1] });
    expect(removed.changes.map((c) => [c.path, c.kind])).toEqual([
      ['$.xs[1]', 'removed'],
      ['$.xs[2]', 'removed'],
    ]);
  });

  it('treats null, object and array as distinct types, at the root too', () => {
    expect(jsonDiff({ a: null }, { a: {} }).changes).toEqual([{ path: '$.a', kind: 'type', legacy: null, candidate: {} }]);
    const root = jsonDiff([], {});
    expect(root.summary).toBe('1 JSON path differs: $ changed type');
    expect(root.unified).toBe('~ $: [] → {} (array → object)');
  });

  it('truncates long values in the unified rendering', () => {
    const d = jsonDiff({ s: 'a' }, { s: 'b'.repeat(500) });
    const line = d.unified;
    expect(line.startsWith('~ $.s: "a" → "bbb')).toBe(true);
    expect(line.endsWith('…')).toBe(true);
    expect(line.length).toBeLessThan(230);
    expect(d.changes[0].candidate).toBe('b'.repeat(500));
  });

  it('applies absolute tolerances inclusively, only where the path matches', () => {
    const tolerances = [{ path: '$.items[*].price', absolute: 0.1 }];
    expect(compareJson({ items: [{ price: 1.0 }] }, { items: [{ price: 1.1 }] }, { tolerances })).toBeNull();
    expect(jsonDiff({ items: [{ price: 1.0 }] }, { items: [{ price: 1.11 }] }, { tolerances }).changes).toHaveLength(1);
    expect(jsonDiff({ total: 1.0 }, { total: 1.1 }, { tolerances }).changes[0].path).toBe('$.total');
    const tighter = [{ path: '$.x', absolute: 0.0999 }];
    expect(jsonDiff({ x: 1.0 }, { x: 1.1 }, { tolerances: tighter }).changes).toHaveLength(1);
  });

  it('applies relative tolerances against the larger magnitude; either bound suffices', () => {
    const tolerances = [{ path: '$.v', relative: 0.01 }];
    expect(compareJson({ v: 100 }, { v: 101 }, { tolerances })).toBeNull(); // 1 <= 0.01 × 101
    expect(compareJson({ v: 101 }, { v: 100 }, { tolerances })).toBeNull();
    expect(compareJson({ v: 100 }, { v: 101.1 }, { tolerances })).not.toBeNull();
    const both = [{ path: '$.v', relative: 0.001, absolute: 2 }];
    expect(compareJson({ v: 100 }, { v: 102 }, { tolerances: both })).toBeNull();
  });

  it('uses a tolerance with neither path nor column everywhere, and ignores column-only ones', () => {
    expect(compareJson({ a: [1.0] }, { a: [1.05] }, { tolerances: [{ absolute: 0.1 }] })).toBeNull();
    expect(compareJson({ a: 1 }, { a: 1.05 }, { tolerances: [{ column: 'a', absolute: 0.1 }] })).not.toBeNull();
  });

  it('does not apply a tolerance to a number that changed type', () => {
    const d = jsonDiff({ v: 1 }, { v: '1' }, { tolerances: [{ path: '$.v', absolute: 1 }] });
    expect(d.changes[0].kind).toBe('type');
  });

  it('throws CONFIG_INVALID for a tolerance path that is not a supported JSONPath', () => {
    expect(() => compareJson({ a: 1 }, { a: 2 }, { tolerances: [{ path: 'items.price', absolute: 1 }] })).toThrow(ParityError);
  });

  it('tells apart integers beyond double precision', () => {
    const legacy = parsed('{"id": 12345678901234567, "same": 98765432109876543210}');
    const candidate = parsed('{"id": 12345678901234568, "same": 98765432109876543210}');
    const d = jsonDiff(legacy, candidate);
    expect(d.changes.map((c) => c.path)).toEqual(['$.id']);
    expect(d.unified).toBe('~ $.id: 12345678901234567 → 12345678901234568');
    // The change values serialize as JSON numbers with every digit (report.json).
    expect(JSON.stringify(d.changes[0])).toBe('{"path":"$.id","kind":"changed","legacy":12345678901234567,"candidate":12345678901234568}');
    // A precise number equals the same value written differently.
    expect(compareJson(parsed('[1234567890123456789.0]'), parsed('[1234567890123456789]'))).toBeNull();
  });
});

describe('parseStructured', () => {
  it('parses JSON and reports the parser error', () => {
    expect(parseStructured('{"a": [1]}', 'json')).toEqual({ ok: true, value: { a: [1] } });
    const bad = parseStructured('{"a": ', 'json');
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.error.length).toBeGreaterThan(0);
  });

  it('parses YAML, keeps big integers exact, and turns a stream into an array', () => {
    expect(parsed('a: 1\nb: [x, 2.5]\n', 'yaml')).toEqual({ a: 1, b: ['x', 2.5] });
    expect(parsed('a: 1\n---\na: 2\n', 'yaml')).toEqual([{ a: 1 }, { a: 2 }]);
    expect(parsed('', 'yaml')).toBeNull();
    const d = jsonDiff(parsed('id: 12345678901234567\n', 'yaml'), parsed('id: 12345678901234568\n', 'yaml'));
    expect(d.unified).toBe('~ $.id: 12345678901234567 → 12345678901234568');
  });

  it('reports invalid YAML', () => {
    const bad = parseStructured('a: [1, 2\nb: }', 'yaml');
    expect(bad.ok).toBe(false);
  });
});
