/**
 * The numbers of a ParityReport — counts by verdict, parity, per-channel roll-ups — computed
 * in one place. The runner builds `SuiteReport.totals`, `.parity` and `.channels` (and the
 * report-wide `totals`/`parity`) with these helpers; reporters only read the results.
 *
 * Parity follows DESIGN.md: the share of scenarios (and of channels) whose verdict is `pass`
 * or `accepted`.
 */
import type { Channel, ChannelResult, Verdict } from '../harness/model.ts';
import type { ChannelTotals, ScenarioReport, Totals } from './model.ts';

/** Every verdict, in the order reports list them (best first). */
export const VERDICTS: readonly Verdict[] = ['pass', 'accepted', 'diff', 'flaky', 'error', 'missing', 'new'];

/** Every channel, in the order reports list them. */
export const CHANNELS: readonly Channel[] = ['stdout', 'stderr', 'exit', 'files', 'http', 'timing'];

/** Verdicts that count towards parity (DESIGN.md: `pass` or `accepted`). */
export function isParityVerdict(verdict: Verdict): boolean {
  return verdict === 'pass' || verdict === 'accepted';
}

/** Totals with every count at 0. Returns a fresh object each call. */
export function emptyTotals(): Totals {
  return { scenarios: 0, pass: 0, diff: 0, accepted: 0, flaky: 0, error: 0, missing: 0, new: 0 };
}

/**
 * Counts scenarios by verdict.
 *
 * @param scenarios - any list of objects with a `verdict` (a `ScenarioReport[]`).
 * @returns totals whose `scenarios` is `scenarios.length` and equals the sum of the others.
 */
export function totalsOf(scenarios: readonly Pick<ScenarioReport, 'verdict'>[]): Totals {
  const totals = emptyTotals();
  for (const scenario of scenarios) {
    totals.scenarios += 1;
    totals[scenario.verdict] += 1;
  }
  return totals;
}

/**
 * Scenario parity: `(pass + accepted) ÷ scenarios`, a fraction in [0, 1]; 1 when there are no
 * scenarios (nothing was found to differ).
 */
export function parityOf(totals: Totals): number {
  if (totals.scenarios === 0) return 1;
  return (totals.pass + totals.accepted) / totals.scenarios;
}

/** Sum of two totals, field by field (e.g. to roll suites up into the report). */
export function mergeTotals(a: Totals, b: Totals): Totals {
  return {
    scenarios: a.scenarios + b.scenarios,
    pass: a.pass + b.pass,
    diff: a.diff + b.diff,
    accepted: a.accepted + b.accepted,
    flaky: a.flaky + b.flaky,
    error: a.error + b.error,
    missing: a.missing + b.missing,
    new: a.new + b.new,
  };
}

/** Per-channel roll-up, keyed by channel; a channel nobody compared is absent. */
export type ChannelTotalsMap = Partial<Record<ChannelResult['channel'], ChannelTotals>>;

/**
 * Rolls channel comparisons up per channel. Every `ChannelResult` counts once (the `files`
 * channel counts once per file). An `accepted` channel result (and, from reports written before
 * channels carried their own `accepted` verdict, a `diff` one inside an `accepted` scenario)
 * counts as `pass`: the difference matched a reviewed deviation, and DESIGN.md defines channel
 * parity like scenario parity (`pass` or `accepted`).
 *
 * @returns channels in {@link CHANNELS} order, each with `parity = pass ÷ compared`.
 */
export function channelTotalsOf(
  scenarios: readonly Pick<ScenarioReport, 'verdict' | 'channels'>[],
): ChannelTotalsMap {
  const counts = new Map<Channel, { compared: number; pass: number; diff: number }>();
  for (const scenario of scenarios) {
    for (const result of scenario.channels) {
      const entry = counts.get(result.channel) ?? { compared: 0, pass: 0, diff: 0 };
      entry.compared += 1;
      if (result.verdict !== 'diff' || scenario.verdict === 'accepted') entry.pass += 1;
      else entry.diff += 1;
      counts.set(result.channel, entry);
    }
  }
  const out: ChannelTotalsMap = {};
  for (const channel of orderedChannels(counts.keys())) {
    const entry = counts.get(channel)!;
    out[channel] = { ...entry, parity: entry.compared === 0 ? 1 : entry.pass / entry.compared };
  }
  return out;
}

/**
 * Sum of two per-channel roll-ups (e.g. every suite's into one for the whole report); parity
 * is recomputed from the summed counts.
 */
export function mergeChannelTotals(a: ChannelTotalsMap, b: ChannelTotalsMap): ChannelTotalsMap {
  const keys = new Set<Channel>([...(Object.keys(a) as Channel[]), ...(Object.keys(b) as Channel[])]);
  const out: ChannelTotalsMap = {};
  for (const channel of orderedChannels(keys)) {
    const x = a[channel];
    const y = b[channel];
    const compared = (x?.compared ?? 0) + (y?.compared ?? 0);
    const pass = (x?.pass ?? 0) + (y?.pass ?? 0);
    const diff = (x?.diff ?? 0) + (y?.diff ?? 0);
    out[channel] = { compared, pass, diff, parity: compared === 0 ? 1 : pass / compared };
  }
  return out;
}

/** Known channels in {@link CHANNELS} order, then any others (later channels) by name. */
function orderedChannels(channels: Iterable<Channel>): Channel[] {
  const rank = (c: Channel): number => {
    const i = CHANNELS.indexOf(c);
    return i === -1 ? CHANNELS.length : i;
  };
  return [...channels].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}
