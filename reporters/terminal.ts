/**
 * The terminal summary of a verify run: per-suite parity, the scenarios that need attention,
 * the first differences (clipped), and totals — readable at 80 columns.
 *
 * Everything printed that came from the systems under test (ids, summaries, diff lines) is
 * made inert first: control characters (ESC, CR, …) become visible symbols, so a candidate's
 * output cannot move the cursor, recolour or overwrite the report.
 */
import { createColors } from 'picocolors';
import type { ChannelResult, Verdict } from '../harness/model.ts';
import type { DeviationReport, ParityReport, ScenarioReport, SuiteReport, Totals } from './model.ts';
import {
  ATTENTION_VERDICTS,
  acceptedBy,
  acceptedChannels,
  channelLabel,
  deviationCounts,
  deviationCountsText,
  deviationPlace,
  differingChannels,
  exchangeLine,
  formatDuration,
  formatParity,
  formatTimestamp,
  noiseChannelLabel,
  noiseCount,
  noiseLocationLabel,
  noiseSentence,
  scenarioCount,
  scenarioSummaryParts,
  sortDeviations,
  unreferencedNote,
  databaseCaptureSentence,
} from './format.ts';
import { VERDICTS } from './totals.ts';

type Colors = ReturnType<typeof createColors>;

/** Options of {@link renderTerminal}. */
export interface TerminalOptions {
  /** Emit ANSI colours. The CLI decides (NO_COLOR, FORCE_COLOR, TTY); the renderer never looks. */
  color: boolean;
  /** Columns available (default 80, at least 40 is used). With `color: false` no line is wider. */
  width?: number;
  /** Show every differing scenario's diff (not just the first {@link maxDiffs}) and list
   * `accepted` scenarios too. */
  verbose?: boolean;
  /** How many differing scenarios get their diff printed when not verbose (default 5). */
  maxDiffs?: number;
  /** Diff lines printed per scenario before clipping (default 40). */
  maxDiffLines?: number;
}

const DEFAULT_WIDTH = 80;
const MIN_WIDTH = 40;
const TAB_STOP = 4;

/**
 * Renders the report for a terminal.
 *
 * Layout: a header line; one line per suite (name, parity, counts by verdict); each scenario
 * that is not a pass (`suite › id  verdict  summary`), flaky ones apart with the places that
 * varied; the diffs of the first `maxDiffs` differing scenarios (all when verbose, accepted ones
 * too, titled with the deviations that explained them), `maxDiffLines` lines each, an HTTP
 * exchange's diff after one line `POST /orders → legacy 201, candidate 400`; the
 * deviations of each suite (expired and obsolete first; active ones counted, listed when
 * verbose); learned noise (a count; each rule when verbose); scenarios whose legacy was
 * non-deterministic; unreferenced baselines; totals.
 *
 * @returns text ending in a newline. With `color: false`, no line exceeds `width` display
 *   columns (wide CJK/emoji characters count 2); long ids are shortened in the middle with `…`.
 */
