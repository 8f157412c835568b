import { describe, expect, it } from 'vitest';
import { parseJsonText } from './json-text.ts';
import { sortJsonKeys } from './sort-keys.ts';

describe('sortJsonKeys', () => {
  it('sorts keys recursively, inside arrays too, and keeps array order', () => {
    const sorted = sortJsonKeys({ b: 1, a: [{ z: 1, y: 2 }, 3], c: { e: null, d: 'x' } });
    expect(JSON.stringify(sorted)).toBe('{"a":[{"y":2,"z":1},3],"b":1,"c":{"d":"x","e":null}}');
  });

  it('makes two key orders of the same object serialize the same', () => {
    expect(JSON.stringify(sortJsonKeys({ x: 1, y: { q: 1, p: 2 } }))).toBe(
      JSON.stringify(sortJsonKeys({ y: { p: 2, q: 1 }, x: 1 })),
    );
  });

  it('keeps a "__proto__" key as data', () => {
    const parsed = parseJsonText('{"__proto__": {"polluted": true}, "a": 1}');
    if (!parsed.ok) throw new Error('expected JSON');
    const sorted = sortJsonKeys(parsed.value) as Record<string, unknown>;
    expect(Object.keys(sorted)).toEqual(['__proto__', 'a']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('leaves scalars and raw numbers alone', () => {
    expect(sortJsonKeys('s')).toBe('s');
    expect(sortJsonKeys(null)).toBe(null);
    const parsed = parseJsonText('{"b": 123456789012345678901, "a": 1}');
    if (!parsed.ok) throw new Error('expected JSON');
    expect(JSON.stringify(sortJsonKeys(parsed.value))).toBe('{"a":1,"b":123456789012345678901}');
  });
});
