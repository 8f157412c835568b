// Sharded verify on real processes: `verify --shard i/3` three times, `report merge`, and the
// same suite verified unsharded must agree; plus the CI example pipelines (valid YAML, only
// commands and flags the CLI has).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { ParityReport } from '../reporters/model.ts';
import { runCli } from '../harness/cli.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = path.join(root, 'bin', 'paritykit.js');
const greeter = path.join(root, 'test', 'fixtures', 'greeter.mjs');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI outside any CI (so no step summary or annotations leak into a real CI log). */
function paritykit(cwd: string, args: string[], env: Record<string, string> = {}): Run {
  const r = spawnSync(process.execPath, [bin, ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', CI: '', GITHUB_ACTIONS: '', GITHUB_STEP_SUMMARY: '', ...env },
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

const names = ['Ann', 'Bob', 'Cy', 'Dee', 'Eve', 'Fay', 'Gus', 'Hal'];
const scenarios = [
  ...names.map((n) => ({ id: `greet-${n.toLowerCase()}`, args: ['greet', n] })),
  { id: 'sum-ints', args: ['sum'], stdin: '1 2 3' },
  { id: 'sum-floats', args: ['sum'], stdin: '1.005 2' },
  { id: 'fail', args: ['fail'] },
  { id: 'copy', args: ['copy'], files: { 'in.txt': 'hello\n' } },
  { id: 'binary', args: ['binary'] },
];

function writeConfig(dir: string, list: unknown[], file = 'paritykit.config.json'): void {
  const config = {
    suites: [
      {
        name: 'greeter',
        legacy: { command: [process.execPath, greeter], env: { VARIANT: 'legacy' } },
        candidate: { command: [process.execPath, greeter], env: { VARIANT: 'candidate' } },
        scenarios: list,
        normalize: [{ kind: 'timestamps' }, { kind: 'uuids' }],
        concurrency: 4,
      },
    ],
  };
  writeFileSync(path.join(dir, file), JSON.stringify(config, null, 2));
}

/** The CLI in this process, its output captured. */
async function cli(args: string[]): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const out = { write: (t: string) => ((stdout += t), true) } as unknown as NodeJS.WritableStream;
  const err = { write: (t: string) => ((stderr += t), true) } as unknown as NodeJS.WritableStream;
  const code = await runCli(args, { stdout: out, stderr: err, cwd: dir, env: { NO_COLOR: '1' } });
  return { code, stdout, stderr };
}

function readJson(file: string): ParityReport {
  return JSON.parse(readFileSync(file, 'utf8')) as ParityReport;
}

const verdicts = (r: ParityReport) => Object.fromEntries(r.suites.flatMap((s) => s.scenarios.map((x) => [`${s.name}/${x.id}`, x.verdict])));

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'paritykit-shard-'));
  writeConfig(dir, scenarios);
  const rec = paritykit(dir, ['record', '--runs', '1']);
  expect(rec.code, rec.stderr).toBe(0);
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('verify --shard i/n and report merge', () => {
  it('3 shards merged equal the unsharded run: same totals, same verdict per scenario', () => {
    const full = paritykit(dir, ['verify', '--report-dir', 'full', '--no-history']);
    expect(full.code, full.stderr).toBe(1); // the candidate has known differences
    const whole = readJson(path.join(dir, 'full', 'report.json'));
    expect(whole.shard).toBeUndefined();
    expect(existsSync(path.join(dir, 'full', 'history'))).toBe(false);

    const parts: ParityReport[] = [];
    for (const i of [1, 2, 3]) {
      const r = paritykit(dir, ['verify', '--shard', `${i}/3`, '--report-dir', `shard-${i}`]);
      expect([0, 1], r.stderr).toContain(r.code);
      expect(r.stdout).toContain(`Partial report: shard ${i}/3`);
      const part = readJson(path.join(dir, `shard-${i}`, 'report.json'));
      expect(part.shard).toMatchObject({ index: i, count: 3, of: scenarios.length });
      // partial reports neither compare nor write history: only the merged run does
      expect(part.regression).toBeUndefined();
      expect(existsSync(path.join(dir, `shard-${i}`, 'history'))).toBe(false);
      parts.push(part);
    }
    // every scenario ran in exactly one shard, and at least two shards got work
    const ids = parts.flatMap((p) => p.suites.flatMap((s) => s.scenarios.map((x) => x.id)));
    expect([...ids].sort()).toEqual(scenarios.map((s) => s.id).sort());
    expect(parts.filter((p) => p.totals.scenarios > 0).length).toBeGreaterThanOrEqual(2);

    const summary = path.join(dir, 'step-summary.md');
    writeFileSync(summary, '');
    const merge = paritykit(dir, ['report', 'merge', 'shard-3', 'shard-1', 'shard-2', '--out', 'merged'], { GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: summary });
    expect(merge.code, merge.stderr).toBe(1);
    expect(merge.stderr).toBe('');
    const merged = readJson(path.join(dir, 'merged', 'report.json'));
    expect(merged.totals).toEqual(whole.totals);
    expect(merged.parity).toBe(whole.parity);
    expect(merged.suites[0]!.channels).toEqual(whole.suites[0]!.channels);
    expect(verdicts(merged)).toEqual(verdicts(whole));
    expect(merged.shard).toBeUndefined();
    for (const f of ['index.html', 'junit.xml', 'summary.md']) expect(existsSync(path.join(dir, 'merged', f))).toBe(true);
    expect(readdirSync(path.join(dir, 'merged', 'history'))).toHaveLength(1);
    // what GitLab / Jenkins read: testsuites > testsuite > testcase with classname, time in
    // seconds, and a failure with a message for each differing scenario
    const junit = readFileSync(path.join(dir, 'merged', 'junit.xml'), 'utf8');
    expect(junit).toMatch(new RegExp(`<testsuites name="paritykit" tests="${scenarios.length}" failures="${whole.totals.diff + whole.totals.flaky}"`));
    expect(junit).toMatch(/<testcase classname="paritykit\.greeter" name="fail" time="\d+\.\d{3}">\s*<failure message="exit[^"]*" type="diff">/);
    expect(junit.match(/<testcase /g)).toHaveLength(scenarios.length);
    // GitHub Actions output: the step summary got summary.md, the log got annotations
    expect(readFileSync(summary, 'utf8')).toBe(readFileSync(path.join(dir, 'merged', 'summary.md'), 'utf8'));
    const annotations = merge.stdout.split('\n').filter((l) => l.startsWith('::error '));
    expect(annotations.length).toBe(whole.totals.diff + whole.totals.error + whole.totals.flaky + whole.totals.missing);
    expect(annotations.some((l) => l.startsWith('::error file=baselines/greeter/scenarios/fail.json,title=paritykit diff%3A greeter › fail::'))).toBe(true);
  });

  it('refuses the same shard twice and a different shard count; warns about a missing shard', async () => {
    // in process (the same commander program as bin/paritykit.js): these runs only read reports
    const twice = await cli(['report', 'merge', 'shard-1', 'shard-1', '--out', 'bad']);
    expect(twice.code).toBe(2);
    expect(twice.stderr).toContain('shard-1 and shard-1 are both shard 1/3');
    // shard 1 of a split in 2: the same report marked 1/2 (a real 1/2 run costs another verify)
    const half = readJson(path.join(dir, 'shard-1', 'report.json'));
    mkdirSync(path.join(dir, 'half-1'));
    writeFileSync(path.join(dir, 'half-1', 'report.json'), JSON.stringify({ ...half, shard: { ...half.shard!, count: 2 } }));
    const mixed = await cli(['report', 'merge', 'shard-1', 'half-1', '--out', 'bad']);
    expect(mixed.code).toBe(2);
    expect(mixed.stderr).toMatch(/half-1: shard 1\/2 cannot be merged with shard-1 \(shard 1\/3\): different shard counts/);
    const notPartial = await cli(['report', 'merge', 'shard-1', 'full', '--out', 'bad']);
    expect(notPartial.code).toBe(2);
    expect(notPartial.stderr).toContain('full: not a partial report');
    expect(existsSync(path.join(dir, 'bad'))).toBe(false);
    const missing = await cli(['report', 'merge', 'shard-1', 'shard-2', '--out', 'partial-merge']);
    expect(missing.stderr).toContain('paritykit: warning: shard 3/3 missing');
    expect(existsSync(path.join(dir, 'partial-merge', 'report.json'))).toBe(true);
    expect(existsSync(path.join(dir, 'partial-merge', 'history'))).toBe(false);
    const badShard = await cli(['verify', '--shard', '4/3']);
    expect(badShard.code).toBe(2);
    expect(badShard.stderr).toContain('--shard 4/3: the shard index must be between 1 and 3');
  });

  it('keeps every scenario in its shard when a scenario is added', () => {
    const before = readJson(path.join(dir, 'shard-2', 'report.json')).suites[0]!.scenarios.map((s) => s.id);
    // the grown config shares the baselines: the two added scenarios are `missing` under --ci
    writeConfig(dir, [{ id: 'greet-zed', args: ['greet', 'Zed'] }, ...scenarios, { id: 'greet-amy', args: ['greet', 'Amy'] }], 'grown.config.json');
    const r = paritykit(dir, ['verify', '--ci', '--config', 'grown.config.json', '--shard', '2/3', '--report-dir', 'grown-2']);
    expect([0, 1], r.stderr).toContain(r.code);
    const after = readJson(path.join(dir, 'grown-2', 'report.json')).suites[0]!.scenarios.map((s) => s.id);
    expect(after.filter((id) => id !== 'greet-zed' && id !== 'greet-amy')).toEqual(before);
  });
});