export function renderTerminal(report: ParityReport, options: TerminalOptions): string {
  const width = Math.max(MIN_WIDTH, Math.floor(options.width ?? DEFAULT_WIDTH));
  const c = createColors(options.color);
  const verbose = options.verbose ?? false;
  const out: string[] = [];

  const ci = report.run.ci ? ' · CI' : '';
  const header = `paritykit ${report.tool.version} verify · ${formatTimestamp(report.run.startedAt)} · ${formatDuration(report.run.durationMs)}${ci}`;
  out.push(c.bold(clip(inert(header), width)));
  out.push('');

  out.push(...renderSuites(report.suites, width, c));

  const listed = VERDICTS.filter((v) => (ATTENTION_VERDICTS.includes(v) && v !== 'flaky') || (verbose && v === 'accepted'));
  const attention = allScenarios(report).filter(({ scenario }) => listed.includes(scenario.verdict));
  attention.sort((a, b) => rank(a.scenario.verdict) - rank(b.scenario.verdict));
  if (attention.length > 0) {
    const accepted = attention.filter((e) => e.scenario.verdict === 'accepted').length;
    const title = `Not passing (${attention.length - accepted})${accepted > 0 ? `, accepted (${accepted})` : ''}`;
    out.push('', c.bold(clip(title, width)));
    out.push(...renderAttention(attention, width, c));
  }
  // Flaky apart from real differences: the candidate disagreed with itself, so its diff is not
  // a stable fact; the places that varied are what to look at.
  const flaky = allScenarios(report).filter(({ scenario }) => scenario.verdict === 'flaky');
  if (flaky.length > 0) {
    out.push('', c.bold(clip(`Flaky (${flaky.length}): the candidate's re-runs disagreed`, width)));
    out.push(...renderAttention(flaky, width, c));
  }

  const differing = allScenarios(report).filter(
    ({ scenario }) =>
      ((scenario.verdict === 'diff' || scenario.verdict === 'error') && differingChannels(scenario).length > 0) ||
      (verbose && shownChannels(scenario, true).length > 0),
  );
  const maxDiffs = verbose ? differing.length : Math.max(0, options.maxDiffs ?? 5);
  if (differing.length > 0 && maxDiffs > 0) {
    const shown = differing.slice(0, maxDiffs);
    out.push('', c.bold(clip(shown.length < differing.length ? `Differences (first ${shown.length} of ${differing.length}; all are in the HTML report)` : 'Differences', width)));
    for (const entry of shown) out.push(...renderDiffs(entry, width, options.maxDiffLines ?? 40, c, verbose));
  }

  out.push(...renderDeviations(report, width, c, verbose));
  out.push(...renderNoise(report, width, c, verbose));
  out.push(...renderUnreferenced(report, width, c));
  out.push('', ...renderTotals(report, width, c));
  return out.join('\n') + '\n';
}

/** Channel results whose difference is shown: differing ones, and accepted ones when verbose. */
function shownChannels(scenario: ScenarioReport, verbose: boolean): ChannelResult[] {
  return scenario.channels.filter((r) => r.difference !== undefined && (r.verdict === 'diff' || (verbose && r.verdict === 'accepted')));
}

/** Active deviations listed one per line before the rest are only counted (non-verbose). */
const MAX_DEVIATION_LINES = 10;

function renderDeviations(report: ParityReport, width: number, c: Colors, verbose: boolean): string[] {
  const counts = deviationCounts(report);
  if (counts.total === 0) return [];
  const out = ['', c.bold(clip(`Known deviations: ${deviationCountsText(counts)}`, width))];
  const multi = report.suites.filter((s) => (s.deviations ?? []).length > 0).length > 1;
  for (const suite of report.suites) {
    const list = sortDeviations(suite.deviations ?? []);
    if (list.length === 0) continue;
    if (multi) out.push(clip(`  ${inert(suite.name)}`, width));
    let shown = 0;
    for (const d of list) {
      if (!verbose && d.status === 'active' && shown >= MAX_DEVIATION_LINES) break;
      out.push(...deviationLines(d, width, c, multi ? 4 : 2));
      shown += 1;
    }
    const rest = list.length - shown;
    if (rest > 0) out.push(c.dim(clip(`${' '.repeat(multi ? 4 : 2)}… ${rest} more active (see the HTML report)`, width)));
  }
  return out;
}

/** Two lines: status, id, place and what the status means; then the reason. */
function deviationLines(d: DeviationReport, width: number, c: Colors, indent: number): string[] {
  const mark = d.status === 'expired' ? c.red('✗ expired ') : d.status === 'obsolete' ? c.yellow('! obsolete') : c.cyan('✓ active  ');
  const pad = ' '.repeat(indent);
  const note =
    d.status === 'active'
      ? scenarioCount(d.covered.length)
      : d.status === 'obsolete'
        ? 'matched nothing: remove it'
        : `expired${d.expires === undefined ? '' : ` ${d.expires}`}: fails the run`;
  const first = `${pad}${mark} ${clip(inert(`${d.id} · ${deviationPlace(d)} · `), width - indent - 11 - note.length)}${note}`;
  const reason = wrapWords(inert(d.reason), width - indent - 11, 2).map((line) => `${pad}${' '.repeat(11)}${c.dim(line)}`);
  return [displayWidth(stripAnsi(first)) <= width ? first : clip(stripAnsi(first), width), ...reason];
}

