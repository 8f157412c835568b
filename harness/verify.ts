/**
 * `verify` for one scenario: replay it against the candidate and compare with the baseline.
 * The vitest suite builder (suites/parity.ts) calls this once per test; nothing else decides
 * a scenario's verdict.
 */
import { performance } from 'node:perf_hooks';
import type { Baseline } from '../baselines/store.ts';
import { scenarioInputHash } from '../baselines/format.ts';
import type { ScenarioReport } from '../reporters/model.ts';
import type { ResolvedSuite } from './config.ts';
import { ParityError } from './errors.ts';
import type { Scenario, ScenarioObservation } from './model.ts';
import type { Redactor } from './redact.ts';
import { applyDeviations, localDate, type Deviation } from './deviations.ts';
import { compareObservations, redactObservation, runScenario, verdictOf } from './runner.ts';
import { describeNoise, learnNoise } from './noise.ts';
import type { NoiseRule, ScenarioNoise } from './model.ts';

/** Options of `verifyScenario`. */
export interface VerifyScenarioOptions {
  suite: ResolvedSuite;
  baseline: Baseline | null;
  redactor: Redactor;
  /** `--ci`: a scenario without a baseline is `missing` (a failure) instead of `new`. */
  ci: boolean;
  /** Extra candidate runs of a differing scenario to tell `flaky` from `diff` (default 2; 0 = off). */
  reruns?: number;
  /** Accepted deviations (all suites; filtered by suite here). */
  deviations?: Deviation[];
  /** Today (`YYYY-MM-DD`), for deviation expiry; default the local date. */
  today?: string;
  /** Called with the candidate's (redacted) observation of a scenario that did not pass, so
   * review can read what the candidate did without re-running it. */
  keepCandidate?: (scenarioId: string, observation: ScenarioObservation) => Promise<void>;
  signal?: AbortSignal;
}

/**
 * Replays `scenario` on the candidate and compares it with the legacy's baseline observation.
 *
 * Verdicts: `pass`, `diff`, `accepted` (every difference explained by a deviation), `flaky`
 * (the candidate disagrees with itself on re-runs); `new` (no baseline yet; outside CI) or `missing` (no baseline, `--ci`);
 * `error` when the candidate cannot be run or the scenario's input changed since it was
 * recorded (its baseline would be compared against different input). Never throws for a
 * scenario-level problem: it becomes the verdict, with `error` text saying what to do.
 */
export async function verifyScenario(scenario: Scenario, options: VerifyScenarioOptions): Promise<ScenarioReport> {
  const started = performance.now();
  const { suite, baseline } = options;
  const base: Pick<ScenarioReport, 'id' | 'tags'> = { id: scenario.id, tags: scenario.tags ?? [] };
  const elapsed = () => Math.round(performance.now() - started);
  const recorded = baseline?.scenarios.get(scenario.id);
  if (!recorded) {
    const ci = options.ci;
    return {
      ...base,
      verdict: ci ? 'missing' : 'new',
      durationMs: elapsed(),
      channels: [],
      error: ci
        ? `no baseline for scenario "${scenario.id}" in suite "${suite.name}"; record it with \`paritykit record --suite ${suite.name} --scenario ${scenario.id}\` and commit the baseline`
        : `no baseline yet for scenario "${scenario.id}"; it was recorded against the legacy by this run`,
    };
  }
  if (recorded.inputHash !== scenarioInputHash(scenario)) {
    return {
      ...base,
      verdict: 'error',
      durationMs: elapsed(),
      channels: [],
      error: `scenario "${scenario.id}" changed (args, stdin, env or files) since it was recorded; re-record it with \`paritykit record --suite ${suite.name} --scenario ${scenario.id}\``,
    };
  }
  const noise = recorded.noise?.rules ?? [];
  const learned: Partial<ScenarioReport> = {
    ...(noise.length > 0 ? { noise } : {}),
    ...(recorded.noise?.nondeterministic ? { nondeterministic: recorded.noise.nondeterministic } : {}),
  };
  try {
    // A service candidate's third-party calls are answered from the legacy's recording.
    const service = { replayOutbound: recorded.observation.http?.outbound ?? [], redactText: (t: string) => options.redactor.redactText(t) };
    const run = async () => redactObservation(await runScenario(suite.candidate, scenario, suite, options.signal, service), options.redactor);
    const candidate = await run();
    // A service candidate that failed to start or crashed is an error with its log, not a diff
    // (unless the legacy failed the same way when it was recorded).
    if (candidate.http?.error && !recorded.observation.http?.error) {
      if (options.keepCandidate) await options.keepCandidate(scenario.id, candidate);
      return { ...base, verdict: 'error', durationMs: elapsed(), channels: [], error: `candidate: ${candidate.http.error}`, ...learned };
    }
    // A database capture that failed on the candidate (and not on the legacy) is an error too:
    // without its writes, the db channel cannot say anything.
    if (candidate.db?.error && !recorded.observation.db?.error) {
      if (options.keepCandidate) await options.keepCandidate(scenario.id, candidate);
      return { ...base, verdict: 'error', durationMs: elapsed(), channels: [], error: `candidate: database capture failed: ${candidate.db.error}`, ...learned };
    }
    const compared = compareObservations(suite, scenario, recorded.observation, candidate, noise);
    const { channels, used } = applyDeviations({ suite: suite.name, scenarioId: scenario.id, tags: scenario.tags ?? [] }, compared, options.deviations ?? [], options.today ?? localDate());
    let verdict: ScenarioReport['verdict'] = verdictOf(channels);
    let flaky: ScenarioReport['flaky'];
    const reruns = options.reruns ?? 2;
    if (verdict === 'diff' && reruns > 0) {
      // A differing scenario is re-run on the candidate. It is flaky when the candidate varies
      // where the legacy did not: the same noise learning as record, on the candidate's runs.
      const runs = [candidate];
      for (let i = 0; i < reruns; i++) runs.push(await run());
      const varying = unexplainedVariation(learnNoise(runs), recorded.noise);
      if (varying.length > 0) {
        verdict = 'flaky';
        flaky = { reruns, varying };
      }
    }
    if (verdict !== 'pass' && options.keepCandidate) await options.keepCandidate(scenario.id, candidate);
    const legacyDb = recorded.observation.db;
    const dbCapture: ScenarioReport['dbCapture'] =
      legacyDb || candidate.db
        ? {
            ...(legacyDb ? { legacy: legacyDb.method } : {}),
            ...(candidate.db ? { candidate: candidate.db.method } : {}),
            ...((candidate.db?.reason ?? legacyDb?.reason) ? { reason: candidate.db?.reason ?? legacyDb?.reason } : {}),
          }
        : undefined;
    return {
      ...base,
      verdict,
      durationMs: elapsed(),
      channels,
      ...(dbCapture ? { dbCapture } : {}),
      timing: { legacy: recorded.observation.timing, candidate: candidate.timing },
      ...learned,
      ...(used.length > 0 ? { deviationsUsed: used } : {}),
      ...(flaky ? { flaky } : {}),
    };
  } catch (err) {
    const message = err instanceof ParityError ? err.message : `comparison failed: ${(err as Error).stack ?? String(err)}`;
    return { ...base, verdict: 'error', durationMs: elapsed(), channels: [], error: options.redactor.redactText(message) };
  }
}

