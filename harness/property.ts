/**
 * Property-based differential suites (issue 6): a suite's `property.inputs` is a fast-check
 * arbitrary of scenarios. For each generated scenario the legacy and the candidate both run
 * it live (each in its own fresh working directory or database clone: `runScenario`), both
 * observations are redacted, normalized and compared with the same comparators and deviations
 * as recorded scenarios, and the property fails on a `diff`. fast-check shrinks a failure to a
 * minimal scenario, which is saved into the suite's baseline (tag `property`, legacy's
 * observations) so that later `verify` runs replay it without the legacy.
 *
 * Search and shrinking are two phases. The search checks the values `fc.sample(inputs, { seed })`
 * yields — exactly the values `fc.check` with that seed would try, in the same order — a batch
 * of `concurrency` at a time, until the first failure (bounded by `numRuns` and
 * `timeBudgetMs`); run i is fast-check path `i`. Shrinking is `fc.check` replaying that path
 * (bounded by `shrinkBudgetMs`). A time budget thus never eats the shrinking, and `seed` + the
 * reported `path` replays the minimal case directly (fast-check's replay:
 * https://fast-check.dev/docs/tutorials/quick-start/read-test-reports/).
 */
import { readFile } from 'node:fs/promises';
import { constants as fsConstants } from 'node:fs';
import { access } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { isUtf8 } from 'node:buffer';
import fc from 'fast-check';
import { z } from 'zod';
import type { BaselineStore, RecordedScenario } from '../baselines/store.ts';
import { canonicalJson, sha256Hex, type Manifest, type StoredScenario } from '../baselines/format.ts';
import type { ResolvedSuite } from './config.ts';
import { ParityError } from './errors.ts';
import { identityOf } from './identity.ts';
import { applyDeviations, localDate, type Deviation } from './deviations.ts';
import { isCommandTarget, type ChannelResult, type NoiseRule, type Scenario, type ScenarioObservation, type Target } from './model.ts';
import type { Normalizer } from './normalize/index.ts';
import { dbOptionsSchema, type DbOptions } from './compare/db.ts';
import { compareObservations, redactObservation, redactorFor, runScenario, verdictOf } from './runner.ts';
import { PARITYKIT_VERSION } from './version.ts';

/** A generated scenario: a `Scenario` whose `id` is optional (paritykit names it). */
export type PropertyInput = Omit<Scenario, 'id'> & { id?: string };

/**
 * The `property` option of a suite (TypeScript configs).
 *
 * @example
 * import { fromRecordedArgs } from 'paritykit/arbitraries';
 * { name: 'ledger', …, property: { inputs: fromRecordedArgs(scenarios), numRuns: 200, timeBudgetMs: 10_000, seed: 42 } }
 */
export interface PropertyOptions {
  /** A fast-check arbitrary of scenarios (args, stdin, env, files; for services, requests). */
  inputs: fc.Arbitrary<PropertyInput>;
  /** Generated scenarios at most (fast-check `numRuns`). Default 100. */
  numRuns?: number;
  /** Time (ms) the search for a failure may take; when it runs out, the property passes with
   * the runs done so far. Default: none (only `numRuns`). */
  timeBudgetMs?: number;
  /** Time (ms) shrinking a failure may take; the best counterexample so far is kept. Default 60,000. */
  shrinkBudgetMs?: number;
  /** fast-check seed (an integer): a fixed seed generates the same scenarios every run.
   * Default: random, printed in the report. `verify --seed` wins. */
  seed?: number;
  /** `db` channel rules for generated scenarios only, added to the suite's `db` option:
   * columns not compared and numeric tolerances (globs over `table.column`), for documented
   * differences of the `db` channel, which deviations do not cover. Recorded scenarios keep
   * the suite's rules. */
  db?: Pick<DbOptions, 'ignoreColumns' | 'tolerances'>;
}

/** A fast-check arbitrary: the duck-typed check used by the config schema (fast-check 4's
 * `Arbitrary` has `generate`, `canShrinkWithoutContext` and `shrink` methods). */
export function isArbitrary(value: unknown): value is fc.Arbitrary<unknown> {
  const v = value as { generate?: unknown; canShrinkWithoutContext?: unknown; shrink?: unknown } | null;
  return typeof v === 'object' && v !== null && typeof v.generate === 'function' && typeof v.canShrinkWithoutContext === 'function' && typeof v.shrink === 'function';
}