/** Noise rules listed per scenario when verbose (each scenario's rules on its own lines). */
function renderNoise(report: ParityReport, width: number, c: Colors, verbose: boolean): string[] {
  const out: string[] = [];
  const count = noiseCount(report);
  if (count.rules > 0) {
    const title = `Noise ignored: ${noiseSentence(count)}`;
    const hint = verbose ? '' : ' (listed in the HTML report)';
    out.push('', displayWidth(title + hint) <= width ? c.bold(title) + c.dim(hint) : c.bold(clip(title, width)));
    if (verbose) {
      for (const { suite, scenario } of allScenarios(report)) {
        for (const rule of scenario.noise ?? []) {
          const line = `${scenarioLabel(suite.name, scenario.id, Math.floor(width / 2))} · ${inert(noiseChannelLabel(rule))} ${inert(noiseLocationLabel(rule.where))}`;
          out.push(clip(`  ${line}`, width));
        }
      }
    }
  }
  const nondeterministic = allScenarios(report).filter(({ scenario }) => scenario.nondeterministic !== undefined);
  if (nondeterministic.length > 0) {
    out.push('', c.bold(c.yellow(clip(`Legacy non-deterministic (${nondeterministic.length}): not learned as noise; add a normalizer`, width))));
    const limit = verbose ? nondeterministic.length : 5;
    for (const { suite, scenario } of nondeterministic.slice(0, limit)) {
      out.push(clip(`  ${scenarioLabel(suite.name, scenario.id, Math.floor(width / 2))}`, width));
      for (const line of wrapWords(inert(scenario.nondeterministic!), width - CONTINUATION, 2)) out.push(' '.repeat(CONTINUATION) + line);
    }
    if (nondeterministic.length > limit) out.push(c.dim(clip(`  … ${nondeterministic.length - limit} more (see the HTML report)`, width)));
  }
  return out;
}

function renderUnreferenced(report: ParityReport, width: number, c: Colors): string[] {
  const out: string[] = [];
  for (const suite of report.suites) {
    if (suite.database?.method && suite.database.method !== 'logical') out.push('', clip(`${inert(suite.name)}: ${inert(databaseCaptureSentence(suite.database))}`, width));
  }
  for (const suite of report.suites) {
    const u = suite.unreferenced;
    if (u === undefined || u.ids.length === 0) continue;
    const title = `Unreferenced baselines in ${inert(suite.name)} (${u.ids.length}, policy ${u.policy}): ${unreferencedNote(u.policy)}`;
    const line = clip(title, width);
    out.push('', u.policy === 'fail' ? c.red(line) : line);
    out.push(...wrapItems('  ', 2, u.ids.map((id) => ({ plain: clipMiddle(inert(id), width - 4), painted: clipMiddle(inert(id), width - 4) })), ', ', width));
  }
  return out;
}

interface Located {
  suite: SuiteReport;
  scenario: ScenarioReport;
}

function allScenarios(report: ParityReport): Located[] {
  return report.suites.flatMap((suite) => suite.scenarios.map((scenario) => ({ suite, scenario })));
}

function rank(verdict: Verdict): number {
  const i = ATTENTION_VERDICTS.indexOf(verdict);
  return i === -1 ? ATTENTION_VERDICTS.length : i;
}

function paint(c: Colors, verdict: Verdict, text: string): string {
  switch (verdict) {
    case 'pass':
      return c.green(text);
    case 'accepted':
      return c.cyan(text);
    case 'diff':
      return c.red(text);
    case 'flaky':
      return c.magenta(text);
    case 'error':
      return c.yellow(text);
    case 'missing':
      return c.gray(text);
    case 'new':
      return c.blue(text);
  }
}

function paintParity(c: Colors, parity: number, text: string): string {
  return parity >= 1 ? c.green(text) : c.red(text);
}

