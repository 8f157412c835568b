import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { Command } from 'commander';
import picomatch from 'picomatch';
import YAML from 'yaml';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadBaseline } from '../baselines/store.ts';
import { reportOf, suiteOf } from '../reporters/fixtures.ts';
import type { ParityReport, ScenarioReport } from '../reporters/model.ts';
import { readReport, writeReports } from '../reporters/write.ts';
import type { CliIo } from './cli.ts';
import { compareBinary, compareContent, compareText, compareValue } from './compare/index.ts';
import { applyDeviations, loadDeviations, type Deviation } from './deviations.ts';
import { ParityError } from './errors.ts';
import type { ChannelResult, Difference } from './model.ts';
import {
  appendDeviations,
  deviationsFromScenario,
  isBroadDeviation,
  registerReviewCommands,
  renderScenarioDifferences,
  runApprove,
  runReview,
  type ReviewAction,
  type ReviewPrompts,
} from './review.ts';

const TODAY = '2025-11-21';
const IDENTITY = {
  legacy: { command: ['sh', '-c', 'echo hi'], version: null, gitCommit: null },
  candidate: { command: ['sh', '-c', 'echo ho'], version: null, gitCommit: null },
  revision: 'r1',
  recordedAt: '2025-11-20T10:00:00.000Z',
};

function diff(channel: ChannelResult['channel'], difference: Difference | null, extra: Partial<ChannelResult> = {}): ChannelResult {
  if (difference === null) throw new Error('test inputs must differ');
  return { channel, verdict: 'diff', difference, ...extra };
}

function scenario(id: string, channels: ChannelResult[], extra: Partial<ScenarioReport> = {}): ScenarioReport {
  const verdict = channels.some((c) => c.verdict === 'diff') ? 'diff' : 'pass';
  return { id, tags: [], verdict, durationMs: 10, channels, ...extra };
}

/** Real comparator outputs, one per kind of difference. */
const results = {
  text: () =>
    diff('stdout', compareText('Account  Balance\nsavings  -35.50\nTotal  84.50\n', 'Account  Balance\nsavings  (35.50)\nTotal  84.50\nfooter\n'), { format: 'text' }),
  json: () =>
    diff('stdout', compareContent('{"total": 2.615, "unit": "EUR", "n": 12345678901234567}', '{"total": 2.62, "unit": "EUR", "n": 12345678901234568, "v": 2}', 'json'), {
      format: 'json',
    }),
  jsonOne: () => diff('stdout', compareContent('{"pattern": "/a+/"}', '{"pattern": "/b+/"}', 'json'), { format: 'json' }),
  csv: () =>
    diff('files', compareContent('id,amount,memo\n7,10.50,rent\n8,3,x\n9,1,y\n', 'id,amount,memo\n8,3,x\n7,10.5,rent\n', 'csv', { csvKey: 'id' }), {
      path: 'out/ledger[2025].csv',
      format: 'csv',
    }),
  csvOddColumns: () => diff('stdout', compareContent('$amount,/x/\n1,2\n', '$amount,/x/\n3,4\n', 'csv'), { format: 'csv' }),
  exit: () =>
    diff('exit', compareValue('exit', { code: 1, signal: null, timedOut: false }, { code: 0, signal: 'SIGTERM', timedOut: false })),
  presence: () =>
    diff('files', { kind: 'value', summary: 'report.txt created by legacy only', unified: 'legacy created report.txt', legacy: 'created', candidate: null }, {
      path: 'report.txt',
      format: 'text',
    }),
  binary: () => diff('files', compareBinary(Buffer.from([0, 1, 2]), Buffer.from([0, 1, 3])), { path: 'logo.png', format: 'image' }),
  truncated: (): ChannelResult => {
    const d = compareText('a\nb\n', 'a\nc\n')!;
    if (d.kind !== 'text') throw new Error('expected a text difference');
    return diff('stderr', { ...d, truncated: true }, { format: 'text' });
  },
};

