/**
 * A whole `paritykit verify` run: drive the parity suites through vitest's Node API, collect
 * every scenario's report from the tests' `task.meta`, and roll them up into one ParityReport.
 */
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Reporter, TestCase, TestModule } from 'vitest/node';
import { createFsBaselineStore } from '../baselines/store.ts';
import type { ParityReport, ScenarioReport, SuiteReport } from '../reporters/model.ts';
import { channelTotalsOf, mergeTotals, emptyTotals, parityOf, totalsOf } from '../reporters/totals.ts';
import type { ParitySuitesOptions } from '../suites/parity.ts';
import { selectScenarios } from '../suites/parity.ts';
import type { ResolvedConfig } from './config.ts';
import { ParityError } from './errors.ts';
import { gitCommitOf, identityOf } from './identity.ts';
import { recordSuite } from './record.ts';
import { stopDatabaseProviders } from './service-run.ts';
import { deviationReports, localDate } from './deviations.ts';
import { PARITYKIT_VERSION } from './version.ts';
import { inShard, selectionDigest, type ShardSpec } from './shard.ts';
import { attachRegression } from '../reporters/regression.ts';
import { runPropertyCheck } from './property.ts';
import { verifySuitePerf } from './perf/verify.ts';

declare module 'vitest' {
  interface ProvidedContext {
    paritykit: ParitySuitesOptions;
  }
}

/** Options of `runVerify`. */
export interface VerifyRunOptions {
  /** Config file as the user gave it (for the report); the resolved config is `config`. */
  configArg?: string;
  suites?: string[];
  scenarios?: string[];
  ci: boolean;
  /** Scenarios run at once (overrides the suites' `concurrency`). */
  concurrency?: number;
  /** Extra candidate runs of a differing scenario (overrides the suites' `reruns`). */
  reruns?: number;
  /** Report folder (for the candidate observations left for review); default the config's. */
  reportDir?: string;
  /** Progress callback: after each scenario. */
  onScenario?: (suite: string, report: ScenarioReport) => void;
  /** Called once the number of scenarios is known. */
  onStart?: (total: number) => void;
  /** `--shard i/n`: run only this shard's scenarios and return a partial report (with
   * `shard`, without regression or history); see harness/shard.ts. */
  shard?: ShardSpec;
  /** `--compare`: the previous report.json or report folder (reporters/regression.ts); default
   * the newest entry of `<reportDir>/history/`. */
  compare?: string;
  /** Add this run to `<reportDir>/history/` and compare with the previous run (default true). */
  history?: boolean;
  /** Property checks of suites with a `property` option (harness/property.ts): `skip` them,
   * or replay one run with `seed`/`path`; `noLegacy`: the legacy cannot run here. */
  property?: { skip?: boolean; seed?: number; path?: string; noLegacy?: boolean };
  /** Perf suites (harness/perf, suites with `perf`): `skip` them (`--no-perf`), override the
   * rounds, or compare with the legacy's stored figures only; run after the parity scenarios,
   * never in a sharded run. */
  perf?: { skip?: boolean; rounds?: number; legacy?: 'live' | 'stored'; onScenario?: Parameters<typeof verifySuitePerf>[1]['onScenario'] };
}

