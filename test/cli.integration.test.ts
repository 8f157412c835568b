// End-to-end tests of the paritykit CLI on real processes: record, verify, reports, errors.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync, renameSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBaseline } from '../baselines/store.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = path.join(root, 'bin', 'paritykit.js');
const greeter = path.join(root, 'test', 'fixtures', 'greeter.mjs');
const SECRET = 'sup3r-s3cret-value-42';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function paritykit(cwd: string, ...args: string[]): Run {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', CI: '' } });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

const scenarios = [
  { id: 'greet-ann', args: ['greet', 'Ann'] },
  { id: 'greet-bob', args: ['greet', 'Bob'], tags: ['greet'] },
  { id: 'sum-floats', args: ['sum'], stdin: '1.005 2' },
  { id: 'sum-ints', args: ['sum'], stdin: '1 2 3' },
  { id: 'fail', args: ['fail'] },
  { id: 'binary', args: ['binary'] },
  { id: 'copy', args: ['copy'], files: { 'in.txt': 'hello\n' } },
  { id: 'secret', args: ['secret'] },
];

function writeProject(dir: string, candidateVariant: 'legacy' | 'candidate', extra: { scenarios?: unknown[] } = {}): void {
  const config = {
    suites: [
      {
        name: 'greeter',
        legacy: { command: [process.execPath, greeter], env: { VARIANT: 'legacy', API_TOKEN: SECRET }, version: [process.execPath, '--version'] },
        candidate: { command: [process.execPath, greeter], env: { VARIANT: candidateVariant, API_TOKEN: SECRET } },
        scenarios: extra.scenarios ?? scenarios,
        normalize: [{ kind: 'timestamps' }, { kind: 'uuids' }],
        redact: [{ env: 'API_TOKEN' }],
        concurrency: 2,
      },
    ],
  };
  writeFileSync(path.join(dir, 'paritykit.config.json'), JSON.stringify(config, null, 2));
}

function allFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: false })
    .map((f) => path.join(dir, String(f)))
    .filter((f) => statSync(f).isFile());
}

let work: string;
beforeAll(() => {
  work = mkdtempSync(path.join(os.tmpdir(), 'paritykit-it-'));
});
afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

function project(name: string, variant: 'legacy' | 'candidate'): string {
  const dir = path.join(work, name);
  rmSync(dir, { recursive: true, force: true });
  spawnSync('mkdir', ['-p', dir]);
  writeProject(dir, variant);
  return dir;
}