describe('plain vitest: --shard, --reporter=blob, --merge-reports (docs/ci.md)', () => {
  /** Runs this repository's vitest (on this Node) in the project folder. */
  function vitest(args: string[]): Run {
    const entry = path.join(root, 'node_modules', 'vitest', 'vitest.mjs');
    const r = spawnSync(process.execPath, [entry, 'run', '--root', dir, ...args], { cwd: dir, encoding: 'utf8', env: { ...process.env, CI: '', NO_COLOR: '1' } });
    return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
  }

  it('vitest shards test files: one file per scenario group, then the blobs merge into every test once', () => {
    const suites = path.join(root, 'suites', 'index.ts');
    writeFileSync(path.join(dir, 'greet.test.ts'), `import { defineParitySuites } from ${JSON.stringify(suites)};\nawait defineParitySuites({ scenarios: ['greet-*'] });\n`);
    writeFileSync(path.join(dir, 'other.test.ts'), `import { defineParitySuites } from ${JSON.stringify(suites)};\nawait defineParitySuites({ scenarios: ['!greet-*'] });\n`);
    for (const i of [1, 2]) expect(vitest([`--shard=${i}/2`, '--reporter=blob']).code).toBe(1);
    const merged = vitest(['--merge-reports', '--reporter=json', '--outputFile=merged.json']);
    expect(merged.code).toBe(1);
    const result = JSON.parse(readFileSync(path.join(dir, 'merged.json'), 'utf8')) as { numTotalTests: number; numFailedTests: number; testResults: unknown[] };
    expect(result.numTotalTests).toBe(scenarios.length);
    expect(result.testResults).toHaveLength(2);
    const whole = readJson(path.join(dir, 'full', 'report.json'));
    expect(result.numFailedTests).toBe(whole.totals.diff + whole.totals.error + whole.totals.flaky + whole.totals.missing);
  });
});

