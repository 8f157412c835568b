/**
 * `summary.md`: GitHub-flavoured Markdown for `$GITHUB_STEP_SUMMARY` or a pull-request comment —
 * parity tables, then each scenario that needs attention in a collapsed `<details>` block with
 * its diffs in fenced ```diff blocks.
 *
 * Size: GitHub rejects a step summary over 1 MiB ("$GITHUB_STEP_SUMMARY upload aborted,
 * supports content up to a size of 1024k") and a comment over 65,536 characters ("Body is too
 * long"). The default budget fits a step summary; pass `maxBytes: 65_000` for a comment.
 *
 * Inertness: text from the systems under test is escaped for where it lands — HTML-escaped
 * inside `<summary>`, backslash-escaped in tables and paragraphs, and fenced with a backtick
 * fence longer than any backtick run in the content (CommonMark §4.5), so a diff cannot close
 * its code block or inject Markdown/HTML; control characters are made visible.
 */
import type { Channel } from '../harness/model.ts';
import type { ParityReport, ScenarioReport, SuiteReport } from './model.ts';
import {
  ATTENTION_VERDICTS,
  channelLabel,
  differingChannels,
  formatDuration,
  formatParity,
  formatTimestamp,
  matchSentence,
  scenarioSummary,
} from './format.ts';
import { CHANNELS, VERDICTS, mergeChannelTotals, type ChannelTotalsMap } from './totals.ts';

/** Options of {@link renderMarkdown}. */
export interface MarkdownOptions {
  /** Scenarios shown with their diffs, at most (default 50); the rest are counted as omitted. */
  maxDiffs?: number;
  /** Size budget of the whole output in UTF-8 bytes (default 1,000,000: under GitHub's 1 MiB
   * step-summary limit). A PR comment allows 65,536 characters: pass 65_000. */
  maxBytes?: number;
  /** Lines of each diff shown before it is clipped (default 200). */
  maxDiffLines?: number;
}

const DEFAULT_MAX_DIFFS = 50;
const DEFAULT_MAX_BYTES = 1_000_000;
const DEFAULT_MAX_DIFF_LINES = 200;
/** Room kept for the closing "omitted" note, so adding it never breaks the budget. */
const TRAILER_RESERVE = 600;

/**
 * Renders the report as GitHub-flavoured Markdown.
 *
 * Sections: a title with overall parity; run metadata; a table per suite (parity and counts by
 * verdict); parity per channel; every scenario needing attention (`diff`, `error`, `missing`,
 * `flaky`, `new`, in that order) in a `<details>` block with its diffs or error, up to
 * `maxDiffs` blocks and `maxBytes` bytes, then a line saying how many were omitted.
 *
 * @returns Markdown ending in a newline, at most `maxBytes` UTF-8 bytes — unless the header and
 *   tables alone are bigger (one row per suite), which are always kept whole.
 */
export function renderMarkdown(report: ParityReport, options: MarkdownOptions = {}): string {
  const maxDiffs = Math.max(0, options.maxDiffs ?? DEFAULT_MAX_DIFFS);
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const maxDiffLines = Math.max(1, options.maxDiffLines ?? DEFAULT_MAX_DIFF_LINES);

  const head = visibleControls([...renderHeader(report), ...renderSuiteTable(report), ...renderChannelTable(report)].join('\n') + '\n');
  let out = head;
  let bytes = Buffer.byteLength(out);

  const attention = report.suites
    .flatMap((suite) => suite.scenarios.map((scenario) => ({ suite, scenario })))
    .filter(({ scenario }) => ATTENTION_VERDICTS.includes(scenario.verdict))
    .sort((a, b) => ATTENTION_VERDICTS.indexOf(a.scenario.verdict) - ATTENTION_VERDICTS.indexOf(b.scenario.verdict));

  if (attention.length === 0) return out;
  const title = `### Needs attention (${attention.length})\n\n`;
  out += title;
  bytes += Buffer.byteLength(title);

  let shown = 0;
  for (const { suite, scenario } of attention) {
    if (shown >= maxDiffs) break;
    const block = visibleControls(renderScenario(suite, scenario, maxDiffLines));
    const size = Buffer.byteLength(block);
    if (bytes + size > maxBytes - TRAILER_RESERVE) break;
    out += block;
    bytes += size;
    shown += 1;
  }
  const omitted = attention.length - shown;
  if (omitted > 0) {
    out += `\n_${omitted} more ${omitted === 1 ? 'scenario' : 'scenarios'} needing attention omitted to keep this summary short; see index.html or report.json in the report folder._\n`;
  }
  return out;
}

function renderHeader(report: ParityReport): string[] {
  const t = report.totals;
  const ok = t.scenarios === t.pass + t.accepted;
  const facts = [
    formatTimestamp(report.run.startedAt),
    formatDuration(report.run.durationMs),
    report.run.ci ? 'CI' : null,
    report.run.gitCommit === null ? null : `commit ${code(report.run.gitCommit.slice(0, 12))}`,
    `config ${code(report.run.config)}`,
    `paritykit ${escapeInline(report.tool.version)}`,
  ].filter((f): f is string => f !== null);
  return [
    `## ${ok ? '✅' : '❌'} Parity ${formatParity(report.parity)} — ${matchSentence(t.pass + t.accepted, t.scenarios)}`,
    '',
    facts.join(' · '),
    '',
  ];
}