/** The suite's deviations with their status, from which scenarios each one explained. */
function deviationsOf(config: ResolvedConfig, suite: string, scenarios: ScenarioReport[], partial = false, property?: { deviationsUsed?: string[] }): Pick<SuiteReport, 'deviations'> {
  const mine = config.deviations.filter((d) => d.suite === suite);
  if (mine.length === 0) return {};
  const usedBy = new Map<string, string[]>();
  for (const s of scenarios) for (const id of s.deviationsUsed ?? []) usedBy.set(id, [...(usedBy.get(id) ?? []), s.id]);
  // Deviations that explained differences of generated scenarios (property checks) are in use.
  for (const id of property?.deviationsUsed ?? []) usedBy.set(id, [...(usedBy.get(id) ?? []), '(property check)']);
  // A run of some scenarios only (`--scenario`, `--property`) cannot tell that a deviation is
  // obsolete: the scenarios it covers may simply not have run. Such runs list only the others.
  // A deviation scoped to generated scenarios (tag `property`) is not obsolete for having matched
  // nothing in this run: which generated scenarios show its difference varies from run to run.
  // While the suite runs a property check it stays `active` (its `covered` list may be empty).
  const generatedOnly = new Set(mine.filter((d) => d.tags?.includes('property') && !d.scenarios).map((d) => d.id));
  const reports = deviationReports(mine, usedBy, localDate())
    .map((d) => (d.status === 'obsolete' && property && generatedOnly.has(d.id) ? { ...d, status: 'active' as const } : d))
    .filter((d) => !partial || d.status !== 'obsolete');
  return reports.length > 0 ? { deviations: reports } : {};
}

/** How a suite's database writes were captured, from its scenarios' `dbCapture`. */
export function databaseCaptureOf(scenarios: ScenarioReport[]): Pick<SuiteReport, 'database'> {
  const methods = new Set<string>();
  const reasons = new Set<string>();
  for (const s of scenarios) {
    for (const m of [s.dbCapture?.legacy, s.dbCapture?.candidate]) if (m) methods.add(m);
    if (s.dbCapture?.reason) reasons.add(s.dbCapture.reason);
  }
  if (methods.size === 0) return {};
  const method = methods.size > 1 ? 'mixed' : (methods.values().next().value as 'logical' | 'snapshot');
  return { database: { method, reasons: [...reasons] } };
}

/** Where the vitest entry file lives: sources in a checkout, `dist/` in an installed package. */
function entryFile(): string {
  const here = path.dirname(new URL(import.meta.url).pathname);
  for (const name of ['verify.entry.ts', 'verify.entry.js']) {
    const file = path.join(here, '..', 'suites', name);
    if (existsSync(file)) return file;
  }
  throw new ParityError('INTERNAL', `paritykit: suites/verify.entry file not found near ${here}; reinstall paritykit`);
}

/** vitest reporter that collects the ScenarioReports the parity tests leave in `task.meta`. */
class CollectingReporter implements Reporter {
  readonly bySuite = new Map<string, ScenarioReport[]>();
  readonly failures: string[] = [];
  private readonly onScenario?: VerifyRunOptions['onScenario'];
  constructor(onScenario?: VerifyRunOptions['onScenario']) {
    this.onScenario = onScenario;
  }

  onTestCaseResult(testCase: TestCase): void {
    const meta = testCase.meta().paritykit;
    if (!meta) {
      const errors = testCase.result().errors?.map((e) => e.message).join('\n') ?? 'no result';
      this.failures.push(`${testCase.fullName}: ${errors}`);
      return;
    }
    const list = this.bySuite.get(meta.suite) ?? [];
    list.push(meta.report);
    this.bySuite.set(meta.suite, list);
    this.onScenario?.(meta.suite, meta.report);
  }

  onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<{ message?: string }>): void {
    for (const m of testModules) for (const e of m.errors()) this.failures.push(`${m.moduleId}: ${e.message}`);
    for (const e of unhandledErrors) this.failures.push(`unhandled: ${e.message ?? String(e)}`);
  }
}

/**
 * Runs verify for the selected suites and returns the ParityReport (the caller writes and
 * prints it). Outside CI, scenarios that had no baseline (`new`) are then recorded against the
 * legacy and added to the baseline, like a snapshot tool writing new snapshots; with `ci`
 * nothing is ever written to the baseline store.
 *
 * @throws ParityError when vitest cannot load the suites (the message says why).
 */