describe('record then verify', () => {
  it('A/A: the legacy verified against itself has zero differences', () => {
    const dir = project('aa', 'legacy');
    const rec = paritykit(dir, 'record');
    expect(rec.stderr).not.toMatch(/error/i);
    expect(rec.code).toBe(0);
    expect(rec.stdout).toMatch(/greeter: recorded 8 scenarios/);
    const ver = paritykit(dir, 'verify');
    expect(ver.code, ver.stdout + ver.stderr).toBe(0);
    const report = JSON.parse(readFileSync(path.join(dir, 'parity-report', 'report.json'), 'utf8'));
    expect(report.totals).toMatchObject({ scenarios: 8, pass: 8, diff: 0, error: 0, missing: 0, new: 0 });
    expect(report.parity).toBe(1);
    for (const f of ['index.html', 'junit.xml', 'summary.md', 'report.json']) expect(existsSync(path.join(dir, 'parity-report', f))).toBe(true);
  });

  it('a candidate with three known changes gives exactly those differences', () => {
    const dir = project('known', 'legacy');
    expect(paritykit(dir, 'record').code).toBe(0);
    writeProject(dir, 'candidate');
    const ver = paritykit(dir, 'verify');
    expect(ver.code).toBe(1);
    const report = JSON.parse(readFileSync(path.join(dir, 'parity-report', 'report.json'), 'utf8'));
    const differing = report.suites[0].scenarios
      .filter((s: { verdict: string }) => s.verdict !== 'pass')
      .map((s: { id: string; verdict: string; channels: Array<{ channel: string; path?: string; verdict: string; difference?: { kind: string; changes?: Array<{ path: string }> } }> }) => ({
        id: s.id,
        verdict: s.verdict,
        channels: s.channels.filter((c) => c.verdict === 'diff').map((c) => c.path ?? c.channel),
      }));
    expect(differing).toEqual([
      { id: 'greet-ann', verdict: 'diff', channels: ['stdout'] },
      { id: 'greet-bob', verdict: 'diff', channels: ['stdout'] },
      { id: 'sum-floats', verdict: 'diff', channels: ['out.json'] },
      { id: 'fail', verdict: 'diff', channels: ['exit'] },
    ].sort((a, b) => scenarios.findIndex((s) => s.id === a.id) - scenarios.findIndex((s) => s.id === b.id)));
    const sum = report.suites[0].scenarios.find((s: { id: string }) => s.id === 'sum-floats');
    const fileDiff = sum.channels.find((c: { path?: string }) => c.path === 'out.json').difference;
    expect(fileDiff.kind).toBe('json');
    expect(fileDiff.changes.map((c: { path: string }) => c.path)).toEqual(['$.total']);
    // the terminal summary names the differing scenarios
    expect(ver.stdout).toContain('greet-ann');
    expect(ver.stdout).toContain('index.html');
  });

  it('never writes a planted secret to any file (baselines and reports)', () => {
    const dir = project('secret', 'candidate');
    expect(paritykit(dir, 'record').code).toBe(0);
    paritykit(dir, 'verify');
    const files = [...allFiles(path.join(dir, 'baselines')), ...allFiles(path.join(dir, 'parity-report'))];
    expect(files.length).toBeGreaterThan(5);
    for (const f of files) {
      const text = readFileSync(f).toString('latin1');
      expect(text.includes(SECRET), `${f} contains the secret`).toBe(false);
      expect(text.includes('abcdef0123456789abcdef'), `${f} contains the bearer token`).toBe(false);
    }
    const stored = readFileSync(path.join(dir, 'baselines', 'greeter', 'scenarios', 'secret.json'), 'utf8');
    expect(stored).toContain('<redacted:API_TOKEN>');
  });

  it('re-recording prints the legacy drift, and --dry-run writes nothing', () => {
    const dir = project('drift', 'legacy');
    expect(paritykit(dir, 'record').code).toBe(0);
    const before = readFileSync(path.join(dir, 'baselines', 'greeter', 'manifest.json'), 'utf8');
    // the "legacy" now behaves like the candidate
    const config = JSON.parse(readFileSync(path.join(dir, 'paritykit.config.json'), 'utf8'));
    config.suites[0].legacy.env.VARIANT = 'candidate';
    writeFileSync(path.join(dir, 'paritykit.config.json'), JSON.stringify(config));
    const dry = paritykit(dir, 'record', '--dry-run');
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/dry run/);
    expect(dry.stdout).toMatch(/legacy drift since revision \w+: 0 added, 0 removed, 4 changed/);
    expect(dry.stdout).toContain('Hello, Ann!');
    expect(readFileSync(path.join(dir, 'baselines', 'greeter', 'manifest.json'), 'utf8')).toBe(before);
    const real = paritykit(dir, 'record');
    expect(real.stdout).toMatch(/4 changed/);
    const log = paritykit(dir, 'baselines', 'log');
    expect(log.code).toBe(0);
    expect(log.stdout.match(/scenarios {2}\+/g)?.length).toBe(2);
    // history counts stored files that changed (timestamps and uuids included): 4 real + sum-ints' uuid
    expect(log.stdout).toMatch(/~5/);
  });
});