/** Non-zero counts by verdict, e.g. `['8 pass', '1 diff']` (`['0 scenarios']` when empty). */
function countItems(totals: Totals, c: Colors): { plain: string; painted: string }[] {
  const items = VERDICTS.filter((v) => totals[v] > 0).map((v) => ({
    plain: `${totals[v]} ${v}`,
    painted: paint(c, v, `${totals[v]} ${v}`),
  }));
  return items.length > 0 ? items : [{ plain: '0 scenarios', painted: '0 scenarios' }];
}

function renderSuites(suites: SuiteReport[], width: number, c: Colors): string[] {
  if (suites.length === 0) return ['No suites ran.'];
  const nameWidth = Math.min(suites.reduce((a, s) => Math.max(a, displayWidth(inert(s.name))), 0), Math.floor(width / 3));
  const lines: string[] = [];
  for (const suite of suites) {
    const name = padEnd(clipMiddle(inert(suite.name), nameWidth), nameWidth);
    const parity = formatParity(suite.parity).padStart(6);
    const prefix = `  ${name}  `;
    const head = `${prefix}${paintParity(c, suite.parity, parity)}  `;
    const indent = displayWidth(prefix) + parity.length + 2;
    lines.push(...wrapItems(head, indent, countItems(suite.totals, c), ', ', width));
  }
  return lines;
}

function renderAttention(entries: Located[], width: number, c: Colors): string[] {
  const full = entries.map(({ suite, scenario }) => displayWidth(`${inert(suite.name)} › ${inert(scenario.id)}`));
  const labelWidth = Math.min(full.reduce((a, b) => Math.max(a, b), 0), Math.floor(width * 0.55));
  const verdictWidth = entries.reduce((a, e) => Math.max(a, e.scenario.verdict.length), 0);
  const lines: string[] = [];
  entries.forEach(({ suite, scenario }) => {
    const label = padEnd(scenarioLabel(suite.name, scenario.id, labelWidth), labelWidth);
    const verdict = paint(c, scenario.verdict, scenario.verdict);
    const column = 2 + labelWidth + 2 + verdictWidth + 2;
    const parts = scenarioSummaryParts(scenario).map(inert);
    const summary = parts.join('; ');
    if (column + displayWidth(summary) <= width) {
      lines.push(`  ${label}  ${verdict}${' '.repeat(verdictWidth - scenario.verdict.length + 2)}${summary}`);
      return;
    }
    // Too long for one line: each part goes below on its own, wrapped to at most 3 lines.
    lines.push(`  ${label}  ${verdict}`.trimEnd());
    for (const part of parts) {
      for (const line of wrapWords(part, width - CONTINUATION, 3)) lines.push(' '.repeat(CONTINUATION) + line);
    }
  });
  return lines;
}

/** Indent of the lines that continue a scenario's entry. */
const CONTINUATION = 6;

/** Word-wraps text to `width` columns, at most `maxLines` lines (the last clipped with `…`). */
function wrapWords(text: string, width: number, maxLines: number): string[] {
  const lines: string[] = [];
  let rest = text;
  while (rest !== '' && lines.length < maxLines) {
    if (displayWidth(rest) <= width || lines.length === maxLines - 1) {
      lines.push(clip(rest, width));
      break;
    }
    const head = clip(rest, width + 1).slice(0, -1); // the widest prefix that fits
    const space = head.lastIndexOf(' ');
    const cut = space > width / 3 ? space : head.length;
    lines.push(rest.slice(0, cut).trimEnd());
    rest = rest.slice(cut).trimStart();
  }
  return lines;
}