/** zod schema of the `property` suite option (used by harness/config.ts). */
export const propertyOptionsSchema = z.strictObject({
  inputs: z.custom<fc.Arbitrary<PropertyInput>>(isArbitrary, {
    error: 'must be a fast-check Arbitrary of scenarios (e.g. fromRecordedArgs(...) from paritykit/arbitraries, or fc.record({ args: … })); got something without generate()/canShrinkWithoutContext()',
  }),
  numRuns: z.number().int().positive().optional(),
  timeBudgetMs: z.number().int().positive().optional(),
  shrinkBudgetMs: z.number().int().positive().optional(),
  seed: z.number().int().optional(),
  db: dbOptionsSchema.pick({ ignoreColumns: true, tolerances: true }).optional(),
});

/** The tag of every saved counterexample. */
export const PROPERTY_TAG = 'property';

/** What one side printed, for a command suite's counterexample (texts clipped to 4 KiB). */
export interface PropertyOutput {
  exit: number | null;
  stdout: string;
  stderr: string;
  /** Paths of the files the run created, modified or deleted. */
  files: string[];
  /** For a service: the error when it could not be reached or crashed. */
  error?: string;
}

/** One shrunk counterexample of a property run. */
export interface PropertyCounterexample {
  /** `property-<suite>-<12 hex of the input's sha256>`: stable for the same input. */
  id: string;
  /** The minimal scenario fast-check shrank the failure to (with its id and the tag `property`). */
  input: Scenario;
  /** Every channel compared: the differing ones carry the difference (and, for http, the
   * exchange with both responses). */
  channels: ChannelResult[];
  /** Both sides' output (command suites; for services the exchanges are in `channels`). */
  legacy: PropertyOutput;
  candidate: PropertyOutput;
  /** True when it was written into the suite's baseline by this run (never under `--ci`). */
  saved: boolean;
  /** Why it was not saved, when `saved` is false. */
  notSaved?: string;
}

/** The property part of a suite's report (`SuiteReport.property`). */
export interface PropertyReport {
  /** Generated scenarios checked while searching (up to and including the first failure). */
  runs: number;
  /** Successful shrink steps. */
  shrinks: number;
  /** Wall time of the search and shrinking (ms). */
  durationMs: number;
  /** fast-check seed of the run (replay with `--seed`). */
  seed: number;
  /** fast-check path of the minimal counterexample (replay with `--seed S --path P`), or null. */
  path: string | null;
  /** True when the time budget stopped the search before `numRuns`. */
  interrupted: boolean;
  /** False when the legacy cannot run here: only the saved counterexamples were replayed. */
  legacyRunnable: boolean;
  /** Saved counterexamples (scenarios tagged `property`) in the suite's baseline. */
  savedScenarios: number;
  /** One sentence for readers: what happened (always set). */
  note: string;
  /** What is masked in generated scenarios because the legacy's recorded runs vary there
   * (from the baseline's learned noise; always listed): JSONPaths by key (`$..createdAt`) and
   * database columns (`db orders.updated_at`). */
  noisePaths: string[];
  counterexamples: PropertyCounterexample[];
  /** `paritykit verify --property …` command line that replays this run. */
  replay: string;
  /** Set when the property could not run (a target failed to start, a generator threw). */
  error?: string;
  /** Ids of the deviations that explained a difference of a generated scenario (so they are
   * not reported obsolete). */
  deviationsUsed?: string[];
}

/** Options of `runPropertyCheck`. */
export interface PropertyRunOptions {
  /** The baseline store: counterexamples are saved there (unless `ci`). */
  store: BaselineStore;
  /** `--ci`: never write the baseline. */
  ci: boolean;
  /** Accepted deviations (all suites; filtered by suite here). */
  deviations?: Deviation[];
  /** `--seed`: wins over the suite's `property.seed`. */
  seed?: number;
  /** `--path`: replay this counterexample path (needs a seed). */
  path?: string;
  /** `--no-legacy`: do not run the legacy (only saved counterexamples are replayed by verify). */
  noLegacy?: boolean;
  /** Config file as given, for the replay command line. */
  configArg?: string;
  /** Called after each generated scenario was checked on both sides (search runs only, not
   * shrinking), with the scenario and whether it differed. */
  onRun?: (scenario: Scenario, failed: boolean) => void;
  signal?: AbortSignal;
}

