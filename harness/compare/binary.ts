/**
 * The binary comparator: content that is not text (or not valid UTF-8) is equal only when it
 * is byte for byte equal; a difference is described by size, SHA-256 and the first differing byte.
 */
import { createHash } from 'node:crypto';
import type { Difference } from '../model.ts';

/**
 * Compares two byte buffers.
 *
 * @returns `null` when the bytes are identical; otherwise a `binary` {@link Difference} with each
 *  side's size (bytes) and SHA-256 (hex), a summary like `binary content differs: 1024 → 1030
 *  bytes, first difference at byte 17`, and a three-line `unified` rendering.
 */
export function compareBinary(legacy: Buffer, candidate: Buffer): Difference | null {
  if (legacy.equals(candidate)) return null;
  const l = { size: legacy.length, sha256: sha256(legacy) };
  const c = { size: candidate.length, sha256: sha256(candidate) };
  const offset = firstDifference(legacy, candidate);
  const sizes = l.size === c.size ? `same size, ${l.size} bytes` : `${l.size} → ${c.size} bytes`;
  const where = `first difference at byte ${offset} (0x${offset.toString(16)})`;
  return {
    kind: 'binary',
    summary: `binary content differs: ${sizes}, ${where}`,
    unified: [
      `legacy:    ${l.size} bytes, sha256 ${l.sha256}`,
      `candidate: ${c.size} bytes, sha256 ${c.sha256}`,
      where,
    ].join('\n'),
    legacy: l,
    candidate: c,
  };
}

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** 0-based offset of the first differing byte; the shorter length when one is a prefix of the other. */
function firstDifference(a: Buffer, b: Buffer): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return n;
}
