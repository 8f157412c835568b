import { describe, expect, it } from 'vitest';
import { sortLines } from './lines.ts';

describe('sortLines', () => {
  it('sorts lines and keeps the trailing newline', () => {
    expect(sortLines('b\nc\na\n')).toBe('a\nb\nc\n');
  });

  it('does not add a trailing newline that was not there', () => {
    expect(sortLines('b\na')).toBe('a\nb');
  });

  it('sorts by code unit, not locale (uppercase before lowercase)', () => {
    expect(sortLines('b\nB\na\nA\n')).toBe('A\nB\na\nb\n');
  });

  it('keeps empty lines and duplicates', () => {
    expect(sortLines('x\n\nx\n')).toBe('\nx\nx\n');
  });

  it('leaves the empty text alone', () => {
    expect(sortLines('')).toBe('');
    expect(sortLines('\n')).toBe('\n');
  });
});