/**
 * Id of a generated scenario: `property-<suite>-<first 12 hex of the sha256 of its input>`
 * (canonical JSON of args, stdin, env, files, requests; tags and id excluded), so the same
 * counterexample found twice gets the same id. The suite name is cut so the id stays ≤ 200 chars.
 */
export function counterexampleId(suite: string, input: PropertyInput): string {
  const { id: _id, tags: _tags, ...rest } = input;
  return `property-${suite.slice(0, 150)}-${sha256Hex(canonicalJson(rest)).slice(0, 12)}`;
}

const inputSchema = z.looseObject({
  args: z.array(z.string()).optional(),
  stdin: z.string().optional(),
  env: z.record(z.string(), z.string()).optional(),
  files: z.record(z.string(), z.string()).optional(),
  timeoutMs: z.number().int().positive().optional(),
  tags: z.array(z.string()).optional(),
  requests: z.array(z.looseObject({ path: z.string() })).min(1).optional(),
});

/** Turns a generated input into a scenario of the suite: validated, named, tagged `property`.
 * @throws ParityError `SCENARIO_INVALID` when the arbitrary generates something that is not a
 * scenario of this suite's kind. */
export function toPropertyScenario(suite: Pick<ResolvedSuite, 'name' | 'kind'>, input: unknown): Scenario {
  const parsed = inputSchema.safeParse(input);
  const shown = JSON.stringify(input)?.slice(0, 300);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ParityError('SCENARIO_INVALID', `suite "${suite.name}": property.inputs generated ${shown}, which is not a scenario (${issue?.path.join('.') || '(top level)'}: ${issue?.message}); fix the arbitrary`);
  }
  const value = parsed.data as PropertyInput;
  if ((suite.kind === 'service') !== Boolean(value.requests)) {
    throw new ParityError(
      'SCENARIO_INVALID',
      suite.kind === 'service'
        ? `suite "${suite.name}": property.inputs generated ${shown} without requests; a service suite needs exchange scenarios ({ requests: [...] }, e.g. exchangeSequences())`
        : `suite "${suite.name}": property.inputs generated ${shown} with requests; a command suite needs args/stdin/env/files (e.g. fromRecordedArgs())`,
    );
  }
  const { id: _id, tags, ...rest } = value;
  const tagSet = [...new Set([...(tags ?? []), PROPERTY_TAG])];
  return { id: counterexampleId(suite.name, value), ...rest, tags: tagSet };
}

/**
 * Reads the saved counterexamples of a suite (baseline scenarios whose id starts with
 * `property-`) as scenarios, from their stored inputs. Reads `manifest.json` and only those
 * scenario files (cheap), checking each file's sha256 against the manifest.
 *
 * @returns the scenarios (empty when the suite has no baseline).
 * @throws ParityError `BASELINE_CORRUPT` when a listed file is missing or was edited.
 */
export async function loadSavedCounterexamples(baselineDir: string, suite: string): Promise<Scenario[]> {
  const dir = path.join(baselineDir, suite);
  let manifest: Manifest;
  try {
    manifest = JSON.parse(await readFile(path.join(dir, 'manifest.json'), 'utf8')) as Manifest;
  } catch {
    return []; // no baseline (or an unreadable one: loading the baseline reports that properly)
  }
  const out: Scenario[] = [];
  for (const entry of manifest.scenarios ?? []) {
    if (!entry.id.startsWith('property-')) continue;
    const file = path.join(dir, 'scenarios', `${entry.id}.json`);
    const bytes = await readFile(file).catch(() => null);
    if (!bytes || sha256Hex(bytes) !== entry.sha256) {
      throw new ParityError('BASELINE_CORRUPT', `${file}: saved property counterexample is missing or does not match manifest.json; restore it from git or re-record`, { file });
    }
    const stored = JSON.parse(bytes.toString('utf8')) as StoredScenario;
    out.push({ ...stored.input, id: entry.id });
  }
  return out;
}

async function executable(file: string): Promise<boolean> {
  return access(file, fsConstants.X_OK).then(() => true, () => false);
}