const META = { reason: 'intended by the rewrite', ticket: 'FIN-12', owner: 'ana' };

describe('deviationsFromScenario', () => {
  it('writes one entry per JSON change, pinned to its path and both values', () => {
    const entries = deviationsFromScenario('ledger', scenario('totals', [results.json()]), META);
    expect(entries.map((e) => [e.id, e.where, e.legacy, e.candidate])).toEqual([
      ['ledger.totals.stdout.1', '$.total', 2.615, 2.62],
      // Too precise for a double: kept digit for digit (a BigInt, written as a YAML integer).
      ['ledger.totals.stdout.2', '$.n', 12345678901234567n, 12345678901234568n],
      ['ledger.totals.stdout.3', '$.v', undefined, 2],
    ]);
    expect(entries[2]).not.toHaveProperty('legacy'); // an added value has no legacy side
    expect(entries[0]).toMatchObject({ suite: 'ledger', scenarios: ['totals'], channel: 'stdout', reason: META.reason, ticket: 'FIN-12', owner: 'ana' });
    expect(Object.keys(entries[0])).toEqual(['id', 'suite', 'scenarios', 'channel', 'where', 'legacy', 'candidate', 'reason', 'ticket', 'owner']);
  });

  it('uses the bare id for a single change, and writes pattern-looking strings as exact regexes', () => {
    const [entry, ...rest] = deviationsFromScenario('ledger', scenario('p', [results.jsonOne()]), { reason: 'r' });
    expect(rest).toEqual([]);
    expect(entry.id).toBe('ledger.p.stdout');
    expect(entry.legacy).toBe('/^\\/a\\+\\/$/');
    expect(new RegExp('^\\/a\\+\\/$').test('/a+/')).toBe(true);
    expect(new RegExp('^\\/a\\+\\/$').test('/aa/')).toBe(false);
  });

  it('writes one entry per CSV change with where = column, row or order; the file as an exact glob', () => {
    const entries = deviationsFromScenario('ledger', scenario('export', [results.csv()]), META);
    expect(entries.map((e) => [e.where, e.legacy, e.candidate])).toEqual([
      ['row', '9,1,y', undefined],
      ['amount', '10.50', '10.5'],
      ['order', '1', '2'],
    ]);
    const file = entries[0].file!;
    expect(file).toBe('out/ledger\\[2025\\].csv');
    expect(picomatch(file, { dot: true })('out/ledger[2025].csv')).toBe(true);
    expect(picomatch(file, { dot: true })('out/ledger2.csv')).toBe(false);
    expect(entries.map((e) => e.id)).toEqual([
      'ledger.export.files.out_ledger_2025_.csv.1',
      'ledger.export.files.out_ledger_2025_.csv.2',
      'ledger.export.files.out_ledger_2025_.csv.3',
    ]);
  });

  it('writes CSV column names that would read as a pattern or a JSONPath as exact regexes', () => {
    const entries = deviationsFromScenario('ledger', scenario('odd', [results.csvOddColumns()]), META);
    expect(entries.map((e) => e.where)).toEqual(['/^\\$amount$/', '/^\\/x\\/$/']);
  });

  it('pairs removed and added text lines, leaving unpaired lines with one side', () => {
    const entries = deviationsFromScenario('ledger', scenario('balance', [results.text()]), META);
    expect(entries.map((e) => [e.where, e.legacy, e.candidate])).toEqual([
      [undefined, 'savings  -35.50', 'savings  (35.50)'],
      [undefined, undefined, 'footer'],
    ]);
    expect(entries[1]).not.toHaveProperty('legacy');
    expect(entries.some(isBroadDeviation)).toBe(false);
  });

  it('writes one entry per differing exit field, and where: presence for a file on one side only', () => {
    const exit = deviationsFromScenario('ledger', scenario('s', [results.exit()]), META);
    expect(exit.map((e) => [e.channel, e.where, e.legacy, e.candidate])).toEqual([
      ['exit', 'code', 1, 0],
      ['exit', 'signal', null, 'SIGTERM'],
    ]);
    const [presence] = deviationsFromScenario('ledger', scenario('s', [results.presence()]), META);
    expect(presence).toMatchObject({ channel: 'files', file: 'report.txt', where: 'presence', legacy: 'created', candidate: null });
  });

  it('writes one broad entry for binary content and for a truncated text diff', () => {
    const entries = deviationsFromScenario('ledger', scenario('s', [results.binary(), results.truncated()]), META);
    expect(entries.map((e) => e.id)).toEqual(['ledger.s.files.logo.png', 'ledger.s.stderr']);
    expect(entries.every(isBroadDeviation)).toBe(true);
  });

  it('leaves out passing and already accepted channels', () => {
    const accepted: ChannelResult = { ...results.exit(), verdict: 'accepted', deviations: ['x'] };
    const entries = deviationsFromScenario('ledger', scenario('s', [{ channel: 'stderr', verdict: 'pass' }, accepted, results.jsonOne()]), META);
    expect(entries.map((e) => e.channel)).toEqual(['stdout']);
  });

  it('refuses a blank reason and a malformed expiry date', () => {
    const s = scenario('s', [results.exit()]);
    expect(() => deviationsFromScenario('ledger', s, { reason: '  ' })).toThrow(expect.objectContaining({ code: 'USAGE' }));
    expect(() => deviationsFromScenario('ledger', s, { reason: 'r', expires: '2026-02-30' })).toThrow(/YYYY-MM-DD/);
    expect(deviationsFromScenario('ledger', s, { reason: 'r', expires: '2026-02-28' })[0].expires).toBe('2026-02-28');
  });
});

