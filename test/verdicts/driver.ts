/**
 * Drives the verdicts experiment through the real `paritykit` CLI: copy this folder to a
 * temporary workspace, record the noisy legacies (the CLI `legacy.mjs` and the HTTP service
 * `service.mjs`, one suite each) with noise learning, verify them against themselves (A/A),
 * verify every mutant, and verify one mutant of each suite under a deviation. Shared by
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

/** The files of this folder a workspace needs (the legacies, the mutant table, config, scenarios). */
const WORKSPACE_FILES = ['legacy.mjs', 'service.mjs', 'mutants.json', 'paritykit.config.mjs', 'scenarios.yaml', 'service-scenarios.yaml'];

/** Name of the CLI suite in paritykit.config.mjs (legacy.mjs, scenarios.yaml). */
export const SUITE = 'verdicts';
/** Name of the service suite in paritykit.config.mjs (service.mjs, service-scenarios.yaml). */
export const HTTP_SUITE = 'verdicts-http';
/** Both suites of the experiment, in config order. */
export const SUITES: readonly string[] = [SUITE, HTTP_SUITE];

/**
 * A place where a scenario can differ: `stdout`, `stderr`, `exit`, `files:<path>` for one
 * file of the files channel, or `http:<label>` for one exchange of the http channel, the label
 * being the comparator's `#n METHOD /path` (`http:#2 GET /items/{{itemId}}`).
 */
export type Place = string;

/** One mutant of legacy.mjs or service.mjs (`MUTANT=<name>`), from mutants.json. */
export interface Mutant {
  name: string;
  /** The suite it mutates (its candidate reads MUTANT); absent: {@link SUITE}. */
  suite?: string;
  description: string;
  /** Scenario ids whose verdict must be `diff`; every other scenario of the suite must `pass`. */
  scenarios: string[];
  /**
   * The places that must differ: each declared scenario differs at some of them and nowhere
   * else, and each of them differs in at least one declared scenario. (An HTTP change shows at
   * another exchange label in each scenario; a CLI mutant lists the same places for each.)
   */
  channels: Place[];
  /**
   * HTTP mutants: where in the differing exchanges the difference is, under the same rule as
   * `channels`: `$.status`, `$.headers["name"]`, `$.body…` inside a JSON body, or `$.body` for
   * a text body (see {@link differencePaths}). A declared path covers the paths inside it
   * (`$.body.items` covers `$.body.items[0].id`), as a deviation's `where` does.
   */
  where?: string[];
}

/** A change of bytes that is not a change of behaviour under paritykit's comparators. */
export interface Equivalent {
  name: string;
  /** The suite it concerns; absent: {@link SUITE}. */
  suite?: string;
  description: string;
}

/** The mutants (at least 40 in all), in the order of mutants.json. */
export const MUTANTS: readonly Mutant[] = table.mutants;
/** The equivalent mutants: every scenario must still pass. */
export const EQUIVALENTS: readonly Equivalent[] = table.equivalents;

/** The suite a mutant or equivalent runs against. */
export function suiteOf(m: Pick<Mutant, 'suite'>): string {
  return m.suite ?? SUITE;
}

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
  // verdicts-http: noise sits in response bodies, per exchange (`http:#n`): every response
  // carries a random requestId or a timestamp; item-get's tags are a set in random order;
  // item-label's text body has a `printed at <timestamp>` line.
  'items-list': ['http:#1'],
  'item-get': ['http:#1'],
  'item-label': ['http:#1'],
  'item-missing': ['http:#1'],
  'item-create': ['http:#1', 'http:#2'],
  'item-invalid': ['http:#1'],
};

/**
 * The CLI deviation the experiment writes to `deviations.yaml`: it explains the `stderr-wording`
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

/**
 * The HTTP deviation the experiment writes to `deviations.yaml` beside {@link DEVIATION}: it
 * explains the `http-status-404-to-400` mutant (status 404 → 400 of `item-missing`, nothing else
 * in that response changes) and nothing else.
 */