describe('interrupted recording', () => {
  it('kill -9 during record leaves the previous revision intact and loadable', async () => {
    const dir = project('kill', 'legacy');
    expect(paritykit(dir, 'record').code).toBe(0);
    const first = await loadBaseline(path.join(dir, 'baselines'), 'greeter');
    const slow = Array.from({ length: 30 }, (_, i) => ({ id: `slow-${i}`, args: ['slow', '400'] }));
    writeProject(dir, 'legacy', { scenarios: [...scenarios, ...slow] });
    const child = spawn(process.execPath, [bin, 'record'], { cwd: dir, stdio: 'ignore' });
    await new Promise((r) => setTimeout(r, 2500));
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const after = await loadBaseline(path.join(dir, 'baselines'), 'greeter');
    expect(after?.manifest.revision).toBe(first?.manifest.revision);
    expect(after?.scenarios.size).toBe(8);
  });

  it('a crash between the two renames of the swap is recovered on load', async () => {
    const dir = project('swap', 'legacy');
    expect(paritykit(dir, 'record').code).toBe(0);
    const base = path.join(dir, 'baselines');
    const first = await loadBaseline(base, 'greeter');
    // state after rename #1 and before rename #2: no suite folder, a .previous one, a staging one
    renameSync(path.join(base, 'greeter'), path.join(base, '.greeter.previous-deadbeef'));
    spawnSync('mkdir', ['-p', path.join(base, '.greeter.staging-999999-abcd', 'scenarios')]);
    writeFileSync(path.join(base, '.greeter.staging-999999-abcd', 'scenarios', 'x.json'), '{"half":');
    const ver = paritykit(dir, 'verify');
    expect(ver.code, ver.stderr).toBe(0);
    const again = await loadBaseline(base, 'greeter');
    expect(again?.manifest.revision).toBe(first?.manifest.revision);
    expect(readdirSync(base)).toEqual(['greeter']);
  });
});

describe('bad input gives exit 2 and names the file', () => {
  it('invalid config names the file and the field', () => {
    const dir = path.join(work, 'badconfig');
    spawnSync('mkdir', ['-p', dir]);
    writeFileSync(path.join(dir, 'paritykit.config.json'), JSON.stringify({ suites: [{ name: 'x', legacy: {}, candidate: { command: ['true'] }, scenarios: [] }] }));
    const r = paritykit(dir, 'verify');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('paritykit.config.json');
    expect(r.stderr).toContain('suites[0].legacy');
    expect(r.stderr).toContain('a target needs one of: command');
    expect(existsSync(path.join(dir, 'parity-report'))).toBe(false);
  });

  it('an unsafe scenario id in a YAML file names the file and the id', () => {
    const dir = path.join(work, 'badscenario');
    spawnSync('mkdir', ['-p', dir]);
    writeFileSync(path.join(dir, 'paritykit.config.json'), JSON.stringify({ suites: [{ name: 'x', legacy: { command: ['true'] }, candidate: { command: ['true'] }, scenarios: 'scenarios/*.yaml' }] }));
    spawnSync('mkdir', ['-p', path.join(dir, 'scenarios')]);
    writeFileSync(path.join(dir, 'scenarios', 'a.yaml'), '- id: ok\n- id: ../../etc/passwd\n');
    const r = paritykit(dir, 'record');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(path.join('scenarios', 'a.yaml'));
    expect(r.stderr).toContain('../../etc/passwd');
    expect(existsSync(path.join(dir, 'baselines'))).toBe(false);
  });

  it('a tampered scenario file, blob or a newer formatVersion is refused with the file named', () => {
    const dir = project('tamper', 'legacy');
    expect(paritykit(dir, 'record').code).toBe(0);
    const suiteDir = path.join(dir, 'baselines', 'greeter');
    const scenarioFile = path.join(suiteDir, 'scenarios', 'greet-ann.json');
    const original = readFileSync(scenarioFile, 'utf8');
    writeFileSync(scenarioFile, original.replace('Hi, Ann!', 'Hi, Eve!'));
    let r = paritykit(dir, 'verify');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('greet-ann.json');
    writeFileSync(scenarioFile, original);

    const blobs = allFiles(path.join(suiteDir, 'blobs'));
    expect(blobs.length).toBeGreaterThan(0); // the binary scenario's stdout
    const blob = blobs[0];
    const bytes = readFileSync(blob);
    writeFileSync(blob, Buffer.concat([bytes, Buffer.from([1])]));
    r = paritykit(dir, 'verify');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(path.basename(blob));
    writeFileSync(blob, bytes);

    const manifestFile = path.join(suiteDir, 'manifest.json');
    const manifest = JSON.parse(readFileSync(manifestFile, 'utf8'));
    writeFileSync(manifestFile, JSON.stringify({ ...manifest, formatVersion: 99 }));
    r = paritykit(dir, 'verify');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/manifest\.json: formatVersion 99 is newer/);
  });

  it('unknown flags and commands are usage errors; --help works on every command', () => {
    expect(paritykit(work, 'verify', '--nope').code).toBe(2);
    expect(paritykit(work, 'frobnicate').code).toBe(2);
    for (const cmd of [[], ['record'], ['verify'], ['report'], ['baselines', 'log']]) {
      const r = paritykit(work, ...cmd, '--help');
      expect(r.code, cmd.join(' ')).toBe(0);
      expect(r.stdout).toMatch(/Usage: paritykit/);
    }
    expect(paritykit(work, 'verify', '--help').stdout).toMatch(/Examples:/);
    const missing = paritykit(work, 'verify');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/no paritykit config/);
  });

  it('--ci fails a scenario that has no baseline (missing) and writes no baseline', () => {
    const dir = project('ci', 'legacy');
    const r = spawnSync(process.execPath, [bin, 'verify', '--ci'], { cwd: dir, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    expect(r.status).toBe(1);
    const report = JSON.parse(readFileSync(path.join(dir, 'parity-report', 'report.json'), 'utf8'));
    expect(report.totals.missing).toBe(8);
    expect(existsSync(path.join(dir, 'baselines'))).toBe(false);
  });
});

