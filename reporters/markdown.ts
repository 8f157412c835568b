/**
 * `summary.md`: GitHub-flavoured Markdown for `$GITHUB_STEP_SUMMARY` or a pull-request comment —
 * parity tables, then each scenario that needs attention in a collapsed `<details>` block with
 * its diffs in fenced ```diff blocks (an HTTP exchange's request and both status lines on one line
 * before its diff).
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
import type { Channel, ChannelResult, Verdict } from '../harness/model.ts';
import { renderPropertyMarkdown } from './property-section.ts';
import { renderPerfMarkdown } from './perf-section.ts';
import type { DeviationReport, ParityReport, ScenarioReport, SuiteReport } from './model.ts';
import {
  ATTENTION_VERDICTS,
  acceptedBy,
  acceptedChannels,
  channelLabel,
  deviationCounts,
  deviationCountsText,
  deviationPlace,
  deviationStatusNote,
  differingChannels,
  formatDuration,
  formatParity,
  formatTimestamp,
  exchangeRequestLine,
  exchangeStatus,
  httpUrl,
  matchSentence,
  noiseChannelLabel,
  noiseCount,
  noiseLocationLabel,
  noiseSentence,
  scenarioCount,
  scenarioSummary,
  sortDeviations,
  unreferencedNote,
  databaseCaptureSentence,
} from './format.ts';
import { CHANNELS, VERDICTS, mergeChannelTotals, type ChannelTotalsMap } from './totals.ts';
import { renderRegressionMarkdown } from './regression-section.ts';

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

/** Rows of the noise table, at most; the rest are counted. */
const MAX_NOISE_ROWS = 200;
/** Scenario ids listed per deviation, unreferenced baseline ids and non-deterministic
 * scenarios listed, at most. */
const MAX_LISTED = 10;
const MAX_UNREFERENCED = 50;
const MAX_NONDETERMINISTIC = 50;

/** The scenario detail sections, in output order: which verdicts each holds. */
const DETAIL_SECTIONS: readonly { title: string; verdicts: readonly Verdict[] }[] = [
  { title: 'Needs attention', verdicts: ATTENTION_VERDICTS.filter((v) => v !== 'flaky') },
  { title: 'Flaky: the candidate disagreed with itself', verdicts: ['flaky'] },
  { title: 'Accepted: differences explained by deviations', verdicts: ['accepted'] },
];

/**
 * Renders the report as GitHub-flavoured Markdown.
 *
 * Sections: a title with overall parity; run metadata (with counts of learned noise ignored,
 * deviations by status and unreferenced baselines); a table per suite (parity and counts by
 * verdict); parity per channel; every scenario needing attention (`diff`, `error`, `missing`,
 * `new`, in that order), then `flaky` ones (with the places that varied), then `accepted` ones
 * (with the deviations that explained them), each in a `<details>` block with its diffs or
 * error; then **Known deviations** per suite (id, status, scenarios covered, reason, ticket,
 * owner, expiry, place), the **noise ignored** per scenario, scenarios whose legacy was
 * non-deterministic, and unreferenced baselines.
 *
 * Budget: the header, tables and the closing sections are always kept whole (their lists are
 * capped: 200 noise rows, 10 ids per deviation, 50 ids per list); the scenario blocks fill what
 * is left of `maxBytes`, at most `maxDiffs` of them, and a line says how many were omitted.
 *
 * @returns Markdown ending in a newline, at most `maxBytes` UTF-8 bytes — unless the always-kept
 *   parts alone are bigger.
 */