describe('CI examples (examples/ci)', () => {
  /** The `paritykit …` invocations in a pipeline's scripts, as argument lists. */
  function invocations(doc: unknown): string[][] {
    const out: string[][] = [];
    const visit = (v: unknown): void => {
      if (typeof v === 'string') {
        for (const line of v.split('\n')) {
          const m = /(?:npx\s+)?paritykit\s+(.*)$/.exec(line.trim());
          if (m && !line.trim().startsWith('#')) out.push(m[1]!.split(/\s+/));
        }
      } else if (Array.isArray(v)) v.forEach(visit);
      else if (v !== null && typeof v === 'object') Object.values(v).forEach(visit);
    };
    visit(doc);
    return out;
  }

  const help = new Map<string, string>();
  /** `paritykit <command> --help`, in process (the CLI's own commander program). */
  async function helpOf(command: string[]): Promise<string> {
    let out = '';
    const sink = { write: (t: string) => ((out += t), true) } as unknown as NodeJS.WritableStream;
    const code = await runCli([...command, '--help'], { stdout: sink, stderr: sink, cwd: root, env: {} });
    expect(code, `${command.join(' ')} --help`).toBe(0);
    return out;
  }

  for (const file of ['github-actions.yml', 'gitlab-ci.yml']) {
    it(`${file} is valid YAML whose paritykit commands and flags exist`, async () => {
      const doc = parse(readFileSync(path.join(root, 'examples', 'ci', file), 'utf8')) as Record<string, unknown>;
      const calls = invocations(doc);
      expect(calls.some((c) => c[0] === 'verify' && c.includes('--shard'))).toBe(true);
      expect(calls.some((c) => c[0] === 'report' && c[1] === 'merge')).toBe(true);
      for (const call of calls) {
        const command = call[0] === 'report' && call[1] === 'merge' ? ['report', 'merge'] : [call[0]!];
        const key = command.join(' ');
        if (!help.has(key)) help.set(key, await helpOf(command));
        for (const flag of call.filter((a) => a.startsWith('--'))) expect(help.get(key), `${file}: ${key} ${flag}`).toContain(flag.split('=')[0]!);
      }
    });
  }
});