describe('plain vitest in a user repo', () => {
  it('defineParitySuites gives one test per scenario and toMatchBaseline compares by hand', () => {
    const dir = project('plain-vitest', 'legacy');
    expect(paritykit(dir, 'record').code).toBe(0);
    writeProject(dir, 'candidate');
    writeFileSync(
      path.join(dir, 'parity.test.ts'),
      [
        `import { expect, test } from 'vitest';`,
        `import { defineParitySuites } from ${JSON.stringify(path.join(root, 'suites', 'index.ts'))};`,
        `import { runScenario } from ${JSON.stringify(path.join(root, 'harness', 'index.ts'))};`,
        `await defineParitySuites({ cwd: ${JSON.stringify(dir)}, ci: true });`,
        `test('by hand: legacy greet matches its baseline', async () => {`,
        `  const obs = await runScenario({ command: [process.execPath, ${JSON.stringify(greeter)}], env: { VARIANT: 'legacy' } }, { id: 'x', args: ['greet', 'Ann'] }, { timeoutMs: 10000 });`,
        `  await expect(obs).toMatchBaseline({ baselineDir: ${JSON.stringify(path.join(dir, 'baselines'))}, suite: 'greeter', scenario: 'greet-ann', normalize: [{ kind: 'timestamps' }] });`,
        `});`,
        `test('by hand: candidate greet differs', async () => {`,
        `  const obs = await runScenario({ command: [process.execPath, ${JSON.stringify(greeter)}], env: { VARIANT: 'candidate' } }, { id: 'x', args: ['greet', 'Ann'] }, { timeoutMs: 10000 });`,
        `  await expect(obs).not.toMatchBaseline({ baselineDir: ${JSON.stringify(path.join(dir, 'baselines'))}, suite: 'greeter', scenario: 'greet-ann', normalize: [{ kind: 'timestamps' }] });`,
        `});`,
        '',
      ].join('\n'),
    );
    const r = spawnSync(process.execPath, [path.join(root, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '--root', dir, '--reporter', 'verbose'], { cwd: dir, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', CI: '' } });
    const out = r.stdout + r.stderr;
    expect(r.status, out).toBe(1);
    expect(out).toMatch(/greeter > greet-ann/);
    expect(out).toMatch(/Tests {2}4 failed \| 6 passed \(10\)/);
    expect(out).toContain('Hello, Ann!');
  });
});

describe('noise, flaky and unreferenced', () => {
  it('record --runs learns the legacy noise with no normalizers; A/A passes and the noise is listed', () => {
    const dir = path.join(work, 'noise');
    rmSync(dir, { recursive: true, force: true });
    spawnSync('mkdir', ['-p', dir]);
    const suite = {
      name: 'g',
      legacy: { command: [process.execPath, greeter], env: { VARIANT: 'legacy' } },
      candidate: { command: [process.execPath, greeter], env: { VARIANT: 'legacy' } },
      scenarios: [
        { id: 'greet', args: ['greet', 'Ann'] },
        { id: 'sum', args: ['sum'], stdin: '1 2' },
        { id: 'coin', args: ['coin'] },
      ],
    };
    writeFileSync(path.join(dir, 'paritykit.config.json'), JSON.stringify({ suites: [suite] }));
    const rec = paritykit(dir, 'record', '--runs', '3');
    expect(rec.code, rec.stderr).toBe(0);
    expect(rec.stdout).toMatch(/noise learned from 3 runs: 2 place\(s\) in 2 scenario\(s\)/);
    expect(rec.stdout).toContain('greet: stdout: line 2 ~ ^at \\S+$');
    const aa = paritykit(dir, 'verify');
    expect(aa.code, aa.stdout).toBe(0);
    const report = JSON.parse(readFileSync(path.join(dir, 'parity-report', 'report.json'), 'utf8'));
    const greet = report.suites[0].scenarios.find((s: { id: string }) => s.id === 'greet');
    expect(greet.noise[0].where).toEqual({ kind: 'text', line: 2, pattern: '^at \\S+$' });

    // the candidate: greet changes a real line (diff), coin is random (flaky)
    writeFileSync(path.join(dir, 'paritykit.config.json'), JSON.stringify({ suites: [{ ...suite, candidate: { ...suite.candidate, env: { VARIANT: 'candidate' } } }] }));
    const ver = paritykit(dir, 'verify');
    expect(ver.code).toBe(1);
    const r2 = JSON.parse(readFileSync(path.join(dir, 'parity-report', 'report.json'), 'utf8'));
    const verdicts = Object.fromEntries(r2.suites[0].scenarios.map((s: { id: string; verdict: string }) => [s.id, s.verdict]));
    expect(verdicts).toEqual({ greet: 'diff', sum: 'pass', coin: 'flaky' });
    const coin = r2.suites[0].scenarios.find((s: { id: string }) => s.id === 'coin');
    expect(coin.flaky.reruns).toBe(2);
    expect(coin.flaky.varying[0]).toMatch(/stdout/);
  });

  it('unreferenced baselines warn by default, fail under --ci, and are deleted with the delete policy', () => {
    const dir = project('unref', 'legacy');
    expect(paritykit(dir, 'record', '--runs', '1').code).toBe(0);
    const config = JSON.parse(readFileSync(path.join(dir, 'paritykit.config.json'), 'utf8'));
    config.suites[0].scenarios = config.suites[0].scenarios.filter((s: { id: string }) => s.id !== 'fail');
    writeFileSync(path.join(dir, 'paritykit.config.json'), JSON.stringify(config));
    const warn = paritykit(dir, 'verify');
    expect(warn.code).toBe(0);
    expect(warn.stderr).toMatch(/1 baseline scenario\(s\) no longer in the config: fail/);
    const ci = spawnSync(process.execPath, [bin, 'verify', '--ci'], { cwd: dir, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    expect(ci.status).toBe(1);
    writeFileSync(path.join(dir, 'paritykit.config.json'), JSON.stringify({ ...config, unreferenced: 'delete' }));
    expect(paritykit(dir, 'verify').code).toBe(0);
    expect(existsSync(path.join(dir, 'baselines', 'greeter', 'scenarios', 'fail.json'))).toBe(false);
    expect(paritykit(dir, 'verify', '--ci').code).toBe(0);
  });
});
