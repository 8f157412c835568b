import { describe, expect, it } from 'vitest';
import { replaceDurations } from './durations.ts';

describe('replaceDurations', () => {
  it.each([
    '12ms',
    '1.5s',
    '3 ms',
    '2m30s',
    '0.25 sec',
    '150µs',
    '150μs',
    '150us',
    '42ns',
    '1h0m0.5s',
    '1s250ms',
    '2h',
    '10 minutes',
    '1 second',
    '5 secs',
    '3 hrs',
    '120 milliseconds',
  ])('replaces %s', (duration) => {
    expect(replaceDurations(`took ${duration}.`)).toBe('took <duration>.');
  });

  it('replaces several durations in one line', () => {
    expect(replaceDurations('done in 1.5s (3 ms per item, p99=12ms)')).toBe(
      'done in <duration> (<duration> per item, p99=<duration>)',
    );
  });

  it.each([
    'v1.5s',
    'x86_64',
    '0x1s',
    '5m rows',
    '3 s',
    'send 3 us a note',
    '5 seconds2',
    'sha 3e5s',
    '12msg',
    '7 items',
  ])('leaves %s alone', (text) => {
    expect(replaceDurations(text)).toBe(text);
  });
});