/** Why an argv cannot run here (program not found, script file missing), or null. */
async function argvProblem(argv: readonly string[], cwd: string): Promise<string | null> {
  const program = argv[0];
  if (program.includes('/')) {
    const file = path.resolve(cwd, program);
    if (!(await executable(file))) return `${program} is not an executable file (resolved to ${file})`;
  } else {
    const dirs = (process.env.PATH ?? '').split(path.delimiter).filter(Boolean);
    let found = false;
    for (const d of dirs) if (await executable(path.join(d, program))) { found = true; break; }
    if (!found) return `${program} is not on PATH`;
  }
  // A script argument (`legacy/ledger.py`) that is not there: the legacy's code is absent.
  const script = argv[1];
  if (script && !script.startsWith('-') && /\.(py|js|mjs|cjs|ts|mts|rb|pl|php|sh|jar|lua)$/.test(script)) {
    const file = path.resolve(cwd, script);
    if (!(await access(file).then(() => true, () => false))) return `${script} does not exist (resolved to ${file})`;
  }
  return null;
}

/**
 * Decides whether a target can run on this machine, without running it: for a command (or a
 * started service) its program must be found (absolute/relative path executable, or a bare
 * name on PATH) and a script argument (`legacy/tool.py`) must exist; a `url` service must
 * answer within 2 s. Containers are assumed runnable (a failure shows as an error later).
 *
 * @returns null when runnable, else why not (one sentence).
 */
export async function targetProblem(target: Target, rootDir: string): Promise<string | null> {
  if (isCommandTarget(target)) return argvProblem(target.command, target.cwd ?? rootDir);
  if ('start' in target) return argvProblem(target.start.command, target.start.cwd ?? rootDir);
  if ('url' in target) {
    try {
      await fetch(target.url, { method: 'HEAD', signal: AbortSignal.timeout(2000) });
      return null;
    } catch (err) {
      return `${target.url} does not answer (${(err as Error).message})`;
    }
  }
  return null;
}

/** JSONPaths (`$..createdAt`) generalized from the baseline's learned JSON noise: the last key
 * of every noisy leaf path. A generated scenario has no learned noise of its own (it ran once
 * per side), but a field that varies between legacy runs of recorded scenarios varies here too. */
export function generalNoisePaths(noise: Iterable<NoiseRule[]>): string[] {
  const keys = new Set<string>();
  for (const rules of noise) {
    for (const r of rules) {
      if (r.where.kind !== 'json' || r.where.unordered) continue;
      const m = /(?:\.([A-Za-z_$][A-Za-z0-9_$-]*)|\['((?:[^'\\]|\\.)*)'\])$/.exec(r.where.path);
      const key = m?.[1] ?? m?.[2];
      if (key !== undefined) keys.add(m?.[1] !== undefined ? `$..${key}` : `$..['${m![2]}']`);
    }
  }
  return [...keys].sort();
}

/** The baseline's learned `db` column noise, deduplicated (columns vary the same way in any scenario). */
export function dbNoiseRules(noise: Iterable<NoiseRule[]>): NoiseRule[] {
  const byColumn = new Map<string, NoiseRule>();
  for (const rules of noise) for (const r of rules) if (r.channel === 'db' && r.where.kind === 'column') byColumn.set(r.where.column, { ...r, values: [] });
  return [...byColumn.values()].sort((a, b) => (JSON.stringify(a.where) < JSON.stringify(b.where) ? -1 : 1));
}

const CLIP = 4096;
function clip(b: Buffer): string {
  const text = isUtf8(b) ? b.toString('utf8') : `<${b.length} bytes of binary>`;
  return text.length > CLIP ? `${text.slice(0, CLIP)}… (${text.length - CLIP} more characters)` : text;
}

function outputOf(o: ScenarioObservation): PropertyOutput {
  return {
    exit: o.exit.code,
    stdout: clip(o.stdout),
    stderr: clip(o.stderr),
    files: o.files.map((f) => `${f.change} ${f.path}`),
    ...(o.http?.error ? { error: o.http.error.slice(0, CLIP) } : {}),
  };
}

