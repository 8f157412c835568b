import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { compareBinary, compareCsv, compareJson, compareText, compareValue } from './compare/index.ts';
import { compareHttp } from './compare/http.ts';
import type { HttpExchange } from './http-model.ts';
import {
  applyDeviations,
  deviationReports,
  deviationSchema,
  describeDeviation,
  isExpired,
  loadDeviations,
  localDate,
  type Deviation,
} from './deviations.ts';
import { ParityError } from './errors.ts';
import type { ChannelResult, Difference } from './model.ts';

const TODAY = '2025-11-21';
const ctx = { suite: 'cli', scenarioId: 'report-monthly', tags: ['report', 'json'] };

function dev(fields: Partial<Deviation> & Pick<Deviation, 'channel'>): Deviation {
  return { id: 'd1', suite: 'cli', reason: 'intended', ...fields };
}

function diff(channel: ChannelResult['channel'], difference: Difference | null, extra: Partial<ChannelResult> = {}): ChannelResult {
  expect(difference).not.toBeNull();
  return { channel, verdict: 'diff', difference: difference!, ...extra };
}

/** Applies the deviations to one result; returns its verdict, its ids and the used ids. */
function verdictWith(result: ChannelResult, deviations: Deviation[], scope = ctx, today = TODAY) {
  const { channels, used } = applyDeviations(scope, [result], deviations, today);
  return { verdict: channels[0].verdict, ids: channels[0].deviations, used };
}

const json = (a: unknown, b: unknown) => diff('stdout', compareJson(a, b), { format: 'json' });
const csv = (a: string, b: string, key?: string) => diff('files', compareCsv(a, b, { key }), { path: 'out/ledger.csv', format: 'csv' });
const text = (a: string, b: string) => diff('stdout', compareText(a, b), { format: 'text' });
const exit = (a: object, b: object) => diff('exit', compareValue('exit', a, b));