export async function runVerify(config: ResolvedConfig, options: VerifyRunOptions): Promise<ParityReport> {
  const startedAt = new Date();
  const t0 = performance.now();
  const suites = options.suites && options.suites.length > 0 ? config.suites.filter((s) => options.suites!.includes(s.name)) : config.suites;
  const concurrency = options.concurrency ?? Math.max(...suites.map((s) => s.concurrency));
  const shard = options.shard;
  const selectedAll = suites.map((s) => ({ suite: s, scenarios: selectScenarios(s, options.scenarios) }));
  // --shard i/n: a hash of `suite/scenario id` picks the scenarios (harness/shard.ts)
  const selected = shard === undefined ? selectedAll : selectedAll.map(({ suite, scenarios }) => ({ suite, scenarios: scenarios.filter((x) => inShard(shard, suite.name, x.id)) }));
  options.onStart?.(selected.reduce((n, s) => n + s.scenarios.length, 0));
  const longest = Math.max(30_000, ...suites.flatMap((s) => [s.timeoutMs, s.candidate.timeoutMs ?? 0, ...s.scenarios.map((x) => x.timeoutMs ?? 0)]));

  // Load every baseline here first: a corrupt or too-new baseline is a ParityError (exit 2)
  // naming the file, rather than a crash inside the vitest worker.
  const store = createFsBaselineStore(config.baselineDir);
  const unreferenced = new Map<string, string[]>();
  for (const { suite } of selected) {
    const baseline = await store.load(suite.name);
    const configured = new Set(suite.scenarios.map((s) => s.id));
    const gone = baseline ? [...baseline.scenarios.keys()].filter((id) => !configured.has(id)).sort() : [];
    if (gone.length > 0) unreferenced.set(suite.name, gone);
  }
  // insta's --unreferenced: warn by default, fail in CI, or delete (never in CI: it writes).
  const policy = config.unreferenced === 'delete' && options.ci ? 'fail' : (config.unreferenced ?? (options.ci ? 'fail' : 'warn'));

  const collector = new CollectingReporter(options.onScenario);
  const entry = entryFile();
  const { startVitest } = await import('vitest/node');
  const provided: ParitySuitesOptions = {
    config: config.file,
    cwd: config.rootDir,
    suites: suites.map((s) => s.name),
    scenarios: options.scenarios,
    ci: options.ci,
    ...(options.reruns !== undefined ? { reruns: options.reruns } : {}),
    reportDir: options.reportDir ?? config.reportDir,
    ...(shard !== undefined ? { shard } : {}),
  };
  // Observations of the previous run would mislead review: start the folder afresh.
  await rm(path.join(options.reportDir ?? config.reportDir, 'observations'), { recursive: true, force: true });
  const vitest = await startVitest(
    'test',
    [],
    {
      config: false,
      root: path.dirname(entry),
      dir: path.dirname(entry),
      include: [path.basename(entry)],
      exclude: [],
      watch: false,
      reporters: [collector],
      maxConcurrency: concurrency,
      testTimeout: longest * 2 + 30_000,
      hookTimeout: longest * 2 + 30_000,
      fileParallelism: false,
      passWithNoTests: true,
      provide: { paritykit: provided },
    },
    { server: { watch: null }, logLevel: 'silent', clearScreen: false },
    { stdout: process.stdout, stderr: process.stderr },
  );
  await vitest.close();
  if (collector.failures.length > 0 && collector.bySuite.size === 0) {
    throw new ParityError('INTERNAL', `verify could not run the parity suites:\n${collector.failures.join('\n')}`);
  }

  const suiteReports: SuiteReport[] = [];
  for (const { suite, scenarios } of selected) {
    const reports = collector.bySuite.get(suite.name) ?? [];
    const byId = new Map(reports.map((r) => [r.id, r]));
    // Keep configuration order, and make a test that crashed without a report visible.
    const ordered: ScenarioReport[] = scenarios.map(
      (s) => byId.get(s.id) ?? { id: s.id, tags: s.tags ?? [], verdict: 'error', durationMs: 0, channels: [], error: 'the test produced no result (see the vitest error above)' },
    );
    const newOnes = ordered.filter((r) => r.verdict === 'new');
    if (newOnes.length > 0 && !options.ci) {
      const ids = new Set(newOnes.map((r) => r.id));
      await recordSuite(suite, store, { scenarios: suite.scenarios.filter((s) => ids.has(s.id)) }).finally(() => stopDatabaseProviders());
    }
    const gone = unreferenced.get(suite.name) ?? [];
    if (gone.length > 0 && policy === 'delete') {
      const current = await store.load(suite.name);
      if (current) {
        const byId = new Map(suite.scenarios.map((s) => [s.id, s]));
        const kept = [...current.scenarios.values()]
          .filter((b) => byId.has(b.id))
          .map((b) => ({ scenario: byId.get(b.id)!, observation: b.observation, noise: b.noise }));
        await store.save(suite.name, kept, { legacy: current.manifest.legacy, paritykitVersion: PARITYKIT_VERSION });
      }
    }
    const baseline = await store.load(suite.name).catch(() => null);
    const totals = totalsOf(ordered);
    const [legacy, candidate] = await Promise.all([
      baseline ? Promise.resolve(baseline.manifest.legacy) : Promise.resolve(null),
      identityOf(suite.candidate),
    ]);
    // sharded: the property check runs once, in shard 1 (report merge keeps shard 1's)
    const property =
      suite.property && !options.property?.skip && (shard === undefined || shard.index === 1)
        ? await runPropertyCheck(suite, { store, ci: options.ci, deviations: config.deviations, configArg: options.configArg, ...options.property }).finally(() => stopDatabaseProviders())
        : undefined;
    suiteReports.push({
      name: suite.name,
      baseline: {
        revision: baseline?.manifest.revision ?? null,
        recordedAt: baseline?.manifest.recordedAt ?? null,
        dir: path.relative(config.rootDir, path.join(config.baselineDir, suite.name)) || '.',
      },
      legacy,
      candidate,
      totals,
      parity: parityOf(totals),
      channels: channelTotalsOf(ordered),
      scenarios: ordered,
      ...(gone.length > 0 ? { unreferenced: { ids: gone, policy } } : {}),
      ...deviationsOf(config, suite.name, ordered, (options.scenarios?.length ?? 0) > 0, property),
      ...databaseCaptureOf(ordered),
      ...(property ? { property } : {}),
      ...(suite.perf && !options.perf?.skip && shard === undefined
        ? { perf: await verifySuitePerf(suite, { baselineDir: config.baselineDir, reportDir: options.reportDir ?? config.reportDir, startedAt: startedAt.toISOString(), writeHistory: options.history !== false, ...options.perf }) }
        : {}),
    });
  }
  const totals = suiteReports.reduce((t, s) => mergeTotals(t, s.totals), emptyTotals());
  const report: ParityReport = {
    formatVersion: 1,
    tool: { name: 'paritykit', version: PARITYKIT_VERSION },
    run: {
      startedAt: startedAt.toISOString(),
      durationMs: Math.round(performance.now() - t0),
      gitCommit: await gitCommitOf(config.rootDir),
      config: options.configArg ?? path.relative(process.cwd(), config.file),
      ci: options.ci,
    },
    totals,
    parity: parityOf(totals),
    suites: suiteReports,
  };
  if (shard !== undefined) {
    // a partial report: merged later by `paritykit report merge`, which writes the history
    const revisions = new Map(suiteReports.map((s) => [s.name, s.baseline.revision]));
    const of = selectedAll.reduce((n, s) => n + s.scenarios.length, 0);
    const selection = selectionDigest(path.basename(config.file), selectedAll.map(({ suite, scenarios }) => ({ name: suite.name, revision: revisions.get(suite.name) ?? null, ids: scenarios.map((x) => x.id) })));
    return { ...report, shard: { ...shard, of, selection } };
  }
  if (options.history === false && options.compare === undefined) return report;
  // a run of part of the config compares only what it ran, and stays out of the history
  const partial = (options.scenarios?.length ?? 0) > 0 || suites.length < config.suites.length;
  return attachRegression(report, { reportDir: options.reportDir ?? config.reportDir, compare: options.compare, writeHistory: options.history !== false, partial });
}