/** The command line that replays a property run exactly. */
export function replayCommand(suite: string, seed: number, p: string | null, configArg?: string): string {
  const config = configArg ? ` --config ${configArg}` : '';
  return `paritykit verify --property${config} --suite ${suite} --seed ${seed}${p ? ` --path ${p}` : ''}`;
}

interface Checked {
  scenario: Scenario;
  legacy: ScenarioObservation;
  candidate: ScenarioObservation;
  channels: ChannelResult[];
  failed: boolean;
}

/**
 * Runs one generated scenario on both targets and compares them, each observation redacted.
 * Command targets run at the same time; a service legacy runs first, then the candidate with
 * the legacy's third-party calls replayed (as verify does).
 * A one-sided service error (could not start, crashed, a capture found nothing) counts as a
 * difference; when both sides ended early, the exchanges they made are compared.
 */
export async function checkGenerated(
  suite: ResolvedSuite,
  scenario: Scenario,
  options: { normalize: Normalizer[]; noise?: NoiseRule[]; deviations?: Deviation[]; today?: string; signal?: AbortSignal; deviationsUsed?: string[] },
): Promise<Checked> {
  const redactor = redactorFor(suite);
  const redactText = (t: string) => redactor.redactText(t);
  let legacy: ScenarioObservation;
  let candidate: ScenarioObservation;
  if (isCommandTarget(suite.legacy)) {
    // Commands share nothing: both sides run at once, each in its own fresh directory.
    [legacy, candidate] = (await Promise.all([
      runScenario(suite.legacy, scenario, suite, options.signal),
      runScenario(suite.candidate, scenario, suite, options.signal),
    ])).map((o) => redactObservation(o, redactor));
  } else {
    legacy = redactObservation(await runScenario(suite.legacy, scenario, suite, options.signal, { redactText }), redactor);
    candidate = redactObservation(
      await runScenario(suite.candidate, scenario, suite, options.signal, { replayOutbound: legacy.http?.outbound ?? [], redactText }),
      redactor,
    );
  }
  const lErr = legacy.http?.error;
  const cErr = candidate.http?.error;
  // Both ended early (a capture that found nothing after a refused request, say): the
  // exchanges they did make are compared below. Only one side failing is a difference.
  if (Boolean(lErr) !== Boolean(cErr)) {
    const channels: ChannelResult[] = [{
      channel: 'http',
      verdict: 'diff',
      difference: { kind: 'value', summary: `${lErr ? 'legacy' : 'candidate'} failed: ${(lErr ?? cErr)!.split('\n')[0]}`, unified: `- ${lErr ?? 'ok'}\n+ ${cErr ?? 'ok'}`, legacy: lErr ?? null, candidate: cErr ?? null },
    }];
    return { scenario, legacy, candidate, channels, failed: true };
  }
  const extra = suite.property?.db;
  const db = suite.db && extra
    ? { ...suite.db, ignoreColumns: [...suite.db.ignoreColumns, ...(extra.ignoreColumns ?? [])], tolerances: [...suite.db.tolerances, ...(extra.tolerances ?? [])] }
    : suite.db;
  const compared = compareObservations({ normalize: options.normalize, csvKeys: suite.csvKeys, ...(db ? { db } : {}) }, scenario, legacy, candidate, options.noise);
  const { channels, used } = applyDeviations({ suite: suite.name, scenarioId: scenario.id, tags: scenario.tags ?? [] }, compared, options.deviations ?? [], options.today ?? localDate());
  for (const id of used) if (options.deviationsUsed && !options.deviationsUsed.includes(id)) options.deviationsUsed.push(id);
  return { scenario, legacy, candidate, channels, failed: verdictOf(channels) === 'diff' };
}

/** Writes a counterexample into the suite's baseline (a new revision; other scenarios kept as
 * stored, configured inputs preferred so their input hashes stay those of the config). */
async function saveCounterexample(suite: ResolvedSuite, store: BaselineStore, found: Checked): Promise<void> {
  const current = await store.load(suite.name);
  const configured = new Map(suite.scenarios.map((s) => [s.id, s]));
  const kept: RecordedScenario[] = current
    ? [...current.scenarios.values()]
        .filter((b) => b.id !== found.scenario.id)
        .map((b) => ({ scenario: configured.get(b.id) ?? { ...b.input, id: b.id }, observation: b.observation, ...(b.noise ? { noise: b.noise } : {}) }))
    : [];
  const redactor = redactorFor(suite);
  await store.save(suite.name, [...kept, { scenario: found.scenario, observation: found.legacy }], {
    legacy: current?.manifest.legacy ?? (await identityOf(suite.legacy)),
    paritykitVersion: PARITYKIT_VERSION,
    redactText: (t) => redactor.redactText(t),
    redactBuffer: (b) => redactor.redactBuffer(b),
  });
}