describe('applyDeviations: JSON changes', () => {
  const result = json({ accounts: [{ id: 1, balance: 2.615 }, { id: 2, balance: 10 }] }, { accounts: [{ id: 1, balance: 2.62 }, { id: 2, balance: 10 }] });

  it('accepts a change whose path matches a JSONPath pattern, with values', () => {
    for (const where of ['$.accounts[*].balance', '$..balance', '$.accounts[0].balance', '$.accounts']) {
      expect(verdictWith(result, [dev({ channel: 'stdout', where, legacy: 2.615, candidate: 2.62 })]).verdict, where).toBe('accepted');
    }
    const out = verdictWith(result, [dev({ id: 'round', channel: 'stdout', where: '$..balance' })]);
    expect(out).toEqual({ verdict: 'accepted', ids: ['round'], used: ['round'] });
  });

  it('does not accept another path, other values, or a string for a number', () => {
    expect(verdictWith(result, [dev({ channel: 'stdout', where: '$..id' })]).verdict).toBe('diff');
    expect(verdictWith(result, [dev({ channel: 'stdout', where: '$..balance', legacy: 2.61 })]).verdict).toBe('diff');
    expect(verdictWith(result, [dev({ channel: 'stdout', where: '$..balance', candidate: '2.62' })]).verdict).toBe('diff');
    expect(verdictWith(result, [dev({ channel: 'stdout', where: 'balance' })]).verdict).toBe('diff'); // not a JSONPath
    expect(verdictWith(result, [dev({ channel: 'stdout', where: '$..balance' })]).used).toEqual(['d1']);
    expect(verdictWith(result, [dev({ channel: 'stdout', where: '$..id' })]).used).toEqual([]);
  });

  it('matches patterns on the value text, objects by deep equality, absent sides never', () => {
    expect(verdictWith(result, [dev({ channel: 'stdout', where: '$..balance', legacy: '/^2\\.61\\d$/', candidate: '/^2\\.62$/' })]).verdict).toBe('accepted');
    const nested = json({ meta: { v: 1, tags: ['a'] } }, { meta: { tags: ['a'], v: 2 }, extra: true });
    const added = dev({ id: 'added', channel: 'stdout', where: '$.extra', candidate: true });
    const changed = dev({ id: 'v', channel: 'stdout', where: '$.meta.v', legacy: 1, candidate: 2 });
    expect(verdictWith(nested, [added, changed])).toEqual({ verdict: 'accepted', ids: ['added', 'v'], used: ['added', 'v'] });
    // `extra` was added: it has no legacy side, so a deviation requiring a legacy value does not match it
    expect(verdictWith(nested, [dev({ id: 'added', channel: 'stdout', where: '$.extra', legacy: false }), changed]).verdict).toBe('diff');
    const objects = json({ a: { x: 1 } }, { a: [1] }); // a type change: values are whole objects
    expect(verdictWith(objects, [dev({ channel: 'stdout', where: '$.a', legacy: { x: 1 }, candidate: [1] })]).verdict).toBe('accepted');
    expect(verdictWith(objects, [dev({ channel: 'stdout', where: '$.a', legacy: { x: 2 } })]).verdict).toBe('diff');
  });

  it('compares big integers with all their digits', () => {
    const raw = (JSON as unknown as { rawJSON: (text: string) => unknown }).rawJSON;
    const big = json({ id: raw('12345678901234567') }, { id: raw('12345678901234568') });
    expect(verdictWith(big, [dev({ channel: 'stdout', where: '$.id', legacy: 12345678901234567n, candidate: 12345678901234568n })]).verdict).toBe('accepted');
    expect(verdictWith(big, [dev({ channel: 'stdout', where: '$.id', legacy: 12345678901234568n })]).verdict).toBe('diff');
    expect(verdictWith(big, [dev({ channel: 'stdout', where: '$.id', candidate: '/^12345678901234568$/' })]).verdict).toBe('accepted');
    const cell = csv('n\n12345678901234567\n', 'n\n1\n');
    expect(verdictWith(cell, [dev({ channel: 'files', where: 'n', legacy: 12345678901234567n })]).verdict).toBe('accepted');
  });

  it('keeps a partly explained result as diff, and reports the deviation as used', () => {
    const two = json({ a: 1, b: 1 }, { a: 2, b: 2 });
    const out = verdictWith(two, [dev({ id: 'only-a', channel: 'stdout', where: '$.a' })]);
    expect(out).toEqual({ verdict: 'diff', ids: undefined, used: ['only-a'] });
  });
});

describe('applyDeviations: CSV changes', () => {
  const legacy = 'id,amount,memo\n7,2.615,rent\n8,1.00,food\n';

  it('accepts cell changes by column, comparing untyped cells by their text', () => {
    const result = csv(legacy, 'id,amount,memo\n7,2.62,rent\n8,1.00,food\n');
    expect(verdictWith(result, [dev({ channel: 'files', where: 'amount', legacy: '2.615', candidate: 2.62 })]).verdict).toBe('accepted');
    expect(verdictWith(result, [dev({ channel: 'files', where: '/^am/', candidate: '/^2\\.62$/' })]).verdict).toBe('accepted');
    expect(verdictWith(result, [dev({ channel: 'files', where: 'memo' })]).verdict).toBe('diff');
    expect(verdictWith(result, [dev({ channel: 'files', where: 'amount', candidate: 2.6 })]).verdict).toBe('diff');
  });

  it('names row order, added/removed rows and header changes', () => {
    const moved = csv(legacy, 'id,amount,memo\n8,1.00,food\n7,2.615,rent\n', 'id');
    expect(verdictWith(moved, [dev({ channel: 'files', where: 'order' })]).verdict).toBe('accepted');
    expect(verdictWith(moved, [dev({ channel: 'files', where: 'row' })]).verdict).toBe('diff');

    const removed = csv(legacy, 'id,amount,memo\n7,2.615,rent\n');
    expect(verdictWith(removed, [dev({ channel: 'files', where: 'row', legacy: '8,1.00,food' })]).verdict).toBe('accepted');
    expect(verdictWith(removed, [dev({ channel: 'files', where: 'row', candidate: '/./' })]).verdict).toBe('diff');

    const header = csv(legacy, 'id,amount,memo,currency\n7,2.615,rent,EUR\n8,1.00,food,EUR\n');
    expect(verdictWith(header, [dev({ channel: 'files', where: 'header', candidate: 'currency' })]).verdict).toBe('accepted');
    expect(verdictWith(header, [dev({ channel: 'files', where: 'currency' })]).verdict).toBe('diff');
  });
});

