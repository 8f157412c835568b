import { describe, expect, it } from 'vitest';
import { sampleReport } from './fixtures.ts';
import { firstLine, formatCommand, matchSentence, scenarioCount, formatDuration, formatParity, formatTimestamp, scenarioSummary } from './format.ts';

describe('formatParity', () => {
  it('never shows 100% or 0.0% unless exact', () => {
    expect(formatParity(1)).toBe('100%');
    expect(formatParity(0.99999)).toBe('99.9%');
    expect(formatParity(5 / 12)).toBe('41.7%');
    expect(formatParity(0.00001)).toBe('0.1%');
    expect(formatParity(0)).toBe('0%');
  });
});

describe('formatDuration', () => {
  it('picks a unit people read', () => {
    expect(formatDuration(850)).toBe('850 ms');
    expect(formatDuration(12_345)).toBe('12.3 s');
    expect(formatDuration(245_000)).toBe('4 min 05 s');
    expect(formatDuration(3_720_000)).toBe('1 h 02 min');
    expect(formatDuration(-1)).toBe('–');
  });
});

describe('formatTimestamp / formatCommand / firstLine', () => {
  it('formats', () => {
    expect(formatTimestamp('2025-11-21T10:30:00.000Z')).toBe('2025-11-21 10:30:00 UTC');
    expect(formatTimestamp('yesterday-ish')).toBe('yesterday-ish');
    expect(formatCommand(['python3', 'ledger.py', '--name', "O'Brien & co", ''])).toBe(`python3 ledger.py --name 'O'\\''Brien & co' ''`);
    expect(firstLine('one\r\ntwo')).toBe('one …');
    expect(matchSentence(0, 1)).toBe('0 of 1 scenario matches the legacy');
    expect(matchSentence(5, 12)).toBe('5 of 12 scenarios match the legacy');
    expect(scenarioCount(1)).toBe('1 scenario');
  });
});

describe('scenarioSummary', () => {
  it('names each differing channel, or the error, or the verdict', () => {
    const byId = new Map(sampleReport().suites[0]!.scenarios.map((s) => [s.id, s]));
    expect(scenarioSummary(byId.get('balance-negative')!)).toBe('stdout: 1 line changed; exit: exit code 1 → 0');
    expect(scenarioSummary(byId.get('report-monthly-json')!)).toBe('files out/report.json: 4 JSON paths differ');
    expect(scenarioSummary(byId.get('import-corrupt')!)).toMatch(/^candidate could not be compared/);
    expect(scenarioSummary(byId.get('help-version')!)).toBe('not in the baseline yet');
  });
});