describe('written deviations accept exactly the difference they came from', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'paritykit-review-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('round-trips every difference kind through report.json, deviations.yaml and applyDeviations', async () => {
    const live: Record<string, ChannelResult[]> = {
      text: [results.text()],
      json: [results.json(), results.exit()],
      csv: [results.csv(), results.presence()],
      pattern: [results.jsonOne(), results.csvOddColumns()],
      broad: [results.binary(), results.truncated()],
    };
    const report = reportOf([suiteOf('ledger', Object.entries(live).map(([id, channels]) => scenario(id, channels)), IDENTITY)]);
    await writeReports(report, path.join(dir, 'parity-report'));
    const reread = await readReport(path.join(dir, 'parity-report'));
    const entries = reread.suites[0].scenarios.flatMap((s) => deviationsFromScenario('ledger', s, META));
    const written = await appendDeviations(dir, entries);
    expect(written.written).toHaveLength(entries.length);

    const { deviations } = await loadDeviations(dir);
    expect(deviations).toHaveLength(entries.length);
    for (const [id, channels] of Object.entries(live)) {
      const applied = applyDeviations({ suite: 'ledger', scenarioId: id, tags: [] }, channels, deviations, TODAY);
      expect(applied.channels.map((c) => c.verdict), id).toEqual(channels.map(() => 'accepted'));
    }
  });

  it('keeps every digit of a number too precise for a double, and still matches it', async () => {
    const live = [results.json()];
    const written = await appendDeviations(dir, deviationsFromScenario('ledger', scenario('totals', live), META));
    const text = await readFile(written.file, 'utf8');
    expect(text).toContain('legacy: 12345678901234567\n');
    expect(text).toContain('candidate: 12345678901234568\n');
    const { deviations } = await loadDeviations(dir);
    expect(applyDeviations({ suite: 'ledger', scenarioId: 'totals', tags: [] }, live, deviations, TODAY).channels[0].verdict).toBe('accepted');
  });

  it('does not accept a different difference in the same place', async () => {
    const s = scenario('totals', [results.json(), results.text()]);
    await appendDeviations(dir, deviationsFromScenario('ledger', s, META));
    const { deviations } = await loadDeviations(dir);
    const other = [
      diff('stdout', compareContent('{"total": 2.615, "unit": "EUR", "n": 12345678901234567}', '{"total": 2.63, "unit": "EUR", "n": 12345678901234568, "v": 2}', 'json')),
    ];
    expect(applyDeviations({ suite: 'ledger', scenarioId: 'totals', tags: [] }, other, deviations, TODAY).channels[0].verdict).toBe('diff');
    const elsewhere = applyDeviations({ suite: 'ledger', scenarioId: 'other', tags: [] }, s.channels, deviations, TODAY);
    expect(elsewhere.channels.map((c) => c.verdict)).toEqual(['diff', 'diff']);
    const textChanged = [diff('stdout', compareText('savings  -35.50\n', 'savings  [35.50]\n'))];
    expect(applyDeviations({ suite: 'ledger', scenarioId: 'totals', tags: [] }, textChanged, deviations, TODAY).channels[0].verdict).toBe('diff');
  });
});

