import { describe, expect, it } from 'vitest';
import { sampleReport } from './fixtures.ts';
import {
  deviationCounts,
  exchangeLine,
  exchangeStatus,
  firstLine,
  flakySentence,
  formatCommand,
  httpUrl,
  matchSentence,
  noiseCount,
  noiseLocationLabel,
  scenarioCount,
  formatDuration,
  formatParity,
  formatTimestamp,
  scenarioSummary,
  sortDeviations,
} from './format.ts';

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

describe('accepted, flaky, noise and deviation wording', () => {
  const byId = new Map(sampleReport().suites[0]!.scenarios.map((s) => [s.id, s]));

  it('summarises accepted and flaky scenarios', () => {
    expect(scenarioSummary(byId.get('export-pdf')!)).toBe('files out/statement.pdf: binary content differs (18,204 → 18,311 bytes) (accepted by pdf-renderer)');
    expect(scenarioSummary(byId.get('import-large')!)).toBe(
      'varies between 3 candidate runs at stdout line 4, stdout line 9; stdout: 2 lines changed (diff truncated: edit limit reached)',
    );
    expect(flakySentence({ reruns: 1, varying: [] })).toBe('varies between 2 candidate runs');
    expect(flakySentence({ reruns: 2, varying: ['a', 'b', 'c', 'd', 'e', 'f', 'g'] })).toBe('varies between 3 candidate runs at a, b, c, d, e and 2 more');
  });

  it('labels noise locations and counts them', () => {
    expect(noiseLocationLabel({ kind: 'json', path: '$.items[2].id' })).toBe('$.items[2].id');
    expect(noiseLocationLabel({ kind: 'json', path: '$.tags', unordered: true })).toBe('$.tags (any order)');
    expect(noiseLocationLabel({ kind: 'csv', row: 3, column: 'id' })).toBe('row 3, column id');
    expect(noiseLocationLabel({ kind: 'text', line: 4, pattern: '^at .*$' })).toBe('line 4 ~ /^at .*$/');
    expect(noiseLocationLabel({ kind: 'text', unordered: true })).toBe('lines (any order)');
    expect(noiseCount(sampleReport())).toEqual({ rules: 4, scenarios: 3 });
  });

  it('counts and orders deviations: expired, obsolete, active', () => {
    expect(deviationCounts(sampleReport())).toEqual({ active: 1, obsolete: 1, expired: 1, total: 3 });
    expect(sortDeviations(sampleReport().suites[0]!.deviations!).map((d) => d.status)).toEqual(['expired', 'obsolete', 'active']);
  });

  it('accepts only http(s) URLs as links, normalized', () => {
    expect(httpUrl('https://tracker.example.com/PAY-12')).toBe('https://tracker.example.com/PAY-12');
    expect(httpUrl('HTTP://Example.com/a b')).toBeNull(); // spaces: not one URL
    expect(httpUrl('https://x.example/a"><svg/onload=alert(1)>')).toBe('https://x.example/a%22%3E%3Csvg/onload=alert(1)%3E');
    for (const text of ['javascript:alert(1)', 'PAY-12', 'ftp://x.example/', 'https://', '//x.example/a', ' https://x.example/']) expect(httpUrl(text), text).toBeNull();
  });
});

describe('exchangeLine', () => {
  const exchange = {
    request: { method: 'POST', url: '/orders?page=2', headers: [] },
    legacy: { status: 201, statusText: 'Created', headers: [] },
    candidate: { status: 400, statusText: '', headers: [] }, // HTTP/2: no reason phrase
  };

  it('names the request and each side\'s status, with reason phrases when asked', () => {
    expect(exchangeLine(exchange)).toBe('POST /orders?page=2 → legacy 201, candidate 400');
    expect(exchangeLine(exchange, { reason: true })).toBe('POST /orders?page=2 → legacy 201 Created, candidate 400');
  });

  it('says which side never sent the request', () => {
    expect(exchangeLine({ request: exchange.request, legacy: exchange.legacy })).toBe('POST /orders?page=2 → legacy 201, candidate not sent');
    expect(exchangeStatus(undefined, { reason: true })).toBe('not sent');
  });
});
