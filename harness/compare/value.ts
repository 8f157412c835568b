/**
 * The value comparator, for small scalar channels: the exit observation (`{ code, signal,
 * timedOut }`), a file's change kind (`created` / `modified` / `deleted`).
 */
import { isDeepStrictEqual } from 'node:util';
import type { Difference } from '../model.ts';

/**
 * Compares two small values (scalars, or plain objects of scalars).
 *
 * @param label what is compared, used in the summary: `exit`, `out.txt change`.
 * @returns `null` when deeply equal; otherwise a `value` {@link Difference} carrying both values.
 *  For objects the summary names each differing field, camelCase spelled out:
 *  `exit code 0 → 1`, `exit signal null → SIGKILL, timed out false → true`; for scalars
 *  `out.txt change: created → modified`. `unified` has one `~ label.field: a → b` line per field.
 */
export function compareValue(label: string, legacy: unknown, candidate: unknown): Difference | null {
  if (isDeepStrictEqual(legacy, candidate)) return null;
  let summary: string;
  let unified: string;
  if (isPlainObject(legacy) && isPlainObject(candidate)) {
    const keys = [...new Set([...Object.keys(legacy), ...Object.keys(candidate)])].filter(
      (k) => !isDeepStrictEqual(legacy[k], candidate[k]),
    );
    summary = keys
      .map((k, i) => `${i === 0 ? `${label} ` : ''}${words(k)} ${show(legacy[k])} → ${show(candidate[k])}`)
      .join(', ');
    unified = keys.map((k) => `~ ${label}.${k}: ${show(legacy[k])} → ${show(candidate[k])}`).join('\n');
  } else {
    summary = `${label}: ${show(legacy)} → ${show(candidate)}`;
    unified = `~ ${summary}`;
  }
  return { kind: 'value', summary, unified, legacy, candidate };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** `timedOut` → `timed out`. */
function words(key: string): string {
  return key.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();
}

/** A value for a one-line summary: plain words stay bare, anything ambiguous is JSON-encoded. */
function show(value: unknown): string {
  if (typeof value === 'string' && /^[\w./:@+-]+$/.test(value)) return value;
  if (value === undefined) return '(absent)';
  if (typeof value === 'bigint') return `${value}`;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