describe('appendDeviations', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'paritykit-review-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const entry = (id: string, extra: Partial<Deviation> = {}): Deviation => ({ id, suite: 'ledger', scenarios: ['s'], channel: 'exit', where: 'code', legacy: 1, candidate: 0, reason: 'r', ...extra });

  it('creates deviations.yaml with a header comment and a deviations list', async () => {
    const result = await appendDeviations(dir, [entry('a')], { comment: () => 'ledger › s: exit code 1 → 0' });
    expect(result).toMatchObject({ file: path.join(dir, 'deviations.yaml'), created: true, renamed: [], alreadyPresent: [] });
    const text = await readFile(result.file, 'utf8');
    expect(text).toMatch(/^# Known deviations/);
    expect(text).toContain('# ledger › s: exit code 1 → 0\n  - id: a');
    expect(YAML.parse(text)).toEqual({ deviations: [entry('a')] });
  });

  it('writes a shared comment once, above the first entry of its group', async () => {
    await appendDeviations(dir, [entry('a'), entry('b', { where: 'signal' }), entry('c', { channel: 'stdout', where: undefined })], {
      comment: (e) => (e.channel === 'exit' ? 'ledger › s: exit' : 'ledger › s: stdout'),
    });
    const text = await readFile(path.join(dir, 'deviations.yaml'), 'utf8');
    expect(text.match(/# ledger › s: exit/g)).toHaveLength(1);
    expect(text).toMatch(/reason: r\n  - id: b\n/);
    expect(text).toMatch(/reason: r\n\n  # ledger › s: stdout\n  - id: c\n/);
  });

  it('keeps existing comments and entries, and appends to a root list', async () => {
    const existing = '# team deviations\n- id: old # keep me\n  suite: ledger\n  channel: stdout\n  reason: legacy bug\n';
    await writeFile(path.join(dir, 'deviations.yaml'), existing);
    await appendDeviations(dir, [entry('a')]);
    const text = await readFile(path.join(dir, 'deviations.yaml'), 'utf8');
    expect(text.startsWith('# team deviations\n- id: old # keep me\n')).toBe(true);
    expect((YAML.parse(text) as Deviation[]).map((d) => d.id)).toEqual(['old', 'a']);
    expect((await loadDeviations(dir)).deviations.map((d) => d.id)).toEqual(['old', 'a']);
  });

  it('appends to deviations.yml when that is the file there, and fills an empty deviations key', async () => {
    await writeFile(path.join(dir, 'deviations.yml'), '# mine\ndeviations:\n');
    const result = await appendDeviations(dir, [entry('a')]);
    expect(result.file).toBe(path.join(dir, 'deviations.yml'));
    expect((await loadDeviations(dir)).deviations.map((d) => d.id)).toEqual(['a']);
    expect(await readFile(result.file, 'utf8')).toMatch(/^# mine\n/);
  });

  it('suffixes an id taken by a different entry, and skips an entry that is already there', async () => {
    await appendDeviations(dir, [entry('a')]);
    const result = await appendDeviations(dir, [entry('a', { legacy: 2 }), entry('a', { legacy: 3 }), entry('b'), entry('c', { reason: 'other words' })], {
      reservedIds: ['a-3'],
    });
    expect(result.renamed).toEqual([
      { from: 'a', to: 'a-2' },
      { from: 'a', to: 'a-4' },
    ]);
    // b and c match exactly what a already matches: not written again.
    expect(result.alreadyPresent.map((p) => [p.entry.id, p.existing.id])).toEqual([
      ['b', 'a'],
      ['c', 'a'],
    ]);
    expect((await loadDeviations(dir)).deviations.map((d) => [d.id, d.legacy])).toEqual([
      ['a', 1],
      ['a-2', 2],
      ['a-4', 3],
    ]);
  });

  it('refuses a file that is not YAML or not a list of deviations, naming it', async () => {
    const file = path.join(dir, 'deviations.yaml');
    await writeFile(file, 'deviations: [unclosed\n');
    await expect(appendDeviations(dir, [entry('a')])).rejects.toMatchObject({ code: 'CONFIG_INVALID', file });
    await writeFile(file, 'deviations: 3\n');
    await expect(appendDeviations(dir, [entry('a')])).rejects.toThrow(/deviations\.yaml: expected a list of deviations/);
    expect(await readFile(file, 'utf8')).toBe('deviations: 3\n');
  });
});

describe('renderScenarioDifferences', () => {
  it('shows the header with the position, each channel, and clips to the width and line budget', () => {
    const long = Array.from({ length: 60 }, (_, i) => `line ${i} ${'x'.repeat(100)}`).join('\n');
    const text = compareText(long + '\n', long.replaceAll('x', 'y') + '\n')!;
    const s = scenario('rounding-1', [results.exit(), diff('stdout', text)]);
    const out = renderScenarioDifferences('ledger', s, { index: 3, total: 17 }, { width: 80 });
    const lines = out.split('\n');
    expect(lines[1]).toBe('ledger › rounding-1  (3 of 17)');
    expect(out).toContain('── exit: exit code 1 → 0, signal null → SIGTERM ');
    expect(out).toContain('~ exit.code: 1 → 0');
    expect(out).toMatch(/… \d+ more lines/);
    expect(lines.filter((l) => /^[-+ ~@]/.test(l)).length).toBeLessThanOrEqual(40);
    for (const line of lines) expect([...line].length).toBeLessThanOrEqual(80);
  });

  it('makes control characters from the systems under test inert', () => {
    const s = scenario('evil', [diff('stdout', compareText('ok\n', '\u001b[2J\u001b]0;pwned\u0007\n'))]);
    const out = renderScenarioDifferences('ledger', s, { index: 1, total: 1 });
    expect(out).not.toMatch(/[\u0000-\u0009\u000b-\u001f]/);
    expect(out).toContain('␛[2J');
  });
});

// ---------------------------------------------------------------------------------------------
// The commands, on a real config, report folder and legacy command.

interface Sandbox {
  dir: string;
  io: CliIo;
  out: () => string;
  err: () => string;
}

async function sandbox(report: ParityReport): Promise<Sandbox> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'paritykit-review-cmd-'));
  const config = {
    suites: [
      {
        name: 'ledger',
        legacy: { command: ['sh', '-c', 'echo hi'] },
        candidate: { command: ['sh', '-c', 'echo ho'] },
        scenarios: [{ id: 'greet' }, { id: 'totals' }, { id: 'export' }, { id: 'balance' }],
      },
    ],
  };
  await writeFile(path.join(dir, 'paritykit.config.json'), JSON.stringify(config));
  await writeReports(report, path.join(dir, 'parity-report'));
  let out = '';
  let err = '';
  const stdout = new PassThrough();
  stdout.on('data', (d: Buffer) => (out += d.toString()));
  const stderr = new PassThrough();
  stderr.on('data', (d: Buffer) => (err += d.toString()));
  return { dir, io: { stdout, stderr, cwd: dir, env: {} }, out: () => out, err: () => err };
}

function commandReport(): ParityReport {
  return reportOf([
    suiteOf(
      'ledger',
      [
        scenario('greet', [diff('stdout', compareText('hi\n', 'ho\n'), { format: 'text' })]),
        scenario('totals', [results.json()]),
        scenario('export', [results.csv()]),
        scenario('balance', [{ channel: 'stdout', verdict: 'pass' }]),
      ],
      IDENTITY,
    ),
  ]);
}

/** Prompts answering from a script; records what was asked. */
function scripted(actions: ReviewAction[], texts: string[]): ReviewPrompts & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    async action(message) {
      asked.push(message);
      const next = actions.shift();
      if (next === undefined) throw new Error(`unexpected menu: ${message}`);
      return next;
    },
    async text(message, { required }) {
      asked.push(message);
      const next = texts.shift();
      if (next === undefined) throw new Error(`unexpected question: ${message}`);
      if (required && next.trim() === '') throw new Error('a required answer was blank');
      return next;
    },
  };
}