function renderDiffs(entry: Located, width: number, maxLines: number, c: Colors, verbose: boolean): string[] {
  const { suite, scenario } = entry;
  const lines: string[] = [];
  let budget = Math.max(1, maxLines);
  let clipped = 0;
  for (const result of shownChannels(scenario, verbose)) {
    const channel = clipMiddle(inert(channelLabel(result)), Math.floor((width - 8) / 3));
    const title = ` ${scenarioLabel(suite.name, scenario.id, width - 8 - displayWidth(channel) - 3)} · ${channel} `;
    const rule = `──${title}`;
    lines.push('', c.bold(rule + '─'.repeat(Math.max(0, width - displayWidth(rule)))));
    if (result.verdict === 'accepted') lines.push(c.cyan(clip(inert(acceptedBy(result)), width)));
    // An http exchange: what was sent and what each side answered, before the diff.
    if (result.exchange !== undefined) lines.push(c.bold(clip(inert(exchangeLine(result.exchange)), width)));
    const body = result.difference!.unified.split(/\r?\n/);
    if (body.length > 0 && body[body.length - 1] === '') body.pop();
    for (const raw of body) {
      if (budget === 0) {
        clipped += 1;
        continue;
      }
      budget -= 1;
      lines.push(paintDiffLine(c, raw, clip(inert(raw), width)));
    }
  }
  if (clipped > 0) lines.push(c.dim(clip(`… ${clipped} more diff lines (see the HTML report or report.json)`, width)));
  return lines;
}

/**
 * `suite › id` in at most `width` columns: when too long, the suite name is shortened first
 * (to a third of the room), then the id, each in the middle so both ends stay recognisable.
 */
function scenarioLabel(suiteName: string, id: string, width: number): string {
  const suite = inert(suiteName);
  const scenario = inert(id);
  const label = `${suite} › ${scenario}`;
  if (displayWidth(label) <= width) return label;
  const shortSuite = clipMiddle(suite, Math.max(8, Math.floor(width / 3)));
  const room = width - displayWidth(shortSuite) - 3;
  if (room < 4) return clipMiddle(label, width);
  return `${shortSuite} › ${clipMiddle(scenario, room)}`;
}

function paintDiffLine(c: Colors, raw: string, text: string): string {
  if (raw.startsWith('+++') || raw.startsWith('---')) return c.bold(text);
  if (raw.startsWith('@@')) return c.cyan(text);
  if (raw.startsWith('+')) return c.green(text);
  if (raw.startsWith('-')) return c.red(text);
  if (raw.startsWith('~')) return c.yellow(text);
  return text;
}

function renderTotals(report: ParityReport, width: number, c: Colors): string[] {
  const t = report.totals;
  const head = `${c.bold('Parity')} ${paintParity(c, report.parity, formatParity(report.parity))} of ${scenarioCount(t.scenarios)}: `;
  const indent = displayWidth(`Parity ${formatParity(report.parity)} of ${scenarioCount(t.scenarios)}: `);
  const items = countItems(t, c);
  items.push({ plain: `in ${formatDuration(report.run.durationMs)}`, painted: `in ${formatDuration(report.run.durationMs)}` });
  return wrapItems(head, indent < width - 20 ? indent : 2, items, ', ', width);
}

/**
 * Lays items out after `head`, separated by `sep`, wrapping onto lines indented by `indent`
 * columns. Widths are measured on the plain text; the painted text is what is printed.
 */
function wrapItems(head: string, indent: number, items: { plain: string; painted: string }[], sep: string, width: number): string[] {
  const lines: string[] = [];
  let line = head;
  let used = displayWidth(stripAnsi(head));
  let first = true;
  items.forEach((item, i) => {
    const piece = (first ? '' : sep) + item.plain;
    // Room for the separator that ends this line if the next item has to wrap.
    const reserve = i === items.length - 1 ? 0 : sep.trimEnd().length;
    if (!first && used + displayWidth(piece) + reserve > width) {
      lines.push(line + sep.trimEnd());
      line = ' '.repeat(indent);
      used = indent;
      first = true;
    }
    const plain = clip(item.plain, width - used - (first ? 0 : sep.length));
    line += (first ? '' : sep) + (plain === item.plain ? item.painted : plain);
    used += (first ? 0 : sep.length) + displayWidth(plain);
    first = false;
  });
  lines.push(line);
  return lines;
}

