/**
 * Wording shared by every renderer, so the terminal, Markdown, JUnit and HTML outputs say the
 * same thing the same way: parity percentages, durations, channel labels, one-line scenario
 * summaries.
 */
import type { ChannelResult, NoiseLocation, NoiseRule, Verdict } from '../harness/model.ts';
import type { DeviationReport, ParityReport, ScenarioReport } from './model.ts';

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

/** The channel results of a scenario whose difference deviations explained (verdict `accepted`). */
export function acceptedChannels(scenario: ScenarioReport): ChannelResult[] {
  return scenario.channels.filter((c) => c.verdict === 'accepted' && c.difference !== undefined);
}

/** `accepted by round-half-even, csv-quoting` for an accepted channel result. */
export function acceptedBy(result: ChannelResult): string {
  const ids = result.deviations ?? [];
  return ids.length === 0 ? 'accepted' : `accepted by ${ids.join(', ')}`;
}

/** The HTTP exchange a differing `http` channel result carries (see `ChannelResult.exchange`). */
export type ReportedExchange = NonNullable<ChannelResult['exchange']>;

/**
 * One line for an HTTP exchange: the request, then each side's status.
 * `POST /orders → legacy 201, candidate 400`; with `reason: true` the reason phrases too
 * (`legacy 201 Created, candidate 400 Bad Request`); a side that never sent the request shows
 * `not sent`. Text comes from the systems under test: callers escape it for their output.
 */
export function exchangeLine(exchange: ReportedExchange, options: { reason?: boolean } = {}): string {
  return `${exchangeRequestLine(exchange)} → legacy ${exchangeStatus(exchange.legacy, options)}, candidate ${exchangeStatus(exchange.candidate, options)}`;
}

/** `POST /orders?page=2`: the request's method and URL (path and query) as sent. */
export function exchangeRequestLine(exchange: ReportedExchange): string {
  return `${exchange.request.method} ${exchange.request.url}`;
}

/** `201`, or `201 Created` with `reason: true` (when there is a reason phrase: HTTP/2 has none);
 * `not sent` for an absent response. */
export function exchangeStatus(response: ReportedExchange['legacy'], options: { reason?: boolean } = {}): string {
  if (response === undefined) return 'not sent';
  return options.reason === true && response.statusText !== '' ? `${response.status} ${response.statusText}` : String(response.status);
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
  if (parts.length === 0 && scenario.verdict === 'accepted') {
    parts.push(...acceptedChannels(scenario).map((c) => `${channelLabel(c)}: ${c.difference!.summary} (${acceptedBy(c)})`));
  }
  if (scenario.flaky !== undefined) parts.unshift(flakySentence(scenario.flaky));
  if (scenario.error !== undefined && scenario.error !== '') parts.unshift(firstLine(scenario.error));
  return parts.length > 0 ? parts : [verdictSentence(scenario.verdict)];
}

/** `varies between 3 candidate runs at stdout line 4, files out/a.json $.id` (varying places
 * as the report gives them, at most 5 named). */
export function flakySentence(flaky: NonNullable<ScenarioReport['flaky']>): string {
  const runs = flaky.reruns + 1;
  const named = flaky.varying.slice(0, 5).join(', ');
  const more = flaky.varying.length > 5 ? ` and ${flaky.varying.length - 5} more` : '';
  return flaky.varying.length === 0 ? `varies between ${runs} candidate runs` : `varies between ${runs} candidate runs at ${named}${more}`;
}

/**
 * Where a learned noise rule sits, for people: `$.items[2].id`, `$.tags (any order)`,
 * `row 3, column id`, `line 4 ~ /^Generated at .*$/`, `lines (any order)`.
 */
export function noiseLocationLabel(where: NoiseLocation): string {
  switch (where.kind) {
    case 'json':
      return where.unordered === true ? `${where.path} (any order)` : where.path;
    case 'csv':
      return `row ${where.row}, column ${where.column}`;
    case 'text': {
      if (where.unordered === true) return 'lines (any order)';
      const parts: string[] = [];
      if (where.line !== undefined) parts.push(`line ${where.line}`);
      if (where.pattern !== undefined) parts.push(`/${where.pattern}/`);
      return parts.length > 0 ? parts.join(' ~ ') : 'text';
    }
    case 'column':
      return `column ${where.column}`;
  }
}

