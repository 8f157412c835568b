/**
 * Wording shared by every renderer, so the terminal, Markdown, JUnit and HTML outputs say the
 * same thing the same way: parity percentages, durations, channel labels, one-line scenario
 * summaries.
 */
import type { ChannelResult, Verdict } from '../harness/model.ts';
import type { ScenarioReport } from './model.ts';

/**
 * A parity fraction as a percentage with one decimal, never rounded to `100%` or `0.0%` when it
 * is not exactly that, so one failing scenario in thousands still shows:
 * 1 → `100%`, 0.9996 → `99.9%`, 5/12 → `41.7%`, 0.0001 → `0.1%`, 0 → `0%`.
 */
export function formatParity(parity: number): string {
  if (parity >= 1) return '100%';
  if (parity <= 0) return '0%';
  const tenths = Math.min(999, Math.max(1, Math.round(parity * 1000)));
  return `${(tenths / 10).toFixed(1)}%`;
}

/** An ISO-8601 timestamp as `2025-11-21 10:30:00 UTC`; text that is not a date is returned as is. */
export function formatTimestamp(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return `${date.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** A duration given in ms, for people: `850 ms`, `12.3 s`, `4 min 05 s`, `1 h 02 min`. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '–';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(Math.floor(ms / 100) / 10).toFixed(1)} s`;
  const totalSeconds = Math.floor(ms / 1000);
  if (totalSeconds < 3600) {
    return `${Math.floor(totalSeconds / 60)} min ${String(totalSeconds % 60).padStart(2, '0')} s`;
  }
  const totalMinutes = Math.floor(totalSeconds / 60);
  return `${Math.floor(totalMinutes / 60)} h ${String(totalMinutes % 60).padStart(2, '0')} min`;
}

/** A channel result's name in reports: `stdout`, or `files out/report.json` for a file. */
export function channelLabel(result: Pick<ChannelResult, 'channel' | 'path'>): string {
  return result.path === undefined ? result.channel : `${result.channel} ${result.path}`;
}

/** The channel results of a scenario that carry a difference, in report order. */
export function differingChannels(scenario: ScenarioReport): ChannelResult[] {
  return scenario.channels.filter((c) => c.verdict === 'diff' && c.difference !== undefined);
}

/** Verdicts that are not parity and need someone's attention, worst first. */
export const ATTENTION_VERDICTS: readonly Verdict[] = ['diff', 'error', 'missing', 'flaky', 'new'];

/**
 * One line saying why a scenario is not a plain pass: the summary of each differing channel
 * (`stdout: 1 line changed; exit: exit code 1 → 0`), else the scenario's `error` (first line),
 * else a sentence for its verdict. Text comes from the systems under test: callers escape it
 * for their output format.
 */
export function scenarioSummary(scenario: ScenarioReport): string {
  return scenarioSummaryParts(scenario).join('; ');
}

/** The parts {@link scenarioSummary} joins: the error first, then one per differing channel. */
export function scenarioSummaryParts(scenario: ScenarioReport): string[] {
  const parts = differingChannels(scenario).map((c) => `${channelLabel(c)}: ${c.difference!.summary}`);
  if (scenario.error !== undefined && scenario.error !== '') parts.unshift(firstLine(scenario.error));
  return parts.length > 0 ? parts : [verdictSentence(scenario.verdict)];
}

function verdictSentence(verdict: Verdict): string {
  switch (verdict) {
    case 'pass':
      return 'all channels match';
    case 'accepted':
      return 'differences match reviewed deviations';
    case 'missing':
      return 'no baseline for this scenario';
    case 'new':
      return 'not in the baseline yet';
    case 'error':
      return 'the scenario could not be compared';
    case 'flaky':
      return 'results differ between repeated runs';
    case 'diff':
      return 'differs from the baseline';
  }
}

/** `5 of 12 scenarios match the legacy` / `1 of 1 scenario matches the legacy`. */
export function matchSentence(matching: number, total: number): string {
  return `${matching} of ${total} ${total === 1 ? 'scenario matches' : 'scenarios match'} the legacy`;
}

/** `1 scenario`, `0 scenarios`, `12 scenarios`. */
export function scenarioCount(count: number): string {
  return `${count} ${count === 1 ? 'scenario' : 'scenarios'}`;
}

/** The first line of a message (messages from targets can be long and multi-line). */
export function firstLine(text: string): string {
  const end = text.search(/\r?\n/);
  return end === -1 ? text : `${text.slice(0, end)} …`;
}

/** `argv` as one shell-like line for display: words with spaces or quotes are single-quoted. */
export function formatCommand(argv: readonly string[]): string {
  return argv.map((arg) => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`)).join(' ');
}
