import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { compareBinary } from './binary.ts';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('compareBinary', () => {
  it('returns null for identical bytes', () => {
    expect(compareBinary(Buffer.from([1, 2, 3]), Buffer.from([1, 2, 3]))).toBeNull();
  });

  it('reports sizes, SHA-256 and the first differing byte', () => {
    const a = Buffer.from([0, 1, 2, 3]);
    const b = Buffer.from([0, 1, 9, 3, 4]);
    expect(compareBinary(a, b)).toEqual({
      kind: 'binary',
      summary: 'binary content differs: 4 → 5 bytes, first difference at byte 2 (0x2)',
      unified: `legacy:    4 bytes, sha256 ${sha(a)}\ncandidate: 5 bytes, sha256 ${sha(b)}\nfirst difference at byte 2 (0x2)`,
      legacy: { size: 4, sha256: sha(a) },
      candidate: { size: 5, sha256: sha(b) },
    });
  });

  it('names the shorter length when one side is a prefix of the other, and equal sizes', () => {
    expect(compareBinary(Buffer.from('abc'), Buffer.from('ab'))?.summary).toBe(
      'binary content differs: 3 → 2 bytes, first difference at byte 2 (0x2)',
    );
    expect(compareBinary(Buffer.from('abc'), Buffer.from('abd'))?.summary).toBe(
      'binary content differs: same size, 3 bytes, first difference at byte 2 (0x2)',
    );
  });
});