describe('applyDeviations: text lines', () => {
  const legacy = 'Account  Balance\nsavings  -35.50\nchecking 120.00\nTotal    84.50\n';
  const candidate = 'Account  Balance\nsavings  (35.50)\nchecking 120.00\nTotal    84.50\nGenerated by v3\n';
  const result = text(legacy, candidate);

  it('pairs removed and added lines and matches where on either side, values on the line text', () => {
    const negatives = dev({ id: 'parens', channel: 'stdout', where: '^savings', legacy: '/-\\d/', candidate: '/\\(\\d+\\.\\d+\\)/' });
    const footer = dev({ id: 'footer', channel: 'stdout', candidate: 'Generated by v3' });
    expect(verdictWith(result, [negatives, footer])).toEqual({ verdict: 'accepted', ids: ['parens', 'footer'], used: ['parens', 'footer'] });
    // the footer line is unpaired: it has no legacy side
    expect(verdictWith(result, [negatives, dev({ id: 'footer', channel: 'stdout', where: '/^Generated/', legacy: '' })]).verdict).toBe('diff');
    expect(verdictWith(result, [negatives]).verdict).toBe('diff');
    expect(verdictWith(result, [dev({ channel: 'stdout', where: '/^SAVINGS/i' }), footer]).verdict).toBe('accepted');
    expect(verdictWith(result, [dev({ channel: 'stdout', where: 'checking' }), footer]).verdict).toBe('diff');
  });

  it('compares exact line values as text and skips no-newline markers', () => {
    const noEol = text('total 3\n', 'total 3');
    expect(verdictWith(noEol, [dev({ channel: 'stdout', legacy: 'total 3', candidate: 'total 3' })]).verdict).toBe('accepted');
    const number = text('42\n', '43\n');
    expect(verdictWith(number, [dev({ channel: 'stdout', legacy: 42, candidate: 43 })]).verdict).toBe('accepted');
  });

  it('accepts a truncated text diff only with a catch-all deviation', () => {
    const truncated: ChannelResult = { ...result, difference: { ...(result.difference as Extract<Difference, { kind: 'text' }>), truncated: true } };
    expect(verdictWith(truncated, [dev({ channel: 'stdout', where: '/./' })]).verdict).toBe('diff');
    expect(verdictWith(truncated, [dev({ channel: 'stdout', candidate: '/./' })]).verdict).toBe('diff');
    expect(verdictWith(truncated, [dev({ channel: 'stdout' })]).verdict).toBe('accepted');
  });
});