export function renderMarkdown(report: ParityReport, options: MarkdownOptions = {}): string {
  const maxDiffs = Math.max(0, options.maxDiffs ?? DEFAULT_MAX_DIFFS);
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const maxDiffLines = Math.max(1, options.maxDiffLines ?? DEFAULT_MAX_DIFF_LINES);

  const head = visibleControls([...renderHeader(report), ...renderSuiteTable(report), ...renderDatabaseCapture(report), ...renderRegressionMarkdown(report), ...renderChannelTable(report)].join('\n') + '\n');
  const tail = visibleControls(
    [...renderDeviations(report), ...renderNoise(report), ...renderNondeterministic(report), ...renderUnreferenced(report), ...renderPropertyMarkdown(report), ...renderPerfMarkdown(report)].join('\n'),
  );
  let out = head;
  let bytes = Buffer.byteLength(out) + Buffer.byteLength(tail);

  const all = report.suites.flatMap((suite) => suite.scenarios.map((scenario) => ({ suite, scenario })));
  let shown = 0;
  let omitted = 0;
  for (const section of DETAIL_SECTIONS) {
    const entries = all
      .filter(({ scenario }) => section.verdicts.includes(scenario.verdict))
      .sort((a, b) => section.verdicts.indexOf(a.scenario.verdict) - section.verdicts.indexOf(b.scenario.verdict));
    if (entries.length === 0) continue;
    const title = `### ${section.title} (${entries.length})\n\n`;
    let sectionShown = 0;
    for (const { suite, scenario } of entries) {
      if (shown >= maxDiffs) break;
      const block = visibleControls(renderScenario(suite, scenario, maxDiffLines));
      const size = Buffer.byteLength(block) + (sectionShown === 0 ? Buffer.byteLength(title) : 0);
      if (bytes + size > maxBytes - TRAILER_RESERVE) break;
      if (sectionShown === 0) out += title;
      out += block;
      bytes += size;
      shown += 1;
      sectionShown += 1;
    }
    omitted += entries.length - sectionShown;
  }
  if (omitted > 0) {
    out += `\n_${omitted} more ${omitted === 1 ? 'scenario' : 'scenarios'} omitted to keep this summary short; see index.html or report.json in the report folder._\n`;
  }
  if (tail !== '') out += `${out.endsWith('\n\n') ? '' : '\n'}${tail}\n`;
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
  const notes: string[] = [];
  const noise = noiseCount(report);
  if (noise.rules > 0) notes.push(`learned noise ignored at ${noiseSentence(noise)}`);
  const deviations = deviationCounts(report);
  if (deviations.total > 0) {
    notes.push(`deviations: ${deviationCountsText(deviations)}${deviations.expired > 0 ? ' (expired deviations fail the run)' : ''}`);
  }
  const unreferenced = report.suites.reduce((n, s) => n + (s.unreferenced?.ids.length ?? 0), 0);
  if (unreferenced > 0) notes.push(`${unreferenced} unreferenced ${unreferenced === 1 ? 'baseline' : 'baselines'}`);
  const lines = [
    `## ${ok ? '✅' : '❌'} Parity ${formatParity(report.parity)} — ${matchSentence(t.pass + t.accepted, t.scenarios)}`,
    '',
    facts.join(' · '),
    '',
  ];
  if (notes.length > 0) lines.push(capitalize(notes.join(' · ')), '');
  return lines;
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
  if (scenario.flaky !== undefined && scenario.flaky.varying.length > 0) {
    parts.push(`Varied between the candidate's ${scenario.flaky.reruns + 1} runs:`, '', ...scenario.flaky.varying.slice(0, 50).map((v) => `- ${code(v)}`));
    if (scenario.flaky.varying.length > 50) parts.push(`- … ${scenario.flaky.varying.length - 50} more`);
    parts.push('');
  }
  for (const result of differingChannels(scenario)) {
    parts.push(`**${escapeInline(channelLabel(result))}** — ${escapeInline(result.difference!.summary)}`, '');
    parts.push(...exchangeLines(result), ...fenced(result.difference!.unified, 'diff', maxDiffLines), '');
  }
  for (const result of acceptedChannels(scenario)) {
    parts.push(`**${escapeInline(channelLabel(result))}** — ${escapeInline(result.difference!.summary)} — _${escapeInline(acceptedBy(result))}_`, '');
    parts.push(...exchangeLines(result), ...fenced(result.difference!.unified, 'diff', maxDiffLines), '');
  }
  if (scenario.nondeterministic !== undefined) parts.push(`Legacy non-deterministic: ${escapeInline(scenario.nondeterministic)}`, '');
  parts.push('</details>', '');
  return parts.join('\n') + '\n';
}

/**
 * For an http result that carries its exchange: one line with the request and both status lines,
 * `POST /orders → legacy 201 Created, candidate 400 Bad Request` (each part as inline code),
 * then a blank line. Nothing for other results.
 */
function exchangeLines(result: ChannelResult): string[] {
  const ex = result.exchange;
  if (ex === undefined) return [];
  const status = (side: typeof ex.legacy) => (side === undefined ? '_not sent_' : code(exchangeStatus(side, { reason: true })));
  return [`${code(exchangeRequestLine(ex))} → legacy ${status(ex.legacy)}, candidate ${status(ex.candidate)}`, ''];
}

const STATUS_MARK: Record<DeviationReport['status'], string> = { active: '✅ active', obsolete: '⚠️ obsolete', expired: '❌ expired' };

/** Known deviations: one table per suite that has any, expired and obsolete first. */
function renderDeviations(report: ParityReport): string[] {
  const suites = report.suites.filter((s) => (s.deviations ?? []).length > 0);
  if (suites.length === 0) return [];
  const out = [
    '### Known deviations',
    '',
    'Intentional differences between the legacy and the candidate, reviewed and accepted with a reason. An obsolete deviation matched nothing in this run; an expired one fails the run.',
    '',
  ];
  for (const suite of suites) {
    if (report.suites.length > 1) out.push(`#### ${escapeInline(suite.name)}`, '');
    const rows = sortDeviations(suite.deviations!).map((d) => [
      code(d.id),
      d.status === 'active' ? STATUS_MARK.active : `${STATUS_MARK[d.status]}: ${escapeInline(deviationStatusNote(d))}`,
      coveredCell(d.covered),
      escapeInline(d.reason),
      d.ticket === undefined ? '–' : ticketCell(d.ticket),
      d.owner === undefined ? '–' : escapeInline(d.owner),
      d.expires === undefined ? '–' : escapeInline(d.expires),
      code(deviationPlace(d)),
    ]);
    out.push(...table(['Deviation', 'Status', 'Covered', 'Reason', 'Ticket', 'Owner', 'Expires', 'Where'], rows, ['left', 'left', 'left', 'left', 'left', 'left', 'left', 'left']), '');
  }
  return out;
}

