/**
 * Drives the verdicts experiment through the real `paritykit` CLI: copy this folder to a
 * temporary workspace, record the noisy legacy with noise learning, verify the legacy against
 * itself (A/A), verify every mutant, and verify one mutant under a deviation. Shared by
 * `verdicts.test.ts` (which asserts) and `bench/verdicts.ts` (which counts).
 *
 * Everything goes through `bin/paritykit.js` in a child process, as a user runs it, so the
 * figures cover the whole path: config loading, noise learning, the vitest-driven verify,
 * flaky re-runs, deviations and report.json.
 */
import { spawn } from 'node:child_process';
import { copyFile, mkdtemp, readFile, rm, writeFile, cp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { mapPool } from '../../harness/runner.ts';
import type { ChannelResult } from '../../harness/model.ts';
import type { ParityReport, ScenarioReport } from '../../reporters/model.ts';
import table from './mutants.json' with { type: 'json' };

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');
const bin = path.join(root, 'bin', 'paritykit.js');

/** The files of this folder a workspace needs (the legacy, its mutant table, config, scenarios). */
const WORKSPACE_FILES = ['legacy.mjs', 'mutants.json', 'paritykit.config.mjs', 'scenarios.yaml'];

/** Suite name in paritykit.config.mjs. */
export const SUITE = 'verdicts';

/**
 * A place where a scenario can differ: `stdout`, `stderr`, `exit`, or `files:<path>` for one
 * file of the files channel.
 */
export type Place = string;

/** One mutant of legacy.mjs (`MUTANT=<name>`), from mutants.json. */
export interface Mutant {
  name: string;
  description: string;
  /** Scenario ids whose verdict must be `diff`; every other scenario must `pass`. */
  scenarios: string[];
  /** Exactly the places that must differ in each of those scenarios. */
  channels: Place[];
}

/** A change of bytes that is not a change of behaviour under paritykit's comparators. */
export interface Equivalent {
  name: string;
  description: string;
}

/** The mutants (at least 40), in the order of mutants.json. */
export const MUTANTS: readonly Mutant[] = table.mutants;
/** The equivalent mutants: every scenario must still pass. */
export const EQUIVALENTS: readonly Equivalent[] = table.equivalents;

/**
 * Where the legacy's noise is, per scenario: the places noise learning must find (and only
 * those). Every other scenario is deterministic and must have no noise at all.
 */
export const NOISY_PLACES: Readonly<Record<string, Place[]>> = {
  greet: ['stdout'], // the timestamp line
  'greet-old': ['stdout'],
  sum: ['files:totals.json', 'stdout'], // id, generatedAt, tags order; the `took …ms` line
  export: ['files:out.csv'], // the batch column
  tags: ['stdout'], // lines in random order
};

/**
 * The deviation the experiment writes to `deviations.yaml`: it explains the `stderr-wording`
 * mutant ('error:' → 'Error:' on stderr of `export-missing`) and nothing else.
 */
export const DEVIATION = {
  mutant: 'stderr-wording',
  scenario: 'export-missing',
  entry: {
    id: 'DEV-1',
    suite: SUITE,
    scenarios: ['export-missing'],
    channel: 'stderr',
    legacy: '/^error: cannot read /',
    candidate: '/^Error: cannot read /',
    reason: 'Error messages start with a capital letter in the rewrite (style guide)',
    ticket: 'VERD-1',
    owner: 'verdicts-test',
    expires: '2099-12-31',
  },
} as const;

/** The place a channel result is about: `stdout`, `exit`, `files:out.csv`, … */
export function placeOf(c: Pick<ChannelResult, 'channel' | 'path'>): Place {
  return c.channel === 'files' ? `files:${c.path ?? ''}` : c.channel;
}

/** Places of a scenario report whose channel verdict is not `pass`, sorted. */
export function differingPlaces(s: ScenarioReport): Place[] {
  return s.channels.filter((c) => c.verdict !== 'pass').map(placeOf).sort();
}

/** A temporary copy of this folder; baselines and reports are written there, never in the repo. */
export interface Workspace {
  dir: string;
  /** Deletes the workspace. */
  remove(): Promise<void>;
}

function workspaceAt(dir: string): Workspace {
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** Copies legacy.mjs, mutants.json, the config and the scenarios to a fresh temporary folder. */
export async function createWorkspace(): Promise<Workspace> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'paritykit-verdicts-'));
  await Promise.all(WORKSPACE_FILES.map((f) => copyFile(path.join(here, f), path.join(dir, f))));
  return workspaceAt(dir);
}

/** A full copy of a workspace, baselines included (to add a deviations.yaml without touching the original). */
export async function cloneWorkspace(ws: Workspace): Promise<Workspace> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'paritykit-verdicts-'));
  await cp(ws.dir, dir, { recursive: true });
  return workspaceAt(dir);
}