describe('applyDeviations: exit, file presence, binary', () => {
  it('matches exit fields by name and typed value', () => {
    const result = exit({ code: 1, signal: null, timedOut: false }, { code: 0, signal: null, timedOut: false });
    expect(verdictWith(result, [dev({ channel: 'exit', where: 'code', legacy: 1, candidate: 0 })]).verdict).toBe('accepted');
    expect(verdictWith(result, [dev({ channel: 'exit', where: 'code', legacy: '1' })]).verdict).toBe('diff');
    expect(verdictWith(result, [dev({ channel: 'exit', where: 'signal' })]).verdict).toBe('diff');
    const both = exit({ code: null, signal: 'SIGKILL', timedOut: true }, { code: 0, signal: null, timedOut: false });
    expect(verdictWith(both, [dev({ channel: 'exit', where: 'code' }), dev({ id: 'd2', channel: 'exit', where: 'signal' })]).verdict).toBe('diff');
    expect(verdictWith(both, [dev({ channel: 'exit', where: '/^(code|signal|timedOut)$/' })]).verdict).toBe('accepted');
  });

  it('matches a file created by one side only as presence', () => {
    const result = diff(
      'files',
      { kind: 'value', summary: 'out/debug.log created by candidate only', unified: '', legacy: null, candidate: 'created' },
      { path: 'out/debug.log', format: 'text' },
    );
    expect(verdictWith(result, [dev({ channel: 'files', file: 'out/*.log', where: 'presence', legacy: null, candidate: 'created' })]).verdict).toBe('accepted');
    expect(verdictWith(result, [dev({ channel: 'files', file: 'out/*.log', where: 'presence', legacy: 'created' })]).verdict).toBe('diff');
    expect(verdictWith(result, [dev({ channel: 'files', file: 'out/*.csv', where: 'presence' })]).verdict).toBe('diff');
    const kind = diff('files', compareValue('out/a.txt change', 'created', 'modified'), { path: 'out/a.txt' });
    expect(verdictWith(kind, [dev({ channel: 'files', where: 'presence', candidate: 'modified' })]).verdict).toBe('accepted');
  });

  it('matches binary content by sha256, never by where', () => {
    const result = diff('files', compareBinary(Buffer.from([0, 1, 2]), Buffer.from([0, 1, 3])), { path: 'statement.pdf', format: 'binary' });
    const sha = (result.difference as Extract<Difference, { kind: 'binary' }>).candidate.sha256;
    expect(verdictWith(result, [dev({ channel: 'files', candidate: sha })]).verdict).toBe('accepted');
    expect(verdictWith(result, [dev({ channel: 'files', candidate: 'ab'.repeat(32) })]).verdict).toBe('diff');
    expect(verdictWith(result, [dev({ channel: 'files', where: 'presence' })]).verdict).toBe('diff');
    expect(verdictWith(result, [dev({ channel: 'files', file: '*.pdf' })]).verdict).toBe('accepted');
  });
});

describe('applyDeviations: http exchanges', () => {
  const exchange = (status: number, headers: Array<[string, string]>, body: string): HttpExchange => ({
    request: { method: 'GET', url: '/orders/7', headers: [], body: null },
    response: { status, statusText: '', headers, body: Buffer.from(body) },
    captures: {},
    durationMs: 3,
  });
  const http = (legacy: HttpExchange[], candidate: HttpExchange[]) => {
    const results = compareHttp({ exchanges: legacy }, { exchanges: candidate });
    expect(results).toHaveLength(1);
    expect(results[0].verdict).toBe('diff');
    return results[0];
  };
  const json: Array<[string, string]> = [['content-type', 'application/json']];
  const text: Array<[string, string]> = [['content-type', 'text/plain']];

  it('names status, headers and a JSON body by JSONPath', () => {
    const result = http([exchange(200, json, '{"total":2.615}')], [exchange(201, json, '{"total":2.62}')]);
    const status = dev({ id: 'created', channel: 'http', where: '$.status', legacy: 200, candidate: 201 });
    const total = dev({ id: 'rounding', channel: 'http', where: '$.body.total' });
    expect(verdictWith(result, [status, total])).toEqual({ verdict: 'accepted', ids: ['created', 'rounding'], used: ['created', 'rounding'] });
    expect(verdictWith(result, [total]).verdict).toBe('diff');
    // a header only the candidate sends: an added path, with no legacy value
    const location = http([exchange(200, json, '{}')], [exchange(200, [...json, ['location', '/orders/7']], '{}')]);
    expect(verdictWith(location, [dev({ channel: 'http', where: "$.headers['location']", candidate: '/^\\/orders\\/\\d+$/' })]).verdict).toBe('accepted');
    expect(verdictWith(location, [dev({ channel: 'http', where: "$.headers['location']", legacy: null })]).verdict).toBe('diff');
  });

  it('matches a status-only difference at $.status, and header changes beside a text body', () => {
    expect(verdictWith(http([exchange(404, text, 'no')], [exchange(410, text, 'no')]), [dev({ channel: 'http', where: '$.status', candidate: 410 })]).verdict).toBe('accepted');
    const both = http([exchange(200, [...text, ['x-api', '1']], 'hello\n')], [exchange(200, [...text, ['x-api', '2']], 'hello!\n')]);
    const header = dev({ id: 'api', channel: 'http', where: "$.headers['x-api']", legacy: '1', candidate: '2' });
    const line = dev({ id: 'bang', channel: 'http', candidate: 'hello!' });
    expect(verdictWith(both, [header]).verdict).toBe('diff');
    expect(verdictWith(both, [header, line]).verdict).toBe('accepted');
  });

  it('matches a request one side did not send as presence', () => {
    const results = compareHttp({ exchanges: [exchange(200, text, 'a'), exchange(200, text, 'b')] }, { exchanges: [exchange(200, text, 'a')] });
    const missing = results.find((r) => r.verdict === 'diff')!;
    expect(verdictWith(missing, [dev({ channel: 'http', where: 'presence', candidate: null })]).verdict).toBe('accepted');
    expect(verdictWith(missing, [dev({ channel: 'http', where: '$.status' })]).verdict).toBe('diff');
  });
});