function coveredCell(ids: readonly string[]): string {
  if (ids.length === 0) return '0';
  const listed = ids.slice(0, MAX_LISTED).map(code).join(' ');
  return `${scenarioCount(ids.length)}: ${listed}${ids.length > MAX_LISTED ? ` … ${ids.length - MAX_LISTED} more` : ''}`;
}

/** Every learned noise rule ignored, per scenario, in one collapsed table. */
function renderNoise(report: ParityReport): string[] {
  const count = noiseCount(report);
  if (count.rules === 0) return [];
  const rows: string[][] = [];
  for (const suite of report.suites) {
    for (const scenario of suite.scenarios) {
      for (const rule of scenario.noise ?? []) {
        if (rows.length >= MAX_NOISE_ROWS) break;
        const values = rule.values.slice(0, 3).map(code).join(' ') + (rule.values.length > 3 ? ` … ${rule.values.length - 3} more` : '');
        rows.push([code(`${suite.name} › ${scenario.id}`), code(noiseChannelLabel(rule)), code(noiseLocationLabel(rule.where)), values || '–']);
      }
    }
  }
  const out = [
    `### Noise ignored (${noiseSentence(count)})`,
    '',
    'Places where the legacy differed from itself between recordings; they were ignored when comparing.',
    '',
    '<details><summary>Noise rules</summary>',
    '',
    ...table(['Scenario', 'Channel', 'Where', 'Values seen'], rows, ['left', 'left', 'left', 'left']),
    '',
  ];
  if (count.rules > rows.length) out.push(`_${count.rules - rows.length} more rules in report.json._`, '');
  out.push('</details>', '');
  return out;
}

function renderNondeterministic(report: ParityReport): string[] {
  const entries = report.suites.flatMap((suite) => suite.scenarios.filter((s) => s.nondeterministic !== undefined).map((scenario) => ({ suite, scenario })));
  if (entries.length === 0) return [];
  const out = [`### Legacy non-deterministic (${entries.length})`, '', 'The legacy differed from itself in a way never learned as noise; add a normalizer for it.', ''];
  for (const { suite, scenario } of entries.slice(0, MAX_NONDETERMINISTIC)) {
    out.push(`- ${code(`${suite.name} › ${scenario.id}`)}: ${escapeInline(scenario.nondeterministic!)}`);
  }
  if (entries.length > MAX_NONDETERMINISTIC) out.push(`- … ${entries.length - MAX_NONDETERMINISTIC} more in report.json`);
  out.push('');
  return out;
}

function renderDatabaseCapture(report: ParityReport): string[] {
  const suites = report.suites.filter((s) => s.database);
  if (suites.length === 0) return [];
  return [...suites.map((s) => `- **${escapeInline(s.name)}**: ${escapeInline(databaseCaptureSentence(s.database!))}`), ''];
}

function renderUnreferenced(report: ParityReport): string[] {
  const suites = report.suites.filter((s) => (s.unreferenced?.ids.length ?? 0) > 0);
  if (suites.length === 0) return [];
  const out = ['### Unreferenced baselines', '', 'Baselines whose scenario is no longer in the config.', ''];
  for (const suite of suites) {
    const u = suite.unreferenced!;
    const ids = u.ids.slice(0, MAX_UNREFERENCED).map(code).join(' ') + (u.ids.length > MAX_UNREFERENCED ? ` … ${u.ids.length - MAX_UNREFERENCED} more` : '');
    out.push(`- **${escapeInline(suite.name)}** (${u.ids.length}; policy \`${u.policy}\`: ${unreferencedNote(u.policy)}): ${ids}`);
  }
  out.push('');
  return out;
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
  return breakAutolinks(text.replace(/[\r\n]+/g, ' ').replace(/[\\`*_[\]<>&|~$!#{}():]/g, '\\$&'), '\\.');
}

/**
 * GFM's extended autolinks (`www.…`, `https://…`) are recognised in text before backslash
 * escapes are, and swallow the escapes: `https://x/\<img …>` would end the link after `\` and
 * leave a raw `<img`. Escaping `:` (done by the callers) and the dot of `www.` keeps text from
 * ever forming one (GFM spec, "Autolinks (extension)").
 */
function breakAutolinks(text: string, dot: string): string {
  return text.replace(/(www)\./gi, `$1${dot}`);
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
  return `<code>${breakAutolinks(escapeHtml(text).replace(/\|/g, '&#124;').replace(/:/g, '&#58;'), '&#46;')}</code>`;
}

/** A ticket: an http(s) URL as an autolink (`<https://…>`, normalized, `|` encoded so it cannot
 * split a table cell), anything else as text. */
function ticketCell(ticket: string): string {
  const href = httpUrl(ticket);
  return href === null ? escapeInline(ticket) : `<${href.replace(/\|/g, '%7C')}>`;
}