export const HTTP_DEVIATION = {
  mutant: 'http-status-404-to-400',
  scenario: 'item-missing',
  entry: {
    id: 'DEV-2',
    suite: HTTP_SUITE,
    scenarios: ['item-missing'],
    channel: 'http',
    where: '$.status',
    legacy: 404,
    candidate: 400,
    reason: 'An unknown item id is a bad request in the rewrite (API guidelines v2)',
    ticket: 'VERD-2',
    owner: 'verdicts-test',
    expires: '2099-12-31',
  },
} as const;

/** The place a channel result is about: `stdout`, `exit`, `files:out.csv`, `http:#1 GET /items`, … */
export function placeOf(c: Pick<ChannelResult, 'channel' | 'path'>): Place {
  return c.channel === 'files' || c.channel === 'http' ? `${c.channel}:${c.path ?? ''}` : c.channel;
}

/**
 * The paths an http channel result's difference names, sorted and unique: the `changes` of a
 * `json` difference (`$.status`, `$.headers["x"]`, `$.body.price`); `$.status` for a status-only
 * `value` difference (`presence` for a request one side did not send); for a text, CSV or binary
 * body, its status and header changes (`head`) and `$.body`. Empty without a difference.
 */
export function differencePaths(c: Pick<ChannelResult, 'difference'>): string[] {
  const d = c.difference as (ChannelResult['difference'] & { head?: Array<{ path: string }> }) | undefined;
  if (!d) return [];
  let paths: string[];
  if (d.kind === 'json') paths = d.changes.map((ch) => ch.path);
  else if (d.kind === 'value') paths = [d.legacy === null || d.candidate === null ? 'presence' : '$.status'];
  else paths = [...(d.head ?? []).map((h) => h.path), '$.body'];
  return [...new Set(paths)].sort();
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

/** Copies the legacies, mutants.json, the config and the scenarios to a fresh temporary folder. */
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
 * `paritykit record --runs <runs>`: records both legacies, learning noise from `runs` runs.
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
  /** The scenario reports of every verified suite, by id (ids are unique across the suites). */
  scenarios: Map<string, ScenarioReport>;
}

/**
 * `paritykit verify --ci --report-dir <reportName> [--suite …]` of the candidate (the legacy
 * itself, or a mutant), then reads `report.json`. Exit code 0 or 1 is a result; anything else is
 * an error.
 *
 * @param reportName folder under the workspace for this run's reports (one per run, so runs
 *   can go in parallel).
 * @param suites the suites to verify (default: both, {@link SUITES}).
 * @throws Error with the CLI's output when verify exits 2 or crashes, writes no report, or the
 *   report lacks a requested suite.
 */
export async function verifyCandidate(ws: Workspace, reportName: string, target: TargetEnv = {}, suites: readonly string[] = SUITES): Promise<VerifyOutcome> {
  const reportDir = path.join(ws.dir, 'reports', reportName);
  const only = suites.length === SUITES.length ? [] : suites.flatMap((s) => ['--suite', s]);
  const run = await paritykit(ws.dir, ['verify', '--ci', '--report-dir', reportDir, ...only], target);
  const what = `paritykit verify${target.mutant ? ` (MUTANT=${target.mutant})` : ' (A/A)'}`;
  if (run.code !== 0 && run.code !== 1) throw new Error(`${what} exited ${run.code} in ${ws.dir}\n${run.stdout}\n${run.stderr}`);
  let report: ParityReport;
  try {
    report = JSON.parse(await readFile(path.join(reportDir, 'report.json'), 'utf8')) as ParityReport;
  } catch (cause) {
    throw new Error(`${what} wrote no readable ${reportDir}/report.json\n${run.stdout}\n${run.stderr}`, { cause });
  }
  const scenarios = new Map<string, ScenarioReport>();
  for (const name of suites) {
    const suite = report.suites.find((s) => s.name === name);
    if (!suite) throw new Error(`${what}: report.json has no suite "${name}"`);
    for (const s of suite.scenarios) {
      if (scenarios.has(s.id)) throw new Error(`${what}: scenario id "${s.id}" is in two suites; the experiment needs unique ids`);
      scenarios.set(s.id, s);
    }
  }
  return { run, report, scenarios };
}

