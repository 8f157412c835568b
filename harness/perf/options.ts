/**
 * The suite option `perf`: its schema (zod, used by harness/config.ts), its defaults, and the
 * choice of scenarios it benchmarks.
 */
import picomatch from 'picomatch';
import { z } from 'zod';
import type { Scenario } from '../model.ts';
import type { PerfOptions, ResolvedPerfOptions } from './model.ts';

/** Default budget of the primary metric: the candidate may be at most 5% slower. */
export const DEFAULT_MAX_SLOWDOWN = 1.05;
/** Default tag that puts a scenario into the perf workload. */
export const DEFAULT_PERF_TAG = 'perf';

const ratio = z.number().gt(1, 'is a ratio of candidate to legacy above 1, e.g. 1.05 for "at most 5% slower"').max(100);

/** zod schema of `perf` (the suite option). */
export const perfOptionsSchema = z
  .strictObject({
    scenarios: z.array(z.string().min(1)).optional(),
    tag: z.string().min(1).optional(),
    connections: z.number().int().min(1).max(1024).optional(),
    durationMs: z.number().int().min(50, 'must be at least 50 ms').optional(),
    requests: z.number().int().min(1).optional(),
    runs: z.number().int().min(1).max(1000).optional(),
    warmupMs: z.number().int().min(0).optional(),
    rounds: z.number().int().min(3, 'needs at least 3 rounds for an interval').max(1000).optional(),
    maxRounds: z.number().int().min(3).max(1000).optional(),
    maxSlowdown: ratio.optional(),
    maxMemoryGrowth: ratio.optional(),
  })
  .refine((p) => !(p.durationMs !== undefined && p.requests !== undefined), 'set durationMs or requests, not both')
  .refine((p) => p.maxRounds === undefined || p.maxRounds >= (p.rounds ?? 6), 'maxRounds must be at least rounds');

/** Applies the defaults of {@link PerfOptions} (documented there). */
export function resolvePerfOptions(p: PerfOptions): ResolvedPerfOptions {
  const rounds = p.rounds ?? 6;
  return {
    scenarios: p.scenarios ?? [],
    tag: p.tag ?? DEFAULT_PERF_TAG,
    connections: p.connections ?? 4,
    durationMs: p.requests !== undefined ? null : (p.durationMs ?? 1000),
    requests: p.requests ?? null,
    runs: p.runs ?? 3,
    warmupMs: p.warmupMs ?? 500,
    rounds,
    maxRounds: Math.max(rounds, p.maxRounds ?? 16),
    maxSlowdown: p.maxSlowdown ?? DEFAULT_MAX_SLOWDOWN,
    maxMemoryGrowth: p.maxMemoryGrowth ?? null,
  };
}

/**
 * The scenarios a suite benchmarks: those whose id matches one of `perf.scenarios` (exact ids
 * or picomatch globs) or that carry `perf.tag` (default `perf`), in configuration order.
 */
export function selectPerfScenarios(scenarios: readonly Scenario[], options: Pick<ResolvedPerfOptions, 'scenarios' | 'tag'>): Scenario[] {
  const matchers = options.scenarios.map((g) => picomatch(g));
  return scenarios.filter((s) => (s.tags ?? []).includes(options.tag) || matchers.some((m) => m(s.id)));
}