/**
 * Runs the property check of a suite that has a `property` option: search, shrink, save the
 * minimal counterexample (outside `--ci`), and report. Never throws for a problem of one run
 * (it becomes `error` in the report), except configuration mistakes.
 *
 * @throws ParityError `USAGE` when the suite has no `property` option or `--path` comes without a seed.
 */
export async function runPropertyCheck(suite: ResolvedSuite, options: PropertyRunOptions): Promise<PropertyReport> {
  const property = suite.property;
  if (!property) throw new ParityError('USAGE', `suite "${suite.name}" has no property option; add property: { inputs } to it in the config`);
  const t0 = performance.now();
  const seed = options.seed ?? property.seed ?? (Date.now() ^ Math.floor(Math.random() * 0x100000000)) | 0;
  if (options.path !== undefined && options.seed === undefined && property.seed === undefined) {
    throw new ParityError('USAGE', `--path needs the seed of the run it came from; pass --seed too (the report prints both)`);
  }
  const savedScenarios = suite.scenarios.filter((s) => s.id.startsWith('property-')).length;
  // Filled while checking: the deviations that explained a difference of a generated scenario.
  const deviationsUsed: string[] = [];
  const base = { seed, savedScenarios, counterexamples: [] as PropertyCounterexample[], noisePaths: [] as string[], shrinks: 0, interrupted: false, deviationsUsed };
  const elapsed = () => Math.round(performance.now() - t0);
  const problem = options.noLegacy ? '--no-legacy was given' : await targetProblem(suite.legacy, suite.rootDir);
  if (problem) {
    return {
      ...base, runs: 0, durationMs: elapsed(), path: null, legacyRunnable: false,
      note: `legacy not runnable (${problem}): only the ${savedScenarios} saved counterexample(s) were replayed`,
      replay: replayCommand(suite.name, seed, null, options.configArg),
    };
  }
  const baseline = await options.store.load(suite.name);
  const noisePaths = generalNoisePaths([...(baseline?.scenarios.values() ?? [])].map((b) => b.noise?.rules ?? []));
  const normalize: Normalizer[] = noisePaths.length > 0 ? [...suite.normalize, { kind: 'jsonPaths', paths: noisePaths, replacement: '<noise>' }] : suite.normalize;
  // Database columns the legacy's runs varied in (`orders.updated_at`) are not scenario-bound.
  const dbNoise = dbNoiseRules([...(baseline?.scenarios.values() ?? [])].map((b) => b.noise?.rules ?? []));
  const masked = [...noisePaths, ...dbNoise.map((r) => `db ${r.where.kind === 'column' ? r.where.column : ''}`)];
  let last: Checked | null = null;
  let runs = 0;
  // An exception (bad generated input, a target that cannot spawn) is not a difference: it is
  // remembered and stops the run as an error instead of being shrunk as a counterexample.
  let thrown: unknown;
  const prop = fc.asyncProperty(property.inputs, async (input) => {
    if (thrown !== undefined) return true;
    try {
      const scenario = toPropertyScenario(suite, input);
      const checked = await checkGenerated(suite, scenario, { normalize, noise: dbNoise, deviations: options.deviations, signal: options.signal, deviationsUsed });
      if (checked.failed) last = checked;
      return !checked.failed;
    } catch (err) {
      thrown = err;
      return true;
    }
  });
  const shrinkBudget = property.shrinkBudgetMs ?? 60_000;
  try {
    let interrupted = false;
    let startPath = options.path;
    if (startPath === undefined) {
      // Search, `concurrency` scenarios at a time. fc.sample with the seed yields exactly the
      // values fc.check would try in that order (run i is path "i"), so the first failing
      // index is the same fast-check failure, and the batches keep the result independent of
      // timing: the lowest failing index of the first batch with a failure wins.
      const numRuns = property.numRuns ?? 100;
      const values = fc.sample(property.inputs, { seed, numRuns });
      const width = Math.max(1, suite.concurrency);
      let failedAt = -1;
      for (let from = 0; from < values.length && failedAt < 0; from += width) {
        if (property.timeBudgetMs !== undefined && performance.now() - t0 >= property.timeBudgetMs) {
          interrupted = true;
          break;
        }
        const batch = await Promise.all(
          values.slice(from, from + width).map((v) => checkGenerated(suite, toPropertyScenario(suite, v), { normalize, noise: dbNoise, deviations: options.deviations, signal: options.signal, deviationsUsed })),
        );
        for (const [k, checked] of batch.entries()) {
          runs++;
          options.onRun?.(checked.scenario, checked.failed);
          if (checked.failed) {
            failedAt = from + k;
            last = checked;
            break;
          }
        }
      }
      if (failedAt < 0) {
        return {
          ...base, noisePaths: masked, runs, durationMs: elapsed(), path: null, legacyRunnable: true, interrupted,
          note: `${runs} generated scenario(s) checked${interrupted ? ` (time budget of ${property.timeBudgetMs} ms reached)` : ''}: no difference found`,
          replay: replayCommand(suite.name, seed, null, options.configArg),
        };
      }
      startPath = String(failedAt);
    }
    // Shrink: replay the failure from its path and let fast-check minimise it.
    // A replayed path (`--path`) is already minimal: run it once, do not shrink again.
    const shrunk = await fc.check(prop, { seed, path: startPath, endOnFailure: options.path !== undefined, plugins: [fc.interruptAfterTimeLimit(shrinkBudget)] }) as fc.RunDetails<[PropertyInput]>;
    if (thrown !== undefined) throw thrown;
    if (!shrunk.failed || shrunk.counterexample === null) {
      return {
        ...base, noisePaths: masked, runs: runs || 1, durationMs: elapsed(), path: startPath, legacyRunnable: true, interrupted,
        note: `the counterexample at seed ${seed} path ${startPath} no longer differs`,
        replay: replayCommand(suite.name, seed, startPath, options.configArg),
      };
    }
    if (options.path !== undefined) runs = 1;
    const minimal = toPropertyScenario(suite, shrunk.counterexample[0]);
    let found = last as Checked | null;
    if (!found || found.scenario.id !== minimal.id) {
      found = await checkGenerated(suite, minimal, { normalize, noise: dbNoise, deviations: options.deviations, signal: options.signal, deviationsUsed });
    }
    let saved = false;
    let notSaved: string | undefined;
    if (options.ci) notSaved = '--ci never writes baselines; run verify without --ci to save it';
    else if (suite.scenarios.some((s) => s.id === minimal.id)) notSaved = 'already saved in the baseline';
    else {
      await saveCounterexample(suite, options.store, found);
      saved = true;
    }
    const cx: PropertyCounterexample = {
      id: minimal.id,
      input: minimal,
      channels: found.channels,
      legacy: outputOf(found.legacy),
      candidate: outputOf(found.candidate),
      saved,
      ...(notSaved ? { notSaved } : {}),
    };
    const p = shrunk.counterexamplePath;
    return {
      ...base, noisePaths: masked, runs, shrinks: shrunk.numShrinks, durationMs: elapsed(), path: p, legacyRunnable: true, interrupted: interrupted || shrunk.interrupted,
      note: `counterexample found after ${runs} generated scenario(s), shrunk in ${shrunk.numShrinks} step(s)${saved ? `, saved as scenario ${minimal.id}` : ''}`,
      counterexamples: [cx],
      replay: replayCommand(suite.name, seed, p, options.configArg),
    };
  } catch (err) {
    if (err instanceof ParityError && (err.code === 'CONFIG_INVALID' || err.code === 'SCENARIO_INVALID' || err.code === 'USAGE')) throw err;
    const message = err instanceof Error ? err.message : String(err);
    return {
      ...base, noisePaths: masked, runs, durationMs: elapsed(), path: null, legacyRunnable: true,
      note: `the property check failed to run: ${message.split('\n')[0]}`,
      error: message,
      replay: replayCommand(suite.name, seed, null, options.configArg),
    };
  }
}