const TTY = Object.assign(new PassThrough(), { isTTY: true });

describe('paritykit review', () => {
  let box: Sandbox;
  afterEach(async () => {
    await rm(box.dir, { recursive: true, force: true });
  });

  it('accepts with a reason, skips, then quits; prints the summary', async () => {
    box = await sandbox(commandReport());
    const prompts = scripted(['accept', 'skip', 'quit'], ['greets differently now', 'https://t/1', '']);
    const code = await runReview(box.io, {}, { stdin: TTY, prompts, today: () => TODAY });
    expect(code).toBe(0);
    expect(prompts.asked).toEqual([
      'ledger › greet:',
      'Reason (why may the candidate differ here?)',
      'Ticket (optional, Enter to skip)',
      'Owner (optional, Enter to skip)',
      'ledger › totals:',
      'ledger › export:',
    ]);
    const out = box.out();
    expect(out).toContain('ledger › greet  (1 of 3)');
    expect(out).toContain('ledger › export  (3 of 3)');
    expect(out).not.toContain('balance');
    expect(out).toContain('accepted 1, re-recorded 0, skipped 1, not reviewed 1.');
    expect(out).toContain('Run `paritykit verify`');
    const { deviations } = await loadDeviations(box.dir);
    expect(deviations).toEqual([
      { id: 'ledger.greet.stdout', suite: 'ledger', scenarios: ['greet'], channel: 'stdout', legacy: 'hi', candidate: 'ho', reason: 'greets differently now', ticket: 'https://t/1' },
    ]);
  });

  it('re-records the scenario from the legacy', async () => {
    box = await sandbox(commandReport());
    const prompts = scripted(['rerecord', 'skip', 'skip'], []);
    await runReview(box.io, { scenario: ['greet'] }, { stdin: TTY, prompts });
    expect(box.out()).toContain('re-recorded 1');
    const baseline = await loadBaseline(path.join(box.dir, 'baselines'), 'ledger');
    expect(baseline?.scenarios.get('greet')?.observation.stdout.toString()).toBe('hi\n');
  });

  it('filters by --suite and --scenario, and says when nothing differs', async () => {
    box = await sandbox(commandReport());
    const prompts = scripted([], []);
    await runReview(box.io, { scenario: ['balance'] }, { stdin: TTY, prompts });
    expect(box.out()).toMatch(/^Nothing to review: no differing scenario matches in parity-report\/report\.json/);
    await expect(runReview(box.io, { suite: ['nope'] }, { stdin: TTY, prompts })).rejects.toThrow(/--suite nope: no such suite in the report \(suites: ledger\)/);
  });

  it('refuses to run without a terminal, pointing to approve', async () => {
    box = await sandbox(commandReport());
    const stdin = Object.assign(new PassThrough(), { isTTY: false });
    await expect(runReview(box.io, {}, { stdin })).rejects.toMatchObject({ code: 'USAGE', message: expect.stringContaining('paritykit approve') });
  });

  it('is driven by the keyboard through the real prompts (a, reason, Enter, Enter; s; q)', async () => {
    box = await sandbox(commandReport());
    const stdin = Object.assign(new PassThrough(), { isTTY: true });
    const done = runReview(box.io, {}, { stdin, today: () => TODAY });
    const keys: Array<[string, string]> = [
      ['ledger › greet:', 'a\r'],
      ['Reason', 'legacy typo fixed\r'],
      ['Ticket', '\r'],
      ['Owner', 'ana\r'],
      ['ledger › totals:', 's\r'],
      ['ledger › export:', 'q\r'],
    ];
    let seen = 0;
    for (const [prompt, input] of keys) {
      await until(() => box.out().indexOf(prompt, seen) !== -1, () => `${prompt} after ${JSON.stringify(box.out().slice(seen))}`);
      seen = box.out().indexOf(prompt, seen) + prompt.length;
      stdin.write(input);
    }
    expect(await done).toBe(0);
    expect(box.out()).toContain('accepted 1, re-recorded 0, skipped 1, not reviewed 1.');
    const { deviations } = await loadDeviations(box.dir);
    expect(deviations.map((d) => [d.id, d.reason, d.owner, d.ticket])).toEqual([['ledger.greet.stdout', 'legacy typo fixed', 'ana', undefined]]);
  });
});