/** A noise rule's channel (and file), as channels are labelled: `stdout`, `files out/a.csv`. */
export function noiseChannelLabel(rule: NoiseRule): string {
  return channelLabel(rule);
}

/** How much learned noise a report ignored: rules and the scenarios they belong to. */
export function noiseCount(report: ParityReport): { rules: number; scenarios: number } {
  let rules = 0;
  let scenarios = 0;
  for (const suite of report.suites) {
    for (const scenario of suite.scenarios) {
      const n = scenario.noise?.length ?? 0;
      rules += n;
      if (n > 0) scenarios += 1;
    }
  }
  return { rules, scenarios };
}

/** `12 places in 4 scenarios`, `1 place in 1 scenario`. */
export function noiseSentence(count: { rules: number; scenarios: number }): string {
  return `${count.rules} ${count.rules === 1 ? 'place' : 'places'} in ${scenarioCount(count.scenarios)}`;
}

/** Deviations of the whole report by status. */
export function deviationCounts(report: ParityReport): Record<DeviationReport['status'], number> & { total: number } {
  const counts = { active: 0, obsolete: 0, expired: 0, total: 0 };
  for (const suite of report.suites) {
    for (const d of suite.deviations ?? []) {
      counts[d.status] += 1;
      counts.total += 1;
    }
  }
  return counts;
}

/** `2 active, 1 obsolete, 1 expired` (statuses with a zero count left out; `none` when empty). */
export function deviationCountsText(counts: Record<DeviationReport['status'], number>): string {
  const parts = (['active', 'obsolete', 'expired'] as const).filter((s) => counts[s] > 0).map((s) => `${counts[s]} ${s}`);
  return parts.length > 0 ? parts.join(', ') : 'none';
}

/** Deviations in reading order: expired (they fail the run), obsolete, then active; stable within. */
export function sortDeviations(deviations: readonly DeviationReport[]): DeviationReport[] {
  const rank = { expired: 0, obsolete: 1, active: 2 } as const;
  return [...deviations].sort((a, b) => rank[a.status] - rank[b.status]);
}

/** What a deviation's status means for the reader, in a few words. */
export function deviationStatusNote(d: DeviationReport): string {
  switch (d.status) {
    case 'active':
      return `explained differences in ${scenarioCount(d.covered.length)}`;
    case 'obsolete':
      return 'matched nothing in this run; remove it';
    case 'expired':
      return 'past its expiry date; fails the run';
  }
}

/** Where a deviation applies: `stdout $..balance`, `files out/*.csv`, `exit code`. */
export function deviationPlace(d: DeviationReport): string {
  return d.where === undefined ? d.channel : `${d.channel} ${d.where}`;
}

/** What the `unreferenced` policy did with baselines whose scenario is gone. */
export function unreferencedNote(policy: 'warn' | 'fail' | 'delete'): string {
  switch (policy) {
    case 'warn':
      return 'kept; listed as a warning';
    case 'fail':
      return 'kept; they fail the run';
    case 'delete':
      return 'deleted from the baseline store';
  }
}

/**
 * The text as an http(s) URL when it is exactly one (`https://tracker/PAY-12`), normalized by the
 * WHATWG URL parser (quotes, spaces and angle brackets percent-encoded); else `null`. Used to
 * decide whether a ticket may become a link: `javascript:` and every other scheme stay text.
 */
export function httpUrl(text: string): string | null {
  if (!/^https?:\/\/[^\s]+$/i.test(text)) return null;
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null;
  } catch {
    return null;
  }
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

/**
 * How a suite's database writes were captured, as one sentence for every report:
 * `database writes: logical decoding (every change, in commit order)` or
 * `database writes: before/after snapshots (net effect only, no order): <reasons>`.
 */
export function databaseCaptureSentence(database: { method: 'logical' | 'snapshot' | 'mixed'; reasons: string[] }): string {
  const how =
    database.method === 'logical'
      ? 'logical decoding (every change, in commit order)'
      : database.method === 'snapshot'
        ? 'before/after snapshots (net effect only, no order)'
        : 'logical decoding for some scenarios, snapshots (net effect only) for others';
  return `database writes: ${how}${database.reasons.length > 0 ? ` — ${database.reasons.join('; ')}` : ''}`;
}