/** Output of one CLI run. */
export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Options for the legacy and candidate of a CLI run. */
export interface TargetEnv {
  /** `false`: NOISE=0, the legacy's outputs are all fixed. Default true (noisy). */
  noise?: boolean;
  /** Candidate is this mutant (`MUTANT=<name>`); absent: the legacy itself. */
  mutant?: string;
}

/**
 * Runs `paritykit <args>` in `cwd` on the current Node, colours off, `CI` unset (each command
 * passes `--ci` itself where wanted). The config reads NOISE and MUTANT from this environment.
 */
export function paritykit(cwd: string, args: string[], target: TargetEnv = {}): Promise<CliRun> {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', CI: '' };
  delete env.MUTANT;
  delete env.NOISE;
  if (target.noise === false) env.NOISE = '0';
  if (target.mutant) env.MUTANT = target.mutant;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') }));
  });
}

/**
 * `paritykit record --runs <runs>`: records the legacy, learning noise from `runs` runs.
 *
 * @throws Error with the CLI's output when record does not exit 0.
 */
export async function recordLegacy(ws: Workspace, runs: number, target: Pick<TargetEnv, 'noise'> = {}): Promise<CliRun> {
  const run = await paritykit(ws.dir, ['record', '--runs', String(runs)], target);
  if (run.code !== 0) throw new Error(`paritykit record --runs ${runs} exited ${run.code} in ${ws.dir}\n${run.stdout}\n${run.stderr}`);
  return run;
}

/** A verify run: the CLI output and the report.json it wrote. */
export interface VerifyOutcome {
  run: CliRun;
  report: ParityReport;
  /** The suite's scenario reports, by id. */
  scenarios: Map<string, ScenarioReport>;
}

/**
 * `paritykit verify --ci --report-dir <reportName>` of the candidate (the legacy itself, or a
 * mutant), then reads `report.json`. Exit code 0 or 1 is a result; anything else is an error.
 *
 * @param reportName folder under the workspace for this run's reports (one per run, so runs
 *   can go in parallel).
 * @throws Error with the CLI's output when verify exits 2 or crashes, or writes no report.
 */
export async function verifyCandidate(ws: Workspace, reportName: string, target: TargetEnv = {}): Promise<VerifyOutcome> {
  const reportDir = path.join(ws.dir, 'reports', reportName);
  const run = await paritykit(ws.dir, ['verify', '--ci', '--report-dir', reportDir], target);
  const what = `paritykit verify${target.mutant ? ` (MUTANT=${target.mutant})` : ' (A/A)'}`;
  if (run.code !== 0 && run.code !== 1) throw new Error(`${what} exited ${run.code} in ${ws.dir}\n${run.stdout}\n${run.stderr}`);
  let report: ParityReport;
  try {
    report = JSON.parse(await readFile(path.join(reportDir, 'report.json'), 'utf8')) as ParityReport;
  } catch (cause) {
    throw new Error(`${what} wrote no readable ${reportDir}/report.json\n${run.stdout}\n${run.stderr}`, { cause });
  }
  const suite = report.suites.find((s) => s.name === SUITE);
  if (!suite) throw new Error(`${what}: report.json has no suite "${SUITE}"`);
  return { run, report, scenarios: new Map(suite.scenarios.map((s) => [s.id, s])) };
}

/** One line per scenario that did not pass: `greet: diff [stdout]`. */
export function falseDifferences(outcome: VerifyOutcome): string[] {
  return [...outcome.scenarios.values()]
    .filter((s) => s.verdict !== 'pass')
    .map((s) => `${s.id}: ${s.verdict} [${differingPlaces(s).join(', ')}]${s.error ? ` ${s.error}` : ''}`);
}

/** How a mutant fared. */
export interface MutantOutcome {
  mutant: string;
  /** Every declared scenario has verdict `diff` (a `flaky` verdict is not a detection as `diff`). */
  detected: boolean;
  /** Detected, the differing places of each declared scenario are exactly the declared ones,
   * and every other scenario passes. */
  rightChannel: boolean;
  /** What was wrong, one line each; empty when `rightChannel`. */
  problems: string[];
}

/** Judges a mutant's verify outcome against its declaration in mutants.json. */
export function judgeMutant(mutant: Mutant, outcome: VerifyOutcome): MutantOutcome {
  const problems: string[] = [];
  const expected = [...mutant.channels].sort();
  for (const id of mutant.scenarios) {
    if (!outcome.scenarios.has(id)) problems.push(`${id}: not in the report`);
  }
  for (const s of outcome.scenarios.values()) {
    const places = differingPlaces(s);
    const error = s.error ? ` (${s.error})` : '';
    const flaky = s.flaky ? ` (candidate re-runs varied: ${s.flaky.varying.join('; ')})` : '';
    if (mutant.scenarios.includes(s.id)) {
      if (s.verdict !== 'diff') problems.push(`${s.id}: verdict ${s.verdict}, expected diff${error}${flaky}`);
      if (places.join() !== expected.join()) problems.push(`${s.id}: differs on [${places.join(', ')}], expected [${expected.join(', ')}]`);
    } else if (s.verdict !== 'pass') {
      problems.push(`${s.id}: verdict ${s.verdict} on [${places.join(', ')}], expected pass (the mutant does not touch it)${error}`);
    }
  }
  const detected = mutant.scenarios.every((id) => outcome.scenarios.get(id)?.verdict === 'diff');
  return { mutant: mutant.name, detected, rightChannel: detected && problems.length === 0, problems };
}

