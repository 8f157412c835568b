import { describe, expect, it } from 'vitest';
import { compareValue } from './value.ts';

describe('compareValue', () => {
  it('returns null for deeply equal values', () => {
    expect(compareValue('exit', { code: 0, signal: null, timedOut: false }, { code: 0, signal: null, timedOut: false })).toBeNull();
  });

  it('names each differing field of the exit observation', () => {
    const legacy = { code: 0, signal: null, timedOut: false };
    expect(compareValue('exit', legacy, { code: 1, signal: null, timedOut: false })).toEqual({
      kind: 'value',
      summary: 'exit code 0 → 1',
      unified: '~ exit.code: 0 → 1',
      legacy,
      candidate: { code: 1, signal: null, timedOut: false },
    });
    const killed = compareValue('exit', legacy, { code: null, signal: 'SIGKILL', timedOut: true });
    expect(killed?.summary).toBe('exit code 0 → null, signal null → SIGKILL, timed out false → true');
    expect(killed?.unified.split('\n')).toEqual(['~ exit.code: 0 → null', '~ exit.signal: null → SIGKILL', '~ exit.timedOut: false → true']);
  });

  it('describes scalars, quoting what would be ambiguous', () => {
    expect(compareValue('out.txt change', 'created', 'modified')?.summary).toBe('out.txt change: created → modified');
    expect(compareValue('note', '', 'a b')?.summary).toBe('note: "" → "a b"');
  });
});
