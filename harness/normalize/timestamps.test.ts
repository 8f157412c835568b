import { describe, expect, it } from 'vitest';
import { replaceTimestamps } from './timestamps.ts';

describe('replaceTimestamps', () => {
  it.each([
    '2003-07-01',
    '2003-07-01T10:52:37Z',
    '2003-07-01T10:52:37',
    '2003-07-01t10:52:37z',
    '2003-07-01 10:52:37',
    '2003-07-01 10:52',
    '2003-07-01T10:52:37.123Z',
    '2003-07-01T10:52:37,5Z',
    '2003-07-01T10:52:37.123456789+02:00',
    '2003-07-01T10:52:37-0500',
    '2003-07-01T10:52:37+02',
    '20030701T105237Z',
    'Tue, 1 Jul 2003 10:52:37 +0200',
    'Tue, 01 Jul 2003 10:52:37 GMT',
    '1 Jul 2003 10:52:37 -0700',
    'Wed, 02 Oct 2002 08:00:00 EST',
  ])('replaces %s', (timestamp) => {
    expect(replaceTimestamps(`at ${timestamp} done`)).toBe('at <timestamp> done');
  });

  it('replaces several timestamps, inside JSON strings and file names', () => {
    expect(replaceTimestamps('{"created":"2024-01-15T10:30:00Z","updated":"2024-02-01T00:00:00.5+01:00"}')).toBe(
      '{"created":"<timestamp>","updated":"<timestamp>"}',
    );
    expect(replaceTimestamps('backup-2024-01-15.tar')).toBe('backup-<timestamp>.tar');
  });

  it.each([
    ['version 1.2.3', 'version 1.2.3'],
    ['2024-13-01', '2024-13-01'],
    ['2024-01-32', '2024-01-32'],
    ['12024-01-15', '12024-01-15'],
    ['2024-01-155', '2024-01-155'],
    ['20240115', '20240115'],
    ['phone 555-1234-5678', 'phone 555-1234-5678'],
    ['10:52:37', '10:52:37'],
    ['Jul 2003', 'Jul 2003'],
  ])('leaves %s alone', (text, expected) => {
    expect(replaceTimestamps(text)).toBe(expected);
  });
});