/** One line per scenario that did not pass: `greet: diff [stdout]`. */
export function falseDifferences(outcome: VerifyOutcome): string[] {
  return [...outcome.scenarios.values()]
    .filter((s) => s.verdict !== 'pass')
    .map((s) => `${s.id}: ${s.verdict} [${differingPlaces(s).join(', ')}]${s.error ? ` ${s.error}` : ''}`);
}

/** True when JSONPath `path` is `outer` or inside it: `$.body.tags[2]` is within `$.body.tags` (not within `$.body.tag`). */
export function isWithin(path: string, outer: string): boolean {
  return path === outer || path.startsWith(`${outer}.`) || path.startsWith(`${outer}[`);
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

/**
 * Judges a mutant's verify outcome against its declaration in mutants.json: the declared
 * scenarios are `diff`, at declared places only, covering every declared place (and, with
 * `where`, the differing http exchanges name declared paths only, covering every one); every
 * other scenario of the outcome passes.
 */
export function judgeMutant(mutant: Mutant, outcome: VerifyOutcome): MutantOutcome {
  const problems: string[] = [];
  const expected = new Set(mutant.channels);
  const seenPlaces = new Set<Place>();
  const expectedPaths = mutant.where ?? null;
  const seenPaths: string[] = [];
  for (const id of mutant.scenarios) {
    if (!outcome.scenarios.has(id)) problems.push(`${id}: not in the report`);
  }
  for (const s of outcome.scenarios.values()) {
    const places = differingPlaces(s);
    const error = s.error ? ` (${s.error})` : '';
    const flaky = s.flaky ? ` (candidate re-runs varied: ${s.flaky.varying.join('; ')})` : '';
    if (mutant.scenarios.includes(s.id)) {
      if (s.verdict !== 'diff') problems.push(`${s.id}: verdict ${s.verdict}, expected diff${error}${flaky}`);
      places.forEach((p) => seenPlaces.add(p));
      const stray = places.filter((p) => !expected.has(p));
      if (places.length === 0 || stray.length > 0) problems.push(`${s.id}: differs on [${places.join(', ')}], expected some of [${mutant.channels.join(', ')}] and nothing else`);
      if (expectedPaths !== null) {
        for (const c of s.channels.filter((x) => x.channel === 'http' && x.verdict !== 'pass')) {
          const paths = differencePaths(c);
          seenPaths.push(...paths);
          const strayPaths = paths.filter((p) => !expectedPaths.some((w) => isWithin(p, w)));
          if (strayPaths.length > 0) problems.push(`${s.id} ${c.path}: the difference names [${paths.join(', ')}], expected only paths within [${expectedPaths.join(', ')}]`);
        }
      }
    } else if (s.verdict !== 'pass') {
      problems.push(`${s.id}: verdict ${s.verdict} on [${places.join(', ')}], expected pass (the mutant does not touch it)${error}`);
    }
  }
  const unseen = [...expected].filter((p) => !seenPlaces.has(p));
  if (unseen.length > 0) problems.push(`no declared scenario differs on [${unseen.join(', ')}]`);
  const unseenPaths = (expectedPaths ?? []).filter((w) => !seenPaths.some((p) => isWithin(p, w)));
  if (unseenPaths.length > 0) problems.push(`no differing exchange names [${unseenPaths.join(', ')}]`);
  const detected = mutant.scenarios.every((id) => outcome.scenarios.get(id)?.verdict === 'diff');
  return { mutant: mutant.name, detected, rightChannel: detected && problems.length === 0, problems };
}

/**
 * Parallel verify runs: one more than the cores, at most 4. Each verify runs its scenarios in
 * parallel too, but spends part of its time waiting (processes starting, a service's ready
 * line, the 3 s `timeout` mutant), which the extra run fills.
 */
export function defaultParallelRuns(): number {
  return Math.max(1, Math.min(4, os.availableParallelism() + 1));
}

const SUITE_BY_NAME = new Map([...MUTANTS, ...EQUIVALENTS].map((m) => [m.name, suiteOf(m)]));

/**
 * Verifies every named mutant or equivalent (each in its own report folder) against its own
 * suite only (`--suite`: the other legacy ignores the name, so verifying it too would only cost
 * time), `parallel` at a time.
 *
 * @returns the outcomes by mutant name.
 * @throws the first CLI failure (exit 2, crash, no report), or Error for a name mutants.json lacks.
 */
export async function verifyMutants(ws: Workspace, names: readonly string[], parallel = defaultParallelRuns()): Promise<Map<string, VerifyOutcome>> {
  const outcomes = await mapPool([...names], parallel, (name) => {
    const suite = SUITE_BY_NAME.get(name);
    if (suite === undefined) throw new Error(`mutant ${name} is not in test/verdicts/mutants.json`);
    return verifyCandidate(ws, `mutant-${name}`, { mutant: name }, [suite]);
  });
  return new Map(names.map((name, i) => [name, outcomes[i]]));
}

/** Writes `deviations.yaml` (beside the config) holding {@link DEVIATION}'s and {@link HTTP_DEVIATION}'s entries. */
export async function writeDeviation(ws: Workspace): Promise<void> {
  // JSON is YAML: no need for a YAML writer here.
  const entries = [DEVIATION.entry, HTTP_DEVIATION.entry].map((e) => `  - ${JSON.stringify(e)}\n`).join('');
  await writeFile(path.join(ws.dir, 'deviations.yaml'), `# written by test/verdicts/driver.ts\ndeviations:\n${entries}`);
}

/** Whether a verify run of a deviation's mutant (its suite only) made its scenario `accepted` and left every other scenario passing. */
export function acceptedOnly(outcome: VerifyOutcome, scenario: string): boolean {
  return [...outcome.scenarios.values()].every((s) => s.verdict === (s.id === scenario ? 'accepted' : 'pass'));
}

/** Figures of one suite of the experiment (see `runVerdicts`). */
export interface SuiteFigures {
  /** Number of the suite's mutants (equivalents not counted). */
  mutants: number;
  /** Mutants whose declared scenarios all got verdict `diff`. */
  detected: number;
  /** Mutants detected on the declared places (and paths), with every other scenario passing. */
  rightChannel: number;
  /** The suite's scenarios that did not pass when the legacy was verified against itself (A/A). */
  aaFalseDiffs: number;
  /** The suite's deviation turned its mutant's scenario into `accepted` and left the rest passing. */
  acceptedByDeviation: boolean;
  /** Equivalent mutants that passed everywhere. */
  equivalentsPassed: number;
  /** Number of the suite's equivalent mutants. */
  equivalents: number;
  /** Learned noise rules in the suite's baseline, over all its scenarios. */
  noiseRules: number;
}

/** Figures of a whole experiment (see `runVerdicts`): totals over both suites, and per suite. */
export interface VerdictsResult {
  /** Number of mutants, both suites (equivalents not counted). */
  mutants: number;
  /** Mutants whose declared scenarios all got verdict `diff`. */
  detected: number;
  /** Mutants detected on the declared places, with every other scenario passing. */
  rightChannel: number;
  /** Scenarios that did not pass when the legacies were verified against themselves (A/A). */
  aaFalseDiffs: number;
  /** Both deviations (CLI and HTTP) turned their mutant's scenario into `accepted` and left the rest passing. */
  acceptedByDeviation: boolean;
  /** Equivalent mutants that passed everywhere, of `EQUIVALENTS.length`. */
  equivalentsPassed: number;
  /** Every mutant that was not right, with why. */
  misses: Array<{ mutant: string; problems: string[] }>;
  /** Learned noise rules in the baselines, over all scenarios. */
  noiseRules: number;
  /** The same figures per suite: {@link SUITE} (CLI channels) and {@link HTTP_SUITE} (http channel). */
  bySuite: Record<string, SuiteFigures>;
}

/**
 * Runs the whole experiment once: record both noisy legacies with `runs` runs (default 3), A/A
 * verify, every mutant and equivalent, and the deviation check of each suite. Nothing is
 * asserted; the figures are returned. The workspace is removed at the end.
 *
 * @throws Error when a CLI run fails outright (exit 2, crash, no report).
 */
export async function runVerdicts(options: { runs?: number; parallel?: number } = {}): Promise<VerdictsResult> {
  const ws = await createWorkspace();
  try {
    await recordLegacy(ws, options.runs ?? 3);
    const aa = await verifyCandidate(ws, 'aa');
    const names = [...MUTANTS.map((m) => m.name), ...EQUIVALENTS.map((e) => e.name)];
    const outcomes = await verifyMutants(ws, names, options.parallel);
    const judged = new Map(MUTANTS.map((m) => [m.name, judgeMutant(m, outcomes.get(m.name)!)]));
    const dev = await cloneWorkspace(ws);
    const accepted = new Map<string, boolean>();
    try {
      await writeDeviation(dev);
      await Promise.all(
        [DEVIATION, HTTP_DEVIATION].map(async (d) => {
          const outcome = await verifyCandidate(dev, `deviation-${d.entry.suite}`, { mutant: d.mutant }, [d.entry.suite]);
          accepted.set(d.entry.suite, acceptedOnly(outcome, d.scenario));
        }),
      );
    } finally {
      await dev.remove();
    }
    const suiteOfScenario = new Map<string, string>();
    for (const suite of aa.report.suites) for (const s of suite.scenarios) suiteOfScenario.set(s.id, suite.name);
    const bySuite: Record<string, SuiteFigures> = {};
    for (const suite of SUITES) {
      const mutants = MUTANTS.filter((m) => suiteOf(m) === suite).map((m) => judged.get(m.name)!);
      const equivalents = EQUIVALENTS.filter((e) => suiteOf(e) === suite);
      const aaScenarios = [...aa.scenarios.values()].filter((s) => suiteOfScenario.get(s.id) === suite);
      bySuite[suite] = {
        mutants: mutants.length,
        detected: mutants.filter((j) => j.detected).length,
        rightChannel: mutants.filter((j) => j.rightChannel).length,
        aaFalseDiffs: aaScenarios.filter((s) => s.verdict !== 'pass').length,
        acceptedByDeviation: accepted.get(suite) ?? false,
        equivalentsPassed: equivalents.filter((e) => falseDifferences(outcomes.get(e.name)!).length === 0).length,
        equivalents: equivalents.length,
        noiseRules: aaScenarios.reduce((n, s) => n + (s.noise?.length ?? 0), 0),
      };
    }
    const all = [...judged.values()];
    const sum = (key: 'equivalentsPassed' | 'noiseRules') => Object.values(bySuite).reduce((n, f) => n + f[key], 0);
    return {
      mutants: MUTANTS.length,
      detected: all.filter((j) => j.detected).length,
      rightChannel: all.filter((j) => j.rightChannel).length,
      aaFalseDiffs: falseDifferences(aa).length,
      acceptedByDeviation: Object.values(bySuite).every((f) => f.acceptedByDeviation),
      equivalentsPassed: sum('equivalentsPassed'),
      misses: all.filter((j) => !j.rightChannel).map((j) => ({ mutant: j.mutant, problems: j.problems })),
      noiseRules: sum('noiseRules'),
      bySuite,
    };
  } finally {
    await ws.remove();
  }
}