describe('applyDeviations: scope', () => {
  const result = json({ a: 1 }, { a: 2 });
  const base = { channel: 'stdout' as const, where: '$.a' };

  it('needs the same suite and channel', () => {
    expect(verdictWith(result, [dev({ ...base, suite: 'other' })]).verdict).toBe('diff');
    expect(verdictWith(result, [dev({ ...base, channel: 'stderr' })]).verdict).toBe('diff');
  });

  it('matches scenario globs (any of), tags (any of), and both together (AND)', () => {
    expect(verdictWith(result, [dev({ ...base, scenarios: ['report-*'] })]).verdict).toBe('accepted');
    expect(verdictWith(result, [dev({ ...base, scenarios: ['balance-*', 'report-monthly'] })]).verdict).toBe('accepted');
    expect(verdictWith(result, [dev({ ...base, scenarios: ['balance-*'] })]).verdict).toBe('diff');
    expect(verdictWith(result, [dev({ ...base, tags: ['csv', 'json'] })]).verdict).toBe('accepted');
    expect(verdictWith(result, [dev({ ...base, tags: ['csv'] })]).verdict).toBe('diff');
    expect(verdictWith(result, [dev({ ...base, scenarios: ['report-*'], tags: ['json'] })]).verdict).toBe('accepted');
    expect(verdictWith(result, [dev({ ...base, scenarios: ['report-*'], tags: ['csv'] })]).verdict).toBe('diff');
    expect(verdictWith(result, [dev({ ...base, scenarios: ['balance-*'], tags: ['json'] })]).verdict).toBe('diff');
  });

  it('needs the file glob to match the result path', () => {
    const file = csv('a\n1\n', 'a\n2\n');
    expect(verdictWith(file, [dev({ channel: 'files', file: 'out/**/*.csv' })]).verdict).toBe('accepted');
    expect(verdictWith(file, [dev({ channel: 'files', file: '*.csv' })]).verdict).toBe('diff');
  });

  it('never lets an expired deviation accept, and keeps the expiry day itself valid', () => {
    expect(verdictWith(result, [dev({ ...base, expires: '2025-11-21' })]).verdict).toBe('accepted');
    expect(verdictWith(result, [dev({ ...base, expires: '2025-11-20' })])).toEqual({ verdict: 'diff', ids: undefined, used: [] });
    expect(isExpired({ expires: '2025-11-20' }, TODAY)).toBe(true);
    expect(isExpired({ expires: '2025-11-21' }, TODAY)).toBe(false);
    expect(isExpired({}, TODAY)).toBe(false);
  });

  it('leaves passing results and the inputs untouched', () => {
    const pass: ChannelResult = { channel: 'stdout', verdict: 'pass' };
    const input = [pass, result];
    const snapshot = structuredClone(input);
    const out = applyDeviations(ctx, input, [dev(base)], TODAY);
    expect(out.channels[0]).toBe(pass);
    expect(out.channels[1]).toMatchObject({ verdict: 'accepted', deviations: ['d1'] });
    expect(input).toEqual(snapshot);
  });
});