function renderSuiteTable(report: ParityReport): string[] {
  // `accepted` and `flaky` only appear once features produce them; the others always show.
  const verdicts = VERDICTS.filter((v) => (v !== 'accepted' && v !== 'flaky') || report.totals[v] > 0);
  const header = ['Suite', 'Parity', 'Scenarios', ...verdicts.map(capitalize)];
  const rows = report.suites.map((suite) => [
    escapeInline(suite.name),
    formatParity(suite.parity),
    String(suite.totals.scenarios),
    ...verdicts.map((v) => String(suite.totals[v])),
  ]);
  if (report.suites.length > 1) {
    rows.push(['**All suites**', `**${formatParity(report.parity)}**`, String(report.totals.scenarios), ...verdicts.map((v) => String(report.totals[v]))]);
  }
  if (rows.length === 0) return ['_No suites ran._', ''];
  return [...table(header, rows, ['left', 'right', ...header.slice(2).map(() => 'right' as const)]), ''];
}

function renderChannelTable(report: ParityReport): string[] {
  const all = report.suites.reduce<ChannelTotalsMap>((acc, s) => mergeChannelTotals(acc, s.channels), {});
  const channels = (Object.keys(all) as Channel[]).sort((a, b) => rank(a) - rank(b));
  if (channels.length === 0) return [];
  const cell = (t: ChannelTotalsMap, c: Channel): string => {
    const x = t[c];
    return x === undefined ? '–' : `${formatParity(x.parity)} (${x.pass}/${x.compared})`;
  };
  const rows = report.suites.map((suite) => [escapeInline(suite.name), ...channels.map((c) => cell(suite.channels, c))]);
  if (report.suites.length > 1) rows.push(['**All suites**', ...channels.map((c) => cell(all, c))]);
  return ['### Parity by channel', '', ...table(['Suite', ...channels], rows, ['left', ...channels.map(() => 'right' as const)]), ''];
}

function rank(channel: Channel): number {
  const i = CHANNELS.indexOf(channel);
  return i === -1 ? CHANNELS.length : i;
}

function renderScenario(suite: SuiteReport, scenario: ScenarioReport, maxDiffLines: number): string {
  const summary = `<code>${escapeHtml(suite.name)} › ${escapeHtml(scenario.id)}</code> — <b>${scenario.verdict}</b>: ${escapeHtml(scenarioSummary(scenario))}`;
  const parts: string[] = [`<details><summary>${summary}</summary>`, ''];
  if (scenario.tags.length > 0) parts.push(`Tags: ${scenario.tags.map(code).join(' ')}`, '');
  if (scenario.error !== undefined && scenario.error !== '') parts.push(...fenced(scenario.error, 'text', maxDiffLines), '');
  for (const result of differingChannels(scenario)) {
    parts.push(`**${escapeInline(channelLabel(result))}** — ${escapeInline(result.difference!.summary)}`, '');
    parts.push(...fenced(result.difference!.unified, 'diff', maxDiffLines), '');
  }
  parts.push('</details>', '');
  return parts.join('\n') + '\n';
}

/**
 * A fenced code block whose fence is longer than the longest backtick run in the content
 * (minimum 3), so the content cannot close it (CommonMark §4.5). Clipped to `maxLines` lines.
 */
export function fenced(content: string, info: string, maxLines: number): string[] {
  let lines = content.split('\n');
  if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
  if (lines.length > maxLines) {
    const rest = lines.length - maxLines;
    lines = [...lines.slice(0, maxLines), `… ${rest} more ${rest === 1 ? 'line' : 'lines'} (see index.html)`];
  }
  let longestRun = 0;
  for (const line of lines) for (const run of line.match(/`+/g) ?? []) longestRun = Math.max(longestRun, run.length);
  const fence = '`'.repeat(Math.max(3, longestRun + 1));
  return [fence + info, ...lines, fence];
}

function table(header: string[], rows: string[][], align: ('left' | 'right')[]): string[] {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(align.map((a) => (a === 'right' ? '---:' : ':---'))), ...rows.map(line)];
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/**
 * Control characters (other than tab and line feed) shown as U+2400 control pictures (`␛`,
 * `␍`), C1 controls as U+FFFD: a CR in a diff stays visible, and `cat summary.md` in a
 * terminal cannot be hijacked by escape sequences from the systems under test.
 */
export function visibleControls(text: string): string {
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, (ch) => {
    const code = ch.charCodeAt(0);
    return code < 0x20 ? String.fromCharCode(0x2400 + code) : code === 0x7f ? '\u2421' : '\ufffd';
  });
}

/** Text for a Markdown paragraph or table cell: one line, ASCII punctuation that could start
 * Markdown/HTML/math syntax backslash-escaped (CommonMark §2.4), so it renders literally. */
export function escapeInline(text: string): string {
  return text.replace(/[\r\n]+/g, ' ').replace(/[\\`*_[\]<>&|~$!#{}()]/g, '\\$&');
}

/** Text inside raw HTML (`<summary>`): HTML-escaped and kept on one line, since a blank line
 * would end the HTML block. */
export function escapeHtml(text: string): string {
  return text
    .replace(/[\r\n]+/g, ' ')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

/** Inline code that survives any content: HTML `<code>` with escaped text (a Markdown code
 * span cannot hold every backtick/pipe combination inside a table). */
function code(text: string): string {
  return `<code>${escapeHtml(text).replace(/\|/g, '&#124;')}</code>`;
}