/** Parallel verify runs: one per core, at most 4 (each verify runs scenarios in parallel too). */
export function defaultParallelRuns(): number {
  return Math.max(1, Math.min(4, os.availableParallelism()));
}

/**
 * Verifies every named mutant (each in its own report folder), `parallel` at a time.
 *
 * @returns the outcomes by mutant name.
 * @throws the first CLI failure (exit 2, crash, no report).
 */
export async function verifyMutants(ws: Workspace, names: readonly string[], parallel = defaultParallelRuns()): Promise<Map<string, VerifyOutcome>> {
  const outcomes = await mapPool([...names], parallel, (name) => verifyCandidate(ws, `mutant-${name}`, { mutant: name }));
  return new Map(names.map((name, i) => [name, outcomes[i]]));
}

/** Writes `deviations.yaml` (beside the config) holding {@link DEVIATION}'s entry. */
export async function writeDeviation(ws: Workspace): Promise<void> {
  // JSON is YAML: no need for a YAML writer here.
  await writeFile(path.join(ws.dir, 'deviations.yaml'), `# written by test/verdicts/driver.ts\ndeviations:\n  - ${JSON.stringify(DEVIATION.entry)}\n`);
}

/** Figures of a whole experiment (see `runVerdicts`). */
export interface VerdictsResult {
  /** Number of mutants (equivalents not counted). */
  mutants: number;
  /** Mutants whose declared scenarios all got verdict `diff`. */
  detected: number;
  /** Mutants detected on exactly the declared places, with every other scenario passing. */
  rightChannel: number;
  /** Scenarios that did not pass when the legacy was verified against itself (A/A). */
  aaFalseDiffs: number;
  /** The deviation turned its mutant's scenario into `accepted` and left the rest passing. */
  acceptedByDeviation: boolean;
  /** Equivalent mutants that passed everywhere, of `EQUIVALENTS.length`. */
  equivalentsPassed: number;
  /** Every mutant that was not right, with why. */
  misses: Array<{ mutant: string; problems: string[] }>;
  /** Learned noise rules in the baseline, over all scenarios. */
  noiseRules: number;
}

/**
 * Runs the whole experiment once: record the noisy legacy with `runs` runs (default 3), A/A
 * verify, every mutant and equivalent, and the deviation check. Nothing is asserted; the
 * figures are returned. The workspace is removed at the end.
 *
 * @throws Error when a CLI run fails outright (exit 2, crash, no report).
 */
export async function runVerdicts(options: { runs?: number; parallel?: number } = {}): Promise<VerdictsResult> {
  const ws = await createWorkspace();
  try {
    await recordLegacy(ws, options.runs ?? 3);
    const aa = await verifyCandidate(ws, 'aa');
    const noiseRules = [...aa.scenarios.values()].reduce((n, s) => n + (s.noise?.length ?? 0), 0);
    const names = [...MUTANTS.map((m) => m.name), ...EQUIVALENTS.map((e) => e.name)];
    const outcomes = await verifyMutants(ws, names, options.parallel);
    const judged = MUTANTS.map((m) => judgeMutant(m, outcomes.get(m.name)!));
    const equivalentsPassed = EQUIVALENTS.filter((e) => falseDifferences(outcomes.get(e.name)!).length === 0).length;
    const dev = await cloneWorkspace(ws);
    let acceptedByDeviation = false;
    try {
      await writeDeviation(dev);
      const outcome = await verifyCandidate(dev, 'deviation', { mutant: DEVIATION.mutant });
      acceptedByDeviation = [...outcome.scenarios.values()].every((s) => s.verdict === (s.id === DEVIATION.scenario ? 'accepted' : 'pass'));
    } finally {
      await dev.remove();
    }
    return {
      mutants: MUTANTS.length,
      detected: judged.filter((j) => j.detected).length,
      rightChannel: judged.filter((j) => j.rightChannel).length,
      aaFalseDiffs: falseDifferences(aa).length,
      acceptedByDeviation,
      equivalentsPassed,
      misses: judged.filter((j) => !j.rightChannel).map((j) => ({ mutant: j.mutant, problems: j.problems })),
      noiseRules,
    };
  } finally {
    await ws.remove();
  }
}