describe('deviationReports', () => {
  it('gives each deviation its status, covered scenarios and channel label', () => {
    const deviations = [
      dev({ id: 'active', channel: 'stdout', where: '$.a', ticket: 'PAY-1', owner: 'ana' }),
      dev({ id: 'gone', channel: 'files', file: 'out/*.csv' }),
      dev({ id: 'old', channel: 'exit', expires: '2025-01-31' }),
    ];
    const usedBy = new Map([
      ['active', ['s1', 's2', 's1']],
      ['old', ['s3']],
    ]);
    expect(deviationReports(deviations, usedBy, TODAY)).toEqual([
      { id: 'active', reason: 'intended', ticket: 'PAY-1', owner: 'ana', channel: 'stdout', where: '$.a', covered: ['s1', 's2'], status: 'active' },
      { id: 'gone', reason: 'intended', channel: 'files out/*.csv', covered: [], status: 'obsolete' },
      { id: 'old', reason: 'intended', expires: '2025-01-31', channel: 'exit', covered: ['s3'], status: 'expired' },
    ]);
  });
});

describe('describeDeviation', () => {
  it('says what, where, why in one line', () => {
    const line = describeDeviation(
      dev({ id: 'round', channel: 'stdout', where: '$..balance', legacy: '2.615', candidate: '/^2\\.62$/', scenarios: ['report-*'], reason: 'Python 3\nrounds half to even', ticket: 'PAY-12', expires: '2026-03-31' }),
    );
    expect(line).toBe('round: cli stdout at $..balance "2.615" → /^2\\.62$/ (scenarios report-*) — Python 3 rounds half to even [PAY-12, expires 2026-03-31]');
    expect(describeDeviation(dev({ channel: 'files', file: 'a.csv', candidate: 3 }))).toBe('d1: cli files a.csv * → 3 — intended');
  });
});

describe('localDate', () => {
  it('writes YYYY-MM-DD in local time', () => {
    expect(localDate(new Date(2026, 0, 5, 23, 59))).toBe('2026-01-05');
  });
});