/** One-line summary of a scenario's differences, e.g. `stdout: 2 lines changed; exit: 0 → 1`. */
export function describeScenario(report: ScenarioReport): string {
  if (report.error) return report.error;
  return report.channels
    .filter((c) => c.verdict === 'diff')
    .map((c) => `${c.path ?? c.channel}: ${c.difference?.summary ?? 'differs'}`)
    .join('; ');
}

/** Full text of a scenario's differences for a failing test's message (unified diffs). */
export function explainScenario(suiteName: string, report: ScenarioReport): string {
  if (report.error) return `${suiteName} › ${report.id}: ${report.verdict}: ${report.error}`;
  const parts = report.channels
    .filter((c) => c.verdict === 'diff')
    .map((c) => `── ${c.path ? `files: ${c.path}` : c.channel} (${c.difference?.summary ?? 'differs'})\n${c.difference?.unified ?? ''}`);
  return `${suiteName} › ${report.id}: candidate differs from the legacy baseline\n${parts.join('\n')}`;
}

/** Where a noise rule sits, loosely: channel, kind and line (text) or path (JSON); file names
 * and CSV cells are not part of it, so a candidate whose file or row layout changed still
 * matches the legacy's noise there. */
function noisePlace(rule: NoiseRule): string {
  const w = rule.where;
  if (w.kind === 'text') return `${rule.channel}:text:${w.unordered ? 'order' : w.line}`;
  if (w.kind === 'json') return `${rule.channel}:json:${w.path}`;
  return `${rule.channel}:csv`;
}

/**
 * The places where the candidate's own runs differ and the legacy's did not (the legacy's
 * learned noise is expected to vary in the candidate too). Empty: the candidate is as
 * deterministic as the legacy, so its difference is a real one (`diff`), not `flaky`.
 */
export function unexplainedVariation(candidate: ScenarioNoise, legacy: ScenarioNoise | undefined): string[] {
  if (candidate.nondeterministic) {
    return legacy?.nondeterministic ? [] : [`candidate runs differ: ${candidate.nondeterministic}`];
  }
  const legacyRules = legacy?.rules ?? [];
  const known = new Set(legacyRules.map(noisePlace));
  // A varying text line also matches when a legacy line pattern covers what the candidate
  // printed there (the line moved, e.g. after an extra line).
  const patterns = legacyRules.flatMap((r) => (r.where.kind === 'text' && r.where.pattern ? [{ channel: r.channel, re: new RegExp(r.where.pattern) }] : []));
  const coveredByPattern = (r: NoiseRule) =>
    r.where.kind === 'text' && r.values.length > 0 && patterns.some((p) => p.channel === r.channel && r.values.every((v) => p.re.test(v.replace(/\r$/, ''))));
  return candidate.rules.filter((r) => !known.has(noisePlace(r)) && !coveredByPattern(r)).map(describeNoise);
}
