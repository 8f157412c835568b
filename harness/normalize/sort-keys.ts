/**
 * The `sortKeys` normalizer: JSON whose object key order is not part of the behaviour
 * (a Python 2 dict, a Go map, a serializer that changed between versions).
 */
import { isRawJson, type JsonValue } from './json-text.ts';

/**
 * Returns a copy of a parsed JSON value with the keys of every object sorted by UTF-16 code
 * unit (locale-independent), recursively. Array order is kept: it is data.
 *
 * Objects are rebuilt with `Object.fromEntries`, so a `"__proto__"` key stays an ordinary key.
 * Raw-number leaves (see `json-text.ts`) are kept as they are. Integer-like keys (`"9"`,
 * `"10"`) always come first in numeric order: that is JavaScript's own property order, which
 * `JSON.parse` already imposes on both sides alike.
 *
 * @example
 * sortJsonKeys({ b: 1, a: { d: 2, c: 3 } }) // { a: { c: 3, d: 2 }, b: 1 }
 */
export function sortJsonKeys(value: JsonValue): JsonValue {
  if (Array.isArray(value)) return value.map(sortJsonKeys);
  if (typeof value !== 'object' || value === null || isRawJson(value)) return value;
  const keys = Object.keys(value).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return Object.fromEntries(keys.map((key) => [key, sortJsonKeys((value as Record<string, unknown>)[key])]));
}