function stripAnsi(text: string): string {
  // Only our own SGR sequences reach here: content was made inert before painting.
  return text.replace(/\u001b\[[0-9;]*m/g, '');
}

/**
 * Makes text from the systems under test safe and single-line for a terminal: tabs become
 * spaces (stops every 4 columns); C0/C1 control characters and DEL become visible
 * (U+2400 control pictures, `�` for C1); line/paragraph separators and bidirectional
 * overrides (U+2028–U+202E, U+2066–U+2069) become `�`.
 */
export function inert(text: string): string {
  let out = '';
  let column = 0;
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    let shown = ch;
    if (code === 0x09) {
      const spaces = TAB_STOP - (column % TAB_STOP);
      out += ' '.repeat(spaces);
      column += spaces;
      continue;
    } else if (code < 0x20) shown = String.fromCodePoint(0x2400 + code);
    else if (code === 0x7f) shown = '\u2421';
    else if (
      (code >= 0x80 && code <= 0x9f) ||
      (code >= 0x2028 && code <= 0x202e) ||
      (code >= 0x2066 && code <= 0x2069)
    ) {
      shown = '\ufffd';
    }
    out += shown;
    column += charWidth(shown.codePointAt(0)!);
  }
  return out;
}

/** Display columns of a string: wide East Asian characters and emoji count 2, combining marks 0. */
export function displayWidth(text: string): number {
  let width = 0;
  for (const ch of text) width += charWidth(ch.codePointAt(0)!);
  return width;
}

const ZERO_WIDTH = /^[\p{Mn}\p{Me}\u200b-\u200f\ufe00-\ufe0f]$/u;

// Ranges of East Asian Wide/Fullwidth characters and emoji presentation, after Unicode
// UAX #11 (EastAsianWidth.txt), coarsened to blocks; good enough for ids and diff text.
function charWidth(code: number): number {
  if (code < 0x300) return 1;
  if (ZERO_WIDTH.test(String.fromCodePoint(code))) return 0;
  if (
    (code >= 0x1100 && code <= 0x115f) ||
    (code >= 0x2e80 && code <= 0xa4cf && code !== 0x303f) ||
    (code >= 0xac00 && code <= 0xd7a3) ||
    (code >= 0xf900 && code <= 0xfaff) ||
    (code >= 0xfe30 && code <= 0xfe4f) ||
    (code >= 0xff00 && code <= 0xff60) ||
    (code >= 0xffe0 && code <= 0xffe6) ||
    (code >= 0x1f300 && code <= 0x1f64f) ||
    (code >= 0x1f900 && code <= 0x1f9ff) ||
    (code >= 0x20000 && code <= 0x3fffd)
  ) {
    return 2;
  }
  return 1;
}

/** Text cut to at most `width` columns, ending in `…` when cut. */
function clip(text: string, width: number): string {
  if (displayWidth(text) <= width) return text;
  if (width <= 0) return '';
  let out = '';
  let used = 0;
  for (const ch of text) {
    const w = charWidth(ch.codePointAt(0)!);
    if (used + w > width - 1) break;
    out += ch;
    used += w;
  }
  return out + '…';
}

/** Text cut to at most `width` columns by replacing its middle with `…` (keeps both ends of an id). */
function clipMiddle(text: string, width: number): string {
  if (displayWidth(text) <= width) return text;
  if (width <= 1) return clip(text, width);
  const chars = [...text];
  const tailBudget = Math.floor((width - 1) / 2);
  let tail = '';
  let tailUsed = 0;
  for (let i = chars.length - 1; i >= 0; i--) {
    const w = charWidth(chars[i]!.codePointAt(0)!);
    if (tailUsed + w > tailBudget) break;
    tail = chars[i]! + tail;
    tailUsed += w;
  }
  let head = '';
  let headUsed = 0;
  for (const ch of chars) {
    const w = charWidth(ch.codePointAt(0)!);
    if (headUsed + w > width - 1 - tailUsed) break;
    head += ch;
    headUsed += w;
  }
  return `${head}…${tail}`;
}

function padEnd(text: string, width: number): string {
  return text + ' '.repeat(Math.max(0, width - displayWidth(text)));
}
