/**
 * The `durations` normalizer: elapsed times a program prints about itself.
 */

/** What a duration becomes. */
export const DURATION_PLACEHOLDER = '<duration>';

const NUMBER = String.raw`\d+(?:\.\d+)?`;
/** Go-style compound durations, two parts or more: `2m30s`, `1h0m0.5s`, `1s250ms`. */
const COMPOUND = String.raw`(?:${NUMBER}(?:h|ms|m|s|µs|μs|us|ns)){2,}`;
/** Units that may follow the number after one space: unambiguous multi-letter units. */
const SPACED_UNITS = String.raw`ms|µs|μs|ns|msecs?|secs?|seconds?|mins?|minutes?|hrs?|hours?|milliseconds?|microseconds?|nanoseconds?`;
/** Single-letter and `us` units only when glued to the number (`3 s`, `3 us` are too often prose). */
const GLUED_UNITS = String.raw`s|h|us`;

/**
 * Matches one duration. Not preceded by a letter, digit, `_` or `.` (so `v1.5s`, `x86_64`,
 * `0x1s` are left alone) and not followed by a letter or digit (`5 seconds`, not `5 secondsX`).
 * Bare minutes (`5m`) are not recognised alone: `m` is as often metres or millions.
 */
const DURATION_PATTERN = new RegExp(
  String.raw`(?<![\w.])(?:${COMPOUND}|${NUMBER}(?:[ ]?(?:${SPACED_UNITS})|(?:${GLUED_UNITS})))(?![\w])`,
  'g',
);

/**
 * Replaces every duration with `<duration>`: `12ms`, `1.5s`, `3 ms`, `2m30s`, `0.25 sec`,
 * `150µs` (micro sign U+00B5 or Greek mu U+03BC), `10 minutes`, `2h`. Units are case-sensitive.
 *
 * @example
 * replaceDurations('done in 1.5s (3 ms per item)') // 'done in <duration> (<duration> per item)'
 */
export function replaceDurations(text: string): string {
  return text.replace(DURATION_PATTERN, DURATION_PLACEHOLDER);
}
