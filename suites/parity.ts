/**
 * The parity suite builder: turns each configured suite's baseline into vitest tests, one per
 * scenario (`suite › scenario id`), each replaying the scenario against the candidate and
 * comparing channel by channel. `paritykit verify` runs these through vitest's Node API; users
 * can call `defineParitySuites()` from their own test file and run plain `vitest`.
 *
 * @example
 * // parity.test.ts in a user's repo
 * import { defineParitySuites } from 'paritykit/suites';
 * await defineParitySuites({ config: 'paritykit.config.ts' });
 */
import { isUtf8 } from 'node:buffer';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, test } from 'vitest';
import { stopDatabaseProviders } from '../harness/service-run.ts';
import { canonicalJson } from '../baselines/format.ts';
import picomatch from 'picomatch';
import { createFsBaselineStore } from '../baselines/store.ts';
import { loadConfig, type ResolvedSuite } from '../harness/config.ts';
import { redactorFor } from '../harness/runner.ts';
import { explainScenario, verifyScenario } from '../harness/verify.ts';
import type { Scenario, ScenarioObservation } from '../harness/model.ts';
import type { ScenarioReport } from '../reporters/model.ts';
import { inShard, type ShardSpec } from '../harness/shard.ts';

/** What each parity test leaves in its vitest `task.meta`, for the paritykit reporter. */
export interface ParityTaskMeta {
  suite: string;
  report: ScenarioReport;
}

declare module 'vitest' {
  interface TaskMeta {
    paritykit?: ParityTaskMeta;
  }
}

/** Options of `defineParitySuites`. */
export interface ParitySuitesOptions {
  /** Config file (relative to `cwd`); default: `paritykit.config.ts` (or .mjs/.js/.json) in `cwd`. */
  config?: string;
  /** Directory the config is looked up from. Default `process.cwd()`. */
  cwd?: string;
  /** Only these suites (names). Default: all. */
  suites?: string[];
  /** Only scenarios whose id matches one of these globs. Default: all. */
  scenarios?: string[];
  /** `--ci`: a scenario without a baseline fails (`missing`) instead of being `new`. Default: `process.env.CI` is set. */
  ci?: boolean;
  /** Extra candidate runs of a differing scenario (flaky detection); default: the suite's `reruns`. */
  reruns?: number;
  /** Report folder: the candidate's observations of non-passing scenarios are left in
   * `<reportDir>/observations/<suite>/<id>.json`. Default: the config's `reportDir`. */
  reportDir?: string;
  /** Only this shard's scenarios (harness/shard.ts: by a hash of `suite/scenario id`), for
   * splitting a run over machines; `shardFromEnv()` reads `PARITYKIT_SHARD=i/n`. Default: all. */
  shard?: ShardSpec;
}

/** Writes a candidate observation as JSON (payloads as UTF-8 text or base64). */
async function writeObservation(file: string, o: ScenarioObservation): Promise<void> {
  const payload = (b: Buffer) => (isUtf8(b) ? { text: b.toString('utf8') } : { base64: b.toString('base64') });
  await mkdir(path.dirname(file), { recursive: true });
  const doc = {
    stdout: payload(o.stdout),
    stderr: payload(o.stderr),
    exit: o.exit,
    files: o.files.map((f) => ({ path: f.path, change: f.change, format: f.format, content: f.content === null ? null : payload(f.content) })),
    timing: o.timing,
  };
  await writeFile(file, canonicalJson(doc));
}

/** Scenarios of a suite selected by `--scenario` globs (all when no globs). */
export function selectScenarios(suite: ResolvedSuite, globs?: string[]): Scenario[] {
  if (!globs || globs.length === 0) return suite.scenarios;
  const match = picomatch(globs);
  return suite.scenarios.filter((s) => match(s.id));
}

/** A verdict that fails the test (and the run): everything except pass, accepted and new. */
export function isFailingVerdict(verdict: ScenarioReport['verdict']): boolean {
  return verdict === 'diff' || verdict === 'error' || verdict === 'missing' || verdict === 'flaky';
}

/**
 * Registers one vitest `describe` per suite and one concurrent `test` per scenario. Must be
 * awaited at the top level of a test file (it loads the config and the baselines first).
 *
 * @throws ParityError when the config, a scenario file or a baseline is invalid (the test
 * file then fails to collect, with that message).
 */
export async function defineParitySuites(options: ParitySuitesOptions = {}): Promise<void> {
  const config = await loadConfig(options.cwd ?? process.cwd(), options.config);
  const ci = options.ci ?? Boolean(process.env.CI);
  const store = createFsBaselineStore(config.baselineDir);
  const suites = options.suites && options.suites.length > 0 ? config.suites.filter((s) => options.suites!.includes(s.name)) : config.suites;
  // Database servers started for service suites in this worker stop when its tests are done.
  if (suites.some((s) => s.kind === 'service')) afterAll(() => stopDatabaseProviders());
  for (const suite of suites) {
    const baseline = await store.load(suite.name);
    const redactor = redactorFor(suite);
    const scenarios = selectScenarios(suite, options.scenarios).filter((s) => options.shard === undefined || inShard(options.shard, suite.name, s.id));
    describe.concurrent(suite.name, () => {
      for (const scenario of scenarios) {
        test(scenario.id, async ({ task }) => {
          const report = await verifyScenario(scenario, {
            suite,
            baseline,
            redactor,
            ci,
            reruns: options.reruns ?? suite.reruns,
            deviations: config.deviations,
            keepCandidate: (id, o) => writeObservation(path.join(options.reportDir ?? config.reportDir, 'observations', suite.name, `${id}.json`), o),
          });
          task.meta.paritykit = { suite: suite.name, report };
          if (isFailingVerdict(report.verdict)) {
            const error = new Error(explainScenario(suite.name, report));
            error.stack = error.message; // the diff is the useful part; a paritykit stack is noise
            throw error;
          }
        });
      }
    });
  }
}
