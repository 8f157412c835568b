import { describe, expect, it } from 'vitest';
import { formatJsonText, isRawJson, parseJsonText } from './json-text.ts';

describe('parseJsonText / formatJsonText', () => {
  it('parses JSON and formats with two-space indentation', () => {
    const parsed = parseJsonText(' {"a":[1,"x",null,true]} ');
    expect(parsed.ok).toBe(true);
    if (parsed.ok) expect(formatJsonText(parsed.value)).toBe('{\n  "a": [\n    1,\n    "x",\n    null,\n    true\n  ]\n}');
  });

  it('reports text that is not JSON instead of throwing', () => {
    expect(parseJsonText('{"a":')).toEqual({ ok: false });
    expect(parseJsonText('hello')).toEqual({ ok: false });
  });

  it('keeps integers beyond double precision as their digits, so they still differ', () => {
    const a = parseJsonText('{"id": 12345678901234567}');
    const b = parseJsonText('{"id": 12345678901234568}');
    if (!a.ok || !b.ok) throw new Error('expected JSON');
    expect(formatJsonText(a.value)).toContain('12345678901234567');
    expect(formatJsonText(a.value)).not.toBe(formatJsonText(b.value));
    expect(isRawJson((a.value as { id: unknown }).id)).toBe(true);
  });

  it('keeps long decimals exactly and ordinary numbers as numbers', () => {
    const parsed = parseJsonText('[0.1234567890123456789, 1.5, 1e3, 100]');
    if (!parsed.ok) throw new Error('expected JSON');
    const [long, ...rest] = parsed.value as unknown[];
    expect(isRawJson(long)).toBe(true);
    expect(rest).toEqual([1.5, 1000, 100]);
    expect(formatJsonText(parsed.value)).toContain('0.1234567890123456789');
  });
});
