/**
 * The `timestamps` normalizer: dates and times that differ on every run.
 */

/** What a timestamp becomes. */
export const TIMESTAMP_PLACEHOLDER = '<timestamp>';

const DATE = String.raw`\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])`;
const TIME = String.raw`(?:[01]\d|2[0-4]):[0-5]\d(?::(?:[0-5]\d|60)(?:[.,]\d+)?)?`;
const OFFSET = String.raw`(?:[Zz]|[+-](?:[01]\d|2[0-3])(?::?[0-5]\d)?)`;
/** ISO 8601 extended format: a date, optionally `T`/`t`/space and a time, optionally a zone. */
const ISO_EXTENDED = `${DATE}(?:[Tt ]${TIME}${OFFSET}?)?`;
/** ISO 8601 basic format date-time (`20030701T105237Z`, as in AWS signatures); `T` required
 * so that plain 8-digit numbers are left alone. */
const ISO_BASIC = String.raw`\d{4}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])T(?:[01]\d|2[0-4])[0-5]\d(?:[0-5]\d(?:[.,]\d+)?)?(?:Z|[+-]\d{2}(?:\d{2})?)?`;

const DAY = '(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)';
const MONTH = '(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)';
/** RFC 2822 §3.3 date-time, including the obsolete zone names of §4.3 (`GMT`, `UT`, `EST`…)
 * that HTTP dates (RFC 9110 IMF-fixdate) use. */
const RFC_2822 = String.raw`(?:${DAY},[ \t]*)?\d{1,2}[ \t]+${MONTH}[ \t]+\d{4}[ \t]+\d{2}:\d{2}(?::\d{2})?(?:[ \t]+(?:[+-]\d{4}|GMT|UTC?|[ECMP][SD]T))?`;

/**
 * Matches one timestamp. A timestamp glued to a longer number (`12024-01-15`, `2024-01-155`)
 * is not one.
 */
const TIMESTAMP_PATTERN = new RegExp(
  String.raw`(?<![0-9])(?:${RFC_2822}|${ISO_BASIC}|${ISO_EXTENDED})(?![0-9])`,
  'g',
);

/**
 * Replaces every timestamp with `<timestamp>`:
 * - ISO 8601 / RFC 3339: `2003-07-01`, `2003-07-01T10:52:37Z`, `2003-07-01 10:52`,
 *   `2003-07-01T10:52:37.123456+02:00`, basic `20030701T105237Z`;
 * - RFC 2822 / HTTP dates: `Tue, 1 Jul 2003 10:52:37 +0200`, `Tue, 01 Jul 2003 10:52:37 GMT`.
 *
 * Dates are checked loosely (month 01–12, day 01–31), not against a calendar. Epoch numbers
 * and other formats (`date`'s `Tue Jul  1 10:52:37 UTC 2003`) are not recognised: use a
 * `regex` normalizer for them.
 *
 * @example
 * replaceTimestamps('at 2024-01-15T10:30:00.123Z done') // 'at <timestamp> done'
 */
export function replaceTimestamps(text: string): string {
  return text.replace(TIMESTAMP_PATTERN, TIMESTAMP_PLACEHOLDER);
}