/** Waits (polling every 10 ms, up to 10 s) until `check` holds. */
async function until(check: () => boolean, what: () => string): Promise<void> {
  for (let i = 0; i < 1000; i++) {
    if (check()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`timed out waiting for the prompt ${what()}`);
}

describe('paritykit approve', () => {
  let box: Sandbox;
  afterEach(async () => {
    await rm(box.dir, { recursive: true, force: true });
  });

  it('writes entries for every matching differing scenario and prints them', async () => {
    box = await sandbox(commandReport());
    const code = await runApprove(box.io, { scenario: ['t*', 'greet', 'balance'], asDeviation: 'rounds half-even', ticket: 'FIN-12', expires: '2026-01-31' }, { today: () => TODAY });
    expect(code).toBe(0);
    const out = box.out();
    expect(out).toContain('2 differing scenarios matched: ledger › greet, ledger › totals');
    expect(out).toContain('created deviations.yaml: 4 deviations');
    expect(out).toContain('  ledger.totals.stdout.1\n      stdout $.total: 2.615 → 2.62\n');
    const { deviations } = await loadDeviations(box.dir);
    expect(deviations.map((d) => d.id)).toEqual(['ledger.greet.stdout', 'ledger.totals.stdout.1', 'ledger.totals.stdout.2', 'ledger.totals.stdout.3']);
    expect(deviations.every((d) => d.reason === 'rounds half-even' && d.expires === '2026-01-31' && d.ticket === 'FIN-12')).toBe(true);
    const text = await readFile(path.join(box.dir, 'deviations.yaml'), 'utf8');
    expect(text).toContain('# ledger › greet: stdout: 1 line changed (paritykit approve, 2025-11-21)');

    // Again, before a new verify: nothing is written twice.
    await runApprove(box.io, { scenario: ['greet'], asDeviation: 'rounds half-even' }, { today: () => TODAY });
    expect(box.out()).toContain('already in deviations.yaml as ledger.greet.stdout; not written again');
    expect((await loadDeviations(box.dir)).deviations).toHaveLength(4);
  });

  it('warns that a binary entry is broad', async () => {
    const report = reportOf([suiteOf('ledger', [scenario('greet', [results.binary()])], IDENTITY)]);
    box = await sandbox(report);
    await runApprove(box.io, { scenario: ['greet'], asDeviation: 'new logo' }, { today: () => TODAY });
    expect(box.err()).toContain('warning: ledger.greet.files.logo.png is broad: it accepts ANY difference in files logo.png of greet');
  });

  it('fails with exit 2 when nothing differing matches, listing the differing scenarios nearest first', async () => {
    box = await sandbox(commandReport());
    const error = await runApprove(box.io, { scenario: ['exprt', 'balance'], asDeviation: 'x' }, { today: () => TODAY }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ParityError);
    expect((error as ParityError).exitCode).toBe(2);
    const message = (error as ParityError).message;
    expect(message).toContain('no differing scenario matches --scenario exprt,balance');
    expect(message).toContain('matched, but not differing: ledger › balance (pass)');
    expect(message).toContain('differing scenarios, nearest first: ledger › export, ledger › greet, ledger › totals');
  });

  it('refuses to write for a suite the config no longer has', async () => {
    box = await sandbox(reportOf([suiteOf('gone', [scenario('greet', [results.exit()])], IDENTITY)]));
    await expect(runApprove(box.io, { scenario: ['greet'], asDeviation: 'r' }, { today: () => TODAY })).rejects.toThrow(
      /cannot approve: suite gone of the report is not in .*paritykit\.config\.json \(suites: ledger\)/,
    );
    expect(await loadDeviations(box.dir)).toEqual({ file: null, deviations: [] });
  });

  it('refuses a blank reason and an expiry date in the past', async () => {
    box = await sandbox(commandReport());
    await expect(runApprove(box.io, { scenario: ['greet'], asDeviation: ' ' }, {})).rejects.toMatchObject({ code: 'USAGE' });
    await expect(runApprove(box.io, { scenario: ['greet'], asDeviation: 'r', expires: '2025-11-20' }, { today: () => TODAY })).rejects.toThrow(
      /--expires 2025-11-20 is in the past/,
    );
  });
});

describe('registerReviewCommands', () => {
  let box: Sandbox;
  afterEach(async () => {
    await rm(box.dir, { recursive: true, force: true });
  });

  function program(io: CliIo): { program: Command; exit: () => number | null } {
    let code: number | null = null;
    const p = new Command('paritykit').exitOverride().configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) });
    registerReviewCommands(p, io, (c) => (code = c), { today: () => TODAY });
    return { program: p, exit: () => code };
  }

  it('parses approve options and sets the exit code', async () => {
    box = await sandbox(commandReport());
    const { program: p, exit } = program(box.io);
    await p.parseAsync(['approve', '--scenario', 'greet', '--as-deviation', 'typo fixed', '--owner', 'ana', '--config', 'paritykit.config.json'], { from: 'user' });
    expect(exit()).toBe(0);
    expect((await loadDeviations(box.dir)).deviations[0]).toMatchObject({ id: 'ledger.greet.stdout', owner: 'ana', reason: 'typo fixed' });
  });

  it('requires --as-deviation', async () => {
    box = await sandbox(commandReport());
    const { program: p } = program(box.io);
    await expect(p.parseAsync(['approve', '--scenario', 'greet'], { from: 'user' })).rejects.toThrow(/--as-deviation/);
  });

  it('has help texts that fit 80 columns', async () => {
    box = await sandbox(commandReport());
    for (const name of ['review', 'approve']) {
      const { program: p } = program(box.io);
      await p.parseAsync([name, '--help'], { from: 'user' }).catch(() => undefined);
    }
    const help = box.out();
    expect(help).toContain('paritykit approve --scenario');
    for (const line of help.split('\n')) expect(line.length, line).toBeLessThanOrEqual(80);
  });
});
