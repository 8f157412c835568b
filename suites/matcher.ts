/**
 * `expect(observation).toMatchBaseline(...)`: the parity comparison as a vitest matcher, for
 * hand-written characterization tests. Same normalizers and comparators as `verify`.
 *
 * @example
 * import { expect, test } from 'vitest';
 * import { runScenario } from 'paritykit';
 * import 'paritykit/suites'; // registers the matcher
 * test('rounding', async () => {
 *   const obs = await runScenario({ command: ['node', 'new.js'] }, { id: 'rounding', args: ['2.675'] }, { timeoutMs: 10_000 });
 *   await expect(obs).toMatchBaseline({ baselineDir: 'baselines', suite: 'ledger', scenario: 'rounding' });
 * });
 */
import path from 'node:path';
import { expect } from 'vitest';
import { loadBaseline, type Baseline } from '../baselines/store.ts';
import type { ScenarioObservation } from '../harness/model.ts';
import type { Normalizer } from '../harness/normalize/index.ts';
import { compareObservations, verdictOf } from '../harness/runner.ts';

/** Where the matcher finds the legacy's observation, and how to compare. */
export interface MatchBaselineOptions {
  /** Baseline store folder (relative to `process.cwd()` or absolute). Default `baselines`. */
  baselineDir?: string;
  /** Suite name (its folder in the store). */
  suite: string;
  /** Scenario id within the suite. */
  scenario: string;
  /** Compare-time normalizers applied to both sides. Default none. */
  normalize?: Normalizer[];
  /** CSV key columns: file glob → header. */
  csvKeys?: Record<string, string>;
}

declare module 'vitest' {
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  interface Matchers<R extends void | Promise<void> = void | Promise<void>, T = unknown> {
    /** Compares a candidate observation with the recorded legacy observation. Async: `await` it. */
    toMatchBaseline(options: MatchBaselineOptions): Promise<void>;
  }
}

const cache = new Map<string, Promise<Baseline | null>>();

expect.extend({
  async toMatchBaseline(received: ScenarioObservation, options: MatchBaselineOptions) {
    const dir = path.resolve(options.baselineDir ?? 'baselines');
    const key = `${dir}\0${options.suite}`;
    if (!cache.has(key)) cache.set(key, loadBaseline(dir, options.suite));
    const baseline = await cache.get(key)!;
    const recorded = baseline?.scenarios.get(options.scenario);
    if (!recorded) {
      return {
        pass: false,
        message: () => `no baseline for scenario "${options.scenario}" of suite "${options.suite}" in ${dir}; record it with \`paritykit record --suite ${options.suite} --scenario ${options.scenario}\``,
      };
    }
    const channels = compareObservations(
      { normalize: options.normalize ?? [], csvKeys: options.csvKeys ?? {} },
      recorded.input,
      recorded.observation,
      received,
    );
    const pass = verdictOf(channels) === 'pass';
    const diffs = channels
      .filter((c) => c.verdict === 'diff')
      .map((c) => `── ${c.path ? `files: ${c.path}` : c.channel}: ${c.difference?.summary}\n${c.difference?.unified}`)
      .join('\n');
    return {
      pass,
      message: () => (pass ? `expected observation to differ from baseline ${options.suite} › ${options.scenario}, but it matches` : `observation differs from baseline ${options.suite} › ${options.scenario}\n${diffs}`),
    };
  },
});