describe('loadDeviations', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'paritykit-deviations-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function loadError(yaml: string | null, inline?: unknown[]): Promise<ParityError> {
    if (yaml !== null) await writeFile(path.join(dir, 'deviations.yaml'), yaml);
    const error = await loadDeviations(dir, inline, path.join(dir, 'paritykit.config.ts')).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ParityError);
    expect((error as ParityError).code).toBe('CONFIG_INVALID');
    return error as ParityError;
  }

  it('returns nothing when there is no file', async () => {
    expect(await loadDeviations(dir)).toEqual({ file: null, deviations: [] });
  });

  it('reads a list or { deviations }, .yaml or .yml, then inline entries', async () => {
    await writeFile(
      path.join(dir, 'deviations.yml'),
      [
        'deviations:',
        '  - id: round-half-even',
        '    suite: cli',
        '    scenarios: report-*',
        '    channel: stdout',
        '    where: $..balance',
        '    legacy: /5$/',
        '    candidate: 2.62',
        '    reason: Python 3 rounds half to even',
        '    ticket: https://tracker.example/PAY-12',
        '    expires: 2026-03-31',
      ].join('\n'),
    );
    const inline = [{ id: 'exit-zero', suite: 'cli', channel: 'exit', where: 'code', reason: 'errors now exit 2' }];
    const loaded = await loadDeviations(dir, inline);
    expect(loaded.file).toBe(path.join(dir, 'deviations.yml'));
    expect(loaded.deviations).toEqual([
      {
        id: 'round-half-even',
        suite: 'cli',
        scenarios: ['report-*'],
        channel: 'stdout',
        where: '$..balance',
        legacy: '/5$/',
        candidate: 2.62,
        reason: 'Python 3 rounds half to even',
        ticket: 'https://tracker.example/PAY-12',
        expires: '2026-03-31',
      },
      inline[0],
    ]);
    await rm(path.join(dir, 'deviations.yml'));
    await writeFile(path.join(dir, 'deviations.yaml'), '- { id: a, suite: cli, channel: stderr, reason: noisy }\n');
    expect((await loadDeviations(dir)).deviations).toEqual([{ id: 'a', suite: 'cli', channel: 'stderr', reason: 'noisy' }]);
    await writeFile(path.join(dir, 'deviations.yaml'), '# nothing yet\n');
    expect((await loadDeviations(dir)).deviations).toEqual([]);
  });

  it('names the file, the entry, the field and the fix for invalid entries', async () => {
    const error = await loadError(
      [
        '- id: ok',
        '  suite: cli',
        '  channel: stdout',
        '  reason: fine',
        '- id: no-reason',
        '  suite: cli',
        '  channel: stdout',
        '  reason: "  "',
        '- suite: cli',
        '  channel: db',
        '  reason: x',
        '- id: bad-fields',
        '  suite: cli',
        '  channel: exit',
        '  where: status',
        '  file: out.txt',
        '  legacy: /(/',
        '  reason: several mistakes',
        '  expires: 2026-02-30',
        '  scenario: typo',
      ].join('\n'),
    );
    const file = path.join(dir, 'deviations.yaml');
    expect(error.file).toBe(file);
    expect(error.message).toContain(`${file}: invalid deviations`);
    expect(error.message).toContain('deviation "no-reason" (#2): reason: is required: say why this difference is intended');
    expect(error.message).toMatch(/deviation #3: id: /);
    expect(error.message).toMatch(/deviation #3: channel: /);
    expect(error.message).toContain('deviation "bad-fields" (#4): file: is only for channel "files"');
    expect(error.message).toContain('deviation "bad-fields" (#4): where: for channel "exit" must be one of code, signal, timedOut');
    expect(error.message).toContain('deviation "bad-fields" (#4): legacy: ');
    expect(error.message).toContain('write a JavaScript regex as "/source/flags"');
    expect(error.message).toContain('deviation "bad-fields" (#4): expires: must be a date written YYYY-MM-DD');
    expect(error.message).toContain('deviation "bad-fields" (#4): scenario: unknown field; did you mean scenarios?');
    expect(error.message).toContain('deviation #3: id: is required');
    expect(error.message).toContain('deviation #3: channel: must be one of stdout, stderr, exit, files, http');
    expect(error.message).toContain('see docs/deviations.md');
    expect(error.message).not.toContain('"ok"');
  });

  it('checks JSONPath places and the file shape', async () => {
    const bad = await loadError('- { id: p, suite: cli, channel: stdout, where: "$.items[?(@.x)]", reason: r }\n');
    expect(bad.message).toContain('deviation "p" (#1): where: JSONPath "$.items[?(@.x)]": filters and slices are not supported');
    expect((await loadError('deviations: 3\n')).message).toContain('expected a list of deviations or { deviations: [...] }');
    expect((await loadError('- [unclosed\n')).message).toContain('not valid YAML');
  });

  it('refuses duplicate ids, in the file or between the file and the config', async () => {
    const twice = await loadError('- { id: a, suite: cli, channel: stdout, reason: r }\n- { id: a, suite: cli, channel: stderr, reason: r }\n');
    expect(twice.message).toContain('deviation id "a" is used twice');
    const across = await loadError('- { id: a, suite: cli, channel: stdout, reason: r }\n', [{ id: 'a', suite: 'cli', channel: 'exit', reason: 'r' }]);
    expect(across.message).toContain('paritykit.config.ts (deviations): deviation id "a" is used twice (first in');
    const inlineBad = await loadError(null, [{ id: 'x', suite: 'cli', channel: 'stdout' }]);
    expect(inlineBad.message).toContain('paritykit.config.ts (deviations): invalid deviations');
    expect(inlineBad.message).toContain('deviation "x" (#1): reason: ');
  });

  it('refuses deviations.yaml and deviations.yml side by side', async () => {
    await writeFile(path.join(dir, 'deviations.yml'), '[]\n');
    const error = await loadError('[]\n');
    expect(error.message).toContain('both deviations.yaml and deviations.yml exist');
  });

  it('exports the entry schema for the config loader', () => {
    expect(deviationSchema.safeParse({ id: 'a', suite: 's', channel: 'stdout', reason: 'r', tags: 'slow' }).data?.tags).toEqual(['slow']);
    expect(deviationSchema.safeParse({ id: 'a', suite: 's', channel: 'stdout', reason: 'r', expires: new Date('2026-01-02T00:00:00Z') }).data?.expires).toBe('2026-01-02');
    expect(deviationSchema.safeParse({ id: '../x', suite: 's', channel: 'stdout', reason: 'r' }).success).toBe(false);
  });
});
