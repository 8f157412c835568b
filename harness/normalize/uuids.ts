/**
 * The `uuids` normalizer: identifiers generated fresh on every run.
 *
 * ApprovalTests' idea (its GUID scrubber): number the ids rather than blank them, so "the
 * same id appears twice" and "two different ids" both stay visible in a comparison.
 */

/** Matches one UUID (RFC 9562 textual form, any version, any case), not part of a longer hex run. */
const UUID_PATTERN = /(?<![0-9a-f])[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(?![0-9a-f])/gi;

/**
 * Replaces every UUID with `<uuid_N>`, N counted from 1 by first occurrence within `text`;
 * the same UUID (compared case-insensitively) always gets the same number.
 *
 * Numbering is per call: the legacy's and the candidate's outputs are numbered separately,
 * so they compare equal when their ids appear in the same pattern.
 *
 * @example
 * numberUuids('a=6F9619FF-8B86-D011-B42D-00C04FC964FF b=7e57d004-2b97-0e7a-b45f-5387367791cd c=6f9619ff-8b86-d011-b42d-00c04fc964ff')
 * // 'a=<uuid_1> b=<uuid_2> c=<uuid_1>'
 */
export function numberUuids(text: string): string {
  const numbers = new Map<string, number>();
  return text.replace(UUID_PATTERN, (uuid) => {
    const key = uuid.toLowerCase();
    let n = numbers.get(key);
    if (n === undefined) {
      n = numbers.size + 1;
      numbers.set(key, n);
    }
    return `<uuid_${n}>`;
  });
}
