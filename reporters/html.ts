/**
 * `index.html`: one self-contained page to publish or open from disk (file://). No network
 * at all: styles and script are inline, there are no fonts or external resources, and a
 * Content-Security-Policy forbids fetching anything (images only as `data:` URIs).
 *
 * The summary (run metadata, systems under test, parity per suite and channel, known
 * deviations, noise ignored) is static HTML. The scenario list is built by the inline script
 * (reporters/html-client.ts) from a compact index embedded as JSON (`#paritykit-data`: id,
 * tags, verdict, one-line summary, differing channels). Each non-passing scenario's details
 * (diffs, exchanges, row tables, images, noise, timing) sit in their own inert
 * `<script type="application/json" id="pk-d-N">` block, parsed only when the row is opened or a
 * search needs its diff text, so a report of 10,000 scenarios opens fast (docs/benchmarks.md).
 * Rows are rendered lazily (200, then 500 more as the list end scrolls into view).
 *
 * Every channel is rendered for what it is: text diffs unified or side by side (a toggle,
 * remembered in localStorage), JSON differences as a tree of the changed paths, HTTP exchanges
 * (request and both responses), database changes as row tables (legacy before/after vs
 * candidate before/after, differing cells highlighted, missing/extra rows marked), schema
 * changes as DDL lines, images as legacy / candidate / diff with a slider, CSV/binary/value
 * differences as tables. Navigation: filters by verdict, suite, channel and tag, a search over
 * ids, tags and diff text, keys `j`/`k` (move), `Enter` (open/close), `/` (search), and a link
 * `#<suite>/<scenario>` (each part `encodeURIComponent`-encoded) that opens a scenario on load
 * and on `hashchange`.
 *
 * Security — everything that came from the systems under test (ids, tags, diff text, JSON keys
 * and values, commands, versions, error messages, db values, table names, images) is inert:
 * - text interpolated into markup is HTML-escaped ({@link escapeHtml});
 * - the data is embedded in `<script type="application/json">` with `<`, `>`, `&`, `'`,
 *   U+2028 and U+2029 written as `\uXXXX` escapes, so no content can close the element;
 * - the script builds DOM nodes with `textContent` only (never `innerHTML`), uses no `eval`; the
 *   only links it creates are `#…` fragments built with `encodeURIComponent`;
 * - images are PNG bytes checked here (base64 alphabet, PNG signature) and shown as
 *   `data:image/png;base64,…` (the CSP's `img-src data:`); anything else is not shown;
 * - the only other links are deviation tickets that are http(s) URLs: parsed and normalized by
 *   the WHATWG URL parser (so no `javascript:` or other scheme, quotes and angle brackets
 *   percent-encoded), HTML-escaped, with `rel="noreferrer noopener"`; any other ticket is text;
 * - the CSP allows only the page's own script, pinned by its SHA-256 hash, so even a markup
 *   injection could not run script (`<script>` or `on…=` handlers). Extra sections
 *   ({@link REPORT_SECTIONS}, {@link SUITE_SECTIONS}) are static markup for the same reason.
 */
import { createHash } from 'node:crypto';
import { renderPropertyHtml } from './property-section.ts';
import { renderPerfHtml } from './perf-section.ts';
import type { Channel, ChannelResult, DbValue, Difference, JsonChange, RowTableDiff, TextHunk, Verdict } from '../harness/model.ts';
import type { ImageComparison } from '../harness/compare/http.ts';
import type { DeviationReport, ParityReport, ScenarioReport, SuiteReport, TargetIdentity } from './model.ts';
import {
  databaseCaptureSentence,
  channelLabel,
  deviationCounts,
  deviationCountsText,
  deviationPlace,
  deviationStatusNote,
  formatCommand,
  formatDuration,
  formatParity,
  formatTimestamp,
  exchangeLine,
  exchangeRequestLine,
  exchangeStatus,
  httpUrl,
  matchSentence,
  type ReportedExchange,
  noiseChannelLabel,
  noiseCount,
  noiseLocationLabel,
  noiseSentence,
  scenarioCount,
  scenarioSummary,
  sortDeviations,
  unreferencedNote,
} from './format.ts';
import { CHANNELS, VERDICTS, mergeChannelTotals, type ChannelTotalsMap } from './totals.ts';
import { CLIENT_SCRIPT } from './html-client.ts';
import { renderRegressionHtml } from './regression-section.ts';

export { CLIENT_SCRIPT };

/** Lines of one text difference embedded in the page; the rest is counted as clipped. */
const MAX_TEXT_LINES = 2000;
/** Rows of one JSON/CSV difference table embedded in the page. */
const MAX_TABLE_ROWS = 1000;
/** Characters of one value (a JSON value, a CSV cell) shown in a table cell. */
const MAX_VALUE_CHARS = 1000;
/** Rows of the static noise table; the rest are counted (report.json has them all). */
const MAX_NOISE_ROWS = 2000;
/** Values seen listed per noise rule. */
const MAX_NOISE_VALUES = 5;
/** Scenario ids listed per deviation before `… n more`. */
const MAX_COVERED_IDS = 50;
/** Headers shown per HTTP message; the rest are counted. */
const MAX_EXCHANGE_HEADERS = 100;
/** An HTTP exchange longer than this (lines of headers and bodies, all three messages) starts
 * collapsed. */
const EXCHANGE_OPEN_LINES = 40;

/** Rows (versions of rows) of one database table difference embedded in the page. */
const MAX_DB_ROWS = 500;
/** Base64 characters of one embedded image (legacy, candidate or diff): 2 MiB of text. Larger
 * images are left out with a note (report.json keeps what the comparator gave). */
const MAX_IMAGE_CHARS = 2 * 1024 * 1024;
/** Distinct tags offered in the tag filter. */
const MAX_TAG_OPTIONS = 500;

/** Order of the scenario list: what needs attention first, passing last. */
const LIST_ORDER: readonly Verdict[] = ['diff', 'error', 'missing', 'flaky', 'new', 'accepted', 'pass'];

/**
 * An extra section of the whole report (for example the regression report and parity trend),
 * placed after the per-channel table. It returns lines of static, already-escaped HTML (use
 * {@link escapeHtml} on anything from the report), or `[]` when it has nothing to show. No
 * script and no `on…=` handlers: the page's CSP runs only the page's own script.
 */
export type ReportSection = (report: ParityReport) => string[];

/**
 * An extra section about one suite (for example performance or property-based results),
 * placed after the per-channel table, once per suite. Same rules as {@link ReportSection}.
 */
export type SuiteSection = (suite: SuiteReport, report: ParityReport) => string[];

/** Report-level sections, in page order. Other report features add their renderer here. */
export const REPORT_SECTIONS: ReportSection[] = [
  // regression report and parity trend (reporters/regression-section.ts)
  renderRegressionHtml,
];

/** Per-suite sections, in page order. Other suite kinds add their renderer here. */
export const SUITE_SECTIONS: SuiteSection[] = [
  // how the database writes were captured (logical decoding or snapshots, and why)
  (suite) => (suite.database ? [`<p class="muted">${escapeHtml(`${suite.name}: ${databaseCaptureSentence(suite.database)}`)}</p>`] : []),
  // performance parity (reporters/perf-section.ts)
  renderPerfHtml,
  // property-based suites (reporters/property-section.ts)
  renderPropertyHtml,
];

/**
 * Renders the report as one self-contained HTML page (see the module comment for what it
 * shows and how content from the systems under test is kept inert).
 *
 * @returns the complete document, `<!doctype html>` to `</html>`, ending in a newline.
 */
export function renderHtml(report: ParityReport): string {
  const script = CLIENT_SCRIPT;
  const scriptHash = createHash('sha256').update(script, 'utf8').digest('base64');
  const csp = [
    "default-src 'none'",
    `script-src 'sha256-${scriptHash}'`,
    "style-src 'unsafe-inline'",
    "img-src data:",
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
  const t = report.totals;
  const data = scenarioData(report);
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    // The policy is our own text (no `"` in it), written as is so the hash reads as in the spec.
    `<meta http-equiv="Content-Security-Policy" content="${csp}">`,
    '<meta name="referrer" content="no-referrer">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>paritykit · ${escapeHtml(formatParity(report.parity))} parity · ${scenarioCount(t.scenarios)}</title>`,
    `<style>${STYLE}</style>`,
    '</head>',
    '<body>',
    '<main>',
    ...renderOverview(report),
    ...renderRun(report),
    ...renderSuites(report),
    ...renderChannels(report),
    ...REPORT_SECTIONS.flatMap((section) => section(report)),
    ...report.suites.flatMap((suite) => SUITE_SECTIONS.flatMap((section) => section(suite, report))),
    ...renderDeviations(report),
    ...renderNoise(report),
    ...renderUnreferenced(report),
    ...renderScenarioSection(report, data.index),
    '</main>',
    ...dataBlocks(data),
    `<script>${script}</script>`,
    '</body>',
    '</html>',
  ].join('\n') + '\n';
}

/** Escapes text for HTML element content and double- or single-quoted attribute values. */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;')
    .replace(/\u0000/g, '\ufffd');
}

/**
 * JSON safe inside `<script type="application/json">`: `<`, `>`, `&`, `'`, U+2028, U+2029
 * become `\uXXXX` escapes (still the same JSON value), so `</script>` or `<!--` in content
 * cannot end or confuse the element. `JSON.parse(element.textContent)` reads it back.
 */
export function embedJson(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&'\u2028\u2029]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

// ---------------------------------------------------------------------------------------------
// Static summary

function renderOverview(report: ParityReport): string[] {
  const t = report.totals;
  const matching = t.pass + t.accepted;
  const ok = matching === t.scenarios;
  return [
    '<header class="overview">',
    `<div class="big ${ok ? 'good' : 'bad'}">${escapeHtml(formatParity(report.parity))}</div>`,
    '<div>',
    '<h1>paritykit parity report</h1>',
    `<p>${matchSentence(matching, t.scenarios)}${report.suites.length === 1 ? '' : ` across ${report.suites.length} suites`}.</p>`,
    verdictBar(t),
    verdictLegend(t),
    ...overviewNotes(report),
    '</div>',
    '</header>',
  ];
}

/** One line each for learned noise, deviations and unreferenced baselines, when there are any. */
function overviewNotes(report: ParityReport): string[] {
  const notes: string[] = [];
  const noise = noiseCount(report);
  if (noise.rules > 0) notes.push(`Learned noise ignored at ${escapeHtml(noiseSentence(noise))} (listed below).`);
  const deviations = deviationCounts(report);
  if (deviations.total > 0) {
    const warn = deviations.expired > 0 ? ' <b class="bad-text">Expired deviations fail the run.</b>' : '';
    notes.push(`Known deviations: ${escapeHtml(deviationCountsText(deviations))}.${warn}`);
  }
  const unreferenced = report.suites.reduce((n, s) => n + (s.unreferenced?.ids.length ?? 0), 0);
  if (unreferenced > 0) notes.push(`${unreferenced} unreferenced ${unreferenced === 1 ? 'baseline' : 'baselines'}.`);
  return notes.map((n) => `<p class="note">${n}</p>`);
}

// ---------------------------------------------------------------------------------------------
// Known deviations, noise, unreferenced baselines: static, so they read well printed or saved.

function renderDeviations(report: ParityReport): string[] {
  const suites = report.suites.filter((s) => (s.deviations ?? []).length > 0);
  if (suites.length === 0) return [];
  const out = [
    '<section id="deviations">',
    '<h2>Known deviations</h2>',
    '<p class="muted">Intentional differences between the legacy and the candidate, reviewed and accepted with a reason. ' +
      'A difference they explain is <b>accepted</b>, not a failure. An <b>obsolete</b> deviation matched nothing in this run; an <b>expired</b> one fails the run.</p>',
  ];
  for (const suite of suites) {
    if (report.suites.length > 1) out.push(`<h3>${escapeHtml(suite.name)}</h3>`);
    out.push(
      '<div class="scroll"><table class="grid devs">',
      '<thead><tr><th>Deviation</th><th>Status</th><th>Reason</th><th>Ticket</th><th>Owner</th><th>Expires</th><th>Where</th><th>Scenarios covered</th></tr></thead>',
      `<tbody>${sortDeviations(suite.deviations!).map(deviationRow).join('\n')}</tbody>`,
      '</table></div>',
    );
  }
  out.push('</section>');
  return out;
}

function deviationRow(d: DeviationReport): string {
  const covered =
    d.covered.length === 0
      ? '<span class="muted">none</span>'
      : `${escapeHtml(scenarioCount(d.covered.length))}<br><span class="ids">${d.covered
          .slice(0, MAX_COVERED_IDS)
          .map((id) => `<code>${escapeHtml(id)}</code>`)
          .join(' ')}${d.covered.length > MAX_COVERED_IDS ? ` … ${d.covered.length - MAX_COVERED_IDS} more` : ''}</span>`;
  const status = `<span class="badge st-${d.status}">${d.status}</span>${d.status === 'active' ? '' : `<br><span class="muted">${escapeHtml(deviationStatusNote(d))}</span>`}`;
  return [
    `<tr class="st-row-${d.status}">`,
    `<td class="nowrap"><code>${escapeHtml(d.id)}</code></td>`,
    `<td class="status">${status}</td>`,
    `<td class="reason">${escapeHtml(d.reason)}</td>`,
    `<td class="ticket">${d.ticket === undefined ? '<span class="muted">–</span>' : ticket(d.ticket)}</td>`,
    `<td>${d.owner === undefined ? '<span class="muted">–</span>' : escapeHtml(d.owner)}</td>`,
    `<td class="nowrap">${d.expires === undefined ? '<span class="muted">–</span>' : escapeHtml(d.expires)}</td>`,
    `<td><code>${escapeHtml(deviationPlace(d))}</code></td>`,
    `<td>${covered}</td>`,
    '</tr>',
  ].join('');
}

/** A ticket: a link when it is an http(s) URL (see {@link httpUrl}), otherwise text. */
function ticket(text: string): string {
  const href = httpUrl(text);
  return href === null ? escapeHtml(text) : `<a href="${escapeHtml(href)}" rel="noreferrer noopener">${escapeHtml(text)}</a>`;
}

function renderNoise(report: ParityReport): string[] {
  const count = noiseCount(report);
  const nondeterministic = report.suites.flatMap((suite) =>
    suite.scenarios.filter((s) => s.nondeterministic !== undefined).map((scenario) => ({ suite, scenario })),
  );
  if (count.rules === 0 && nondeterministic.length === 0) return [];
  const out = ['<section id="noise">', '<h2>Noise ignored</h2>'];
  if (count.rules > 0) {
    const rows: string[] = [];
    for (const suite of report.suites) {
      for (const scenario of suite.scenarios) {
        for (const rule of scenario.noise ?? []) {
          if (rows.length >= MAX_NOISE_ROWS) break;
          const values = rule.values.slice(0, MAX_NOISE_VALUES).map((v) => `<code>${escapeHtml(clipValue(v))}</code>`).join(' ');
          const more = rule.values.length > MAX_NOISE_VALUES ? ` <span class="muted">… ${rule.values.length - MAX_NOISE_VALUES} more</span>` : '';
          rows.push(
            `<tr><td><span class="suite">${escapeHtml(suite.name)} › </span><code>${escapeHtml(scenario.id)}</code></td>` +
              `<td><code>${escapeHtml(noiseChannelLabel(rule))}</code></td><td><code>${escapeHtml(noiseLocationLabel(rule.where))}</code></td>` +
              `<td class="values">${values}${more}</td></tr>`,
          );
        }
      }
    }
    out.push(
      `<p>Learned from the legacy's own runs: ${escapeHtml(noiseSentence(count))} where two recordings of the legacy differed. These places were ignored when comparing, on both sides.</p>`,
      `<details${count.rules <= 20 ? ' open' : ''}><summary>Noise rules (${count.rules})</summary>`,
      '<div class="scroll"><table class="grid">',
      '<thead><tr><th>Scenario</th><th>Channel</th><th>Where</th><th>Values seen</th></tr></thead>',
      `<tbody>${rows.join('\n')}</tbody>`,
      '</table></div>',
      count.rules > rows.length ? `<p class="note">${count.rules - rows.length} more rules in report.json.</p>` : '',
      '</details>',
    );
  }
  if (nondeterministic.length > 0) {
    out.push(
      '<h3>Legacy non-deterministic</h3>',
      '<p class="muted">The legacy differed from itself in a way never learned as noise (structure, exit code, a whole output); add a normalizer for it.</p>',
      '<div class="scroll"><table class="grid">',
      '<thead><tr><th>Scenario</th><th>What differed</th></tr></thead>',
      `<tbody>${nondeterministic
        .map(({ suite, scenario }) => `<tr><td><span class="suite">${escapeHtml(suite.name)} › </span><code>${escapeHtml(scenario.id)}</code></td><td>${escapeHtml(scenario.nondeterministic!)}</td></tr>`)
        .join('\n')}</tbody>`,
      '</table></div>',
    );
  }
  out.push('</section>');
  return out.filter((line) => line !== '');
}

function renderUnreferenced(report: ParityReport): string[] {
  const suites = report.suites.filter((s) => (s.unreferenced?.ids.length ?? 0) > 0);
  if (suites.length === 0) return [];
  const out = ['<section id="unreferenced">', '<h2>Unreferenced baselines</h2>', '<p class="muted">Baselines whose scenario is no longer in the config.</p>'];
  for (const suite of suites) {
    const u = suite.unreferenced!;
    out.push(
      `<p><b>${escapeHtml(suite.name)}</b>: ${u.ids.length} · policy <code>${u.policy}</code>: ${escapeHtml(unreferencedNote(u.policy))}</p>`,
      `<p class="ids">${u.ids.map((id) => `<code>${escapeHtml(id)}</code>`).join(' ')}</p>`,
    );
  }
  out.push('</section>');
  return out;
}

function verdictBar(totals: ParityReport['totals']): string {
  if (totals.scenarios === 0) return '<div class="bar" role="img" aria-label="no scenarios"></div>';
  const label = VERDICTS.filter((v) => totals[v] > 0).map((v) => `${totals[v]} ${v}`).join(', ');
  const segments = VERDICTS.filter((v) => totals[v] > 0)
    .map((v) => `<span class="seg v-${v}" style="width:${((totals[v] / totals.scenarios) * 100).toFixed(3)}%" title="${totals[v]} ${v}"></span>`)
    .join('');
  return `<div class="bar" role="img" aria-label="${escapeHtml(label)}">${segments}</div>`;
}

function verdictLegend(totals: ParityReport['totals']): string {
  const items = VERDICTS.filter((v) => totals[v] > 0).map(
    (v) => `<span class="chip"><span class="dot v-${v}"></span>${totals[v]} ${v}</span>`,
  );
  return `<p class="legend">${items.join(' ')}</p>`;
}

function renderRun(report: ParityReport): string[] {
  const r = report.run;
  const rows: [string, string][] = [
    ['Started', escapeHtml(formatTimestamp(r.startedAt))],
    ['Duration', escapeHtml(formatDuration(r.durationMs))],
    ['Git commit', r.gitCommit === null ? '<span class="muted">not in git</span>' : `<code>${escapeHtml(r.gitCommit)}</code>`],
    ['Config', `<code>${escapeHtml(r.config)}</code>`],
    ['Mode', r.ci ? 'CI (baselines never written; missing baselines fail)' : 'local'],
    ['paritykit', escapeHtml(report.tool.version)],
  ];
  return [
    '<section id="run">',
    '<h2>Run</h2>',
    '<dl class="facts">',
    ...rows.map(([k, v]) => `<div><dt>${k}</dt><dd>${v}</dd></div>`),
    '</dl>',
    '</section>',
  ];
}

function identity(target: TargetIdentity | null): string {
  if (target === null) return '<span class="muted">unknown (no baseline)</span>';
  const parts = [`<code>${escapeHtml(formatCommand(target.command))}</code>`];
  parts.push(target.version === null ? '<span class="muted">version not configured</span>' : `version <b>${escapeHtml(target.version)}</b>`);
  if (target.gitCommit !== null) parts.push(`commit <code>${escapeHtml(target.gitCommit.slice(0, 12))}</code>`);
  return parts.join('<br>');
}

function renderSuites(report: ParityReport): string[] {
  const rows = report.suites.map((suite) => {
    const b = suite.baseline;
    const baseline =
      b.revision === null
        ? '<span class="muted">no baseline</span>'
        : `<code>${escapeHtml(b.revision)}</code>${b.recordedAt === null ? '' : `<br>recorded ${escapeHtml(formatTimestamp(b.recordedAt))}`}`;
    return [
      '<tr>',
      `<th scope="row">${escapeHtml(suite.name)}</th>`,
      `<td class="num">${escapeHtml(formatParity(suite.parity))}</td>`,
      `<td class="barcell">${verdictBar(suite.totals)}</td>`,
      `<td>${countsText(suite)}</td>`,
      `<td>${identity(suite.legacy)}</td>`,
      `<td>${identity(suite.candidate)}</td>`,
      `<td>${baseline}<br><span class="muted">${escapeHtml(b.dir)}</span></td>`,
      '</tr>',
    ].join('');
  });
  return [
    '<section id="suites">',
    '<h2>Suites</h2>',
    report.suites.length === 0
      ? '<p class="muted">No suites ran.</p>'
      : [
          '<div class="scroll"><table class="grid">',
          '<thead><tr><th>Suite</th><th>Parity</th><th>Verdicts</th><th>Counts</th><th>Legacy</th><th>Candidate</th><th>Baseline</th></tr></thead>',
          `<tbody>${rows.join('\n')}</tbody>`,
          '</table></div>',
        ].join('\n'),
    '</section>',
  ];
}

function countsText(suite: SuiteReport): string {
  const items = VERDICTS.filter((v) => suite.totals[v] > 0).map((v) => `${suite.totals[v]} ${v}`);
  return items.length === 0 ? '<span class="muted">no scenarios</span>' : items.join(', ');
}

function renderChannels(report: ParityReport): string[] {
  const all = report.suites.reduce<ChannelTotalsMap>((acc, s) => mergeChannelTotals(acc, s.channels), {});
  const channels = CHANNELS.filter((c) => all[c] !== undefined).concat(
    (Object.keys(all) as Channel[]).filter((c) => !CHANNELS.includes(c)),
  );
  if (channels.length === 0) return [];
  const cell = (totals: ChannelTotalsMap, channel: Channel): string => {
    const x = totals[channel];
    if (x === undefined) return '<td class="muted">–</td>';
    const pct = (x.parity * 100).toFixed(3);
    return `<td><div class="mini"><span style="width:${pct}%"></span></div>${escapeHtml(formatParity(x.parity))} <span class="muted">(${x.pass}/${x.compared})</span></td>`;
  };
  const rows = report.suites.map((s) => `<tr><th scope="row">${escapeHtml(s.name)}</th>${channels.map((c) => cell(s.channels, c)).join('')}</tr>`);
  if (report.suites.length > 1) rows.push(`<tr class="total"><th scope="row">All suites</th>${channels.map((c) => cell(all, c)).join('')}</tr>`);
  return [
    '<section id="channels">',
    '<h2>Parity by channel</h2>',
    '<div class="scroll"><table class="grid">',
    `<thead><tr><th>Suite</th>${channels.map((c) => `<th>${escapeHtml(c)}</th>`).join('')}</tr></thead>`,
    `<tbody>${rows.join('\n')}</tbody>`,
    '</table></div>',
    '</section>',
  ];
}

function renderScenarioSection(report: ParityReport, index: PageIndex): string[] {
  const t = report.totals;
  const boxes = LIST_ORDER.filter((v) => t[v] > 0).map(
    (v) => `<label class="chip"><input type="checkbox" data-verdict="${v}" checked><span class="dot v-${v}"></span>${v} <span class="muted count">${t[v]}</span></label>`,
  );
  const option = (value: string, label: string) => `<option value="${escapeHtml(value)}">${escapeHtml(label)}</option>`;
  const suites =
    report.suites.length > 1
      ? `<select id="f-suite" aria-label="Filter by suite"><option value="">all suites</option>${report.suites.map((s, i) => option(String(i), s.name)).join('')}</select>`
      : '';
  const channels =
    index.channels.length > 0
      ? `<select id="f-channel" aria-label="Filter by channel with a difference"><option value="">any channel</option>${index.channels.map((c) => option(c, `differs in ${c}`)).join('')}</select>`
      : '';
  const tags =
    index.tags.length > 0
      ? `<select id="f-tag" aria-label="Filter by tag"><option value="">any tag</option>${index.tags
          .slice(0, MAX_TAG_OPTIONS)
          .map((tag, i) => option(String(i), tag))
          .join('')}</select>`
      : '';
  return [
    '<section id="scenarios">',
    '<h2>Scenarios</h2>',
    '<div class="controls">',
    `<div class="filters" role="group" aria-label="Filter by verdict">${boxes.join('')}</div>`,
    `<div class="selects">${suites}${channels}${tags}</div>`,
    '<input type="search" id="search" placeholder="Search ids, tags, diff text…  ( / )" aria-label="Search scenarios by id, tag and diff text" autocomplete="off" spellcheck="false">',
    '<div class="view" role="group" aria-label="Text diff layout"><button type="button" data-view="unified" aria-pressed="true">Unified</button><button type="button" data-view="split" aria-pressed="false">Side by side</button></div>',
    '</div>',
    '<p class="keys muted">Keys: <kbd>j</kbd>/<kbd>k</kbd> move, <kbd>Enter</kbd> opens or closes, <kbd>/</kbd> searches. Each row links to itself (<b>#</b>).</p>',
    '<p id="status" class="muted" aria-live="polite"></p>',
    '<div id="list"></div>',
    '<button type="button" id="more" hidden></button>',
    '<noscript><p>The scenario list needs JavaScript. The same data is in report.json and summary.md beside this file.</p></noscript>',
    '</section>',
  ];
}

// ---------------------------------------------------------------------------------------------
// Data for the script: a compact index of every scenario, and one inert JSON block of details
// per scenario that has any, everything pre-formatted and size-capped.

/** One scenario in the index the page's script reads at load. Short keys: there may be tens of
 * thousands. */
interface PageScenario {
  /** Index into `suites`. */
  s: number;
  id: string;
  tags: string[];
  v: Verdict;
  /** Formatted duration. */
  d: string;
  /** One-line summary (not for plain passes). */
  sum?: string;
  /** Channels with a difference (differing or accepted), for the channel filter. */
  ch?: Channel[];
  /** Legacy non-deterministic note (also on passing scenarios). */
  nd?: string;
  /** Number of this scenario's details block (`#pk-d-<x>`); absent for a plain pass. */
  x?: number;
}

/** A scenario's details, in its own `#pk-d-<x>` block, parsed when the row is opened. */
interface PageDetail {
  /** Full error text. */
  err?: string;
  /** Labels of the channels that matched. */
  ok?: string[];
  diffs?: PageDifference[];
  /** Rows of [measure, legacy, candidate]. */
  timing?: string[][];
  /** Flaky: candidate runs and the places that varied. */
  fl?: { n: number; v: string[] };
  /** Learned noise ignored: rows of [channel, where, values seen]. */
  nz?: string[][];
}

/** One node of a JSON difference tree: a path segment (`months`, `[2]`, `"schema version"`),
 * the change at that exact path (`c`), and the nodes below it (`n`) with their change count (`t`). */
interface PageTreeNode {
  k: string;
  c?: { kind: JsonChange['kind']; l?: string; r?: string };
  n?: PageTreeNode[];
  t?: number;
}

/** One database table of a `rows` difference. `lines` of a row: [version label, cell texts by
 * column (`null` for SQL NULL)]. `hi`: indexes of the differing columns. */
interface PageDbTable {
  t: string;
  cols: string[];
  rows: Array<{ k: string; kind: RowTableDiff['rows'][number]['kind']; lines: Array<[string, Array<string | null>]>; hi: number[] }>;
}

/** An image comparison as the page shows it: base64 PNGs (absent when not carried or too big). */
interface PageImage {
  l?: string;
  c?: string;
  diff?: string;
  /** Both sides have the same size: the slider is offered. */
  same: boolean;
  note?: string;
}

/** `by`: for an accepted difference, the deviations that explained it; `ex`: for an http
 * difference, the exchange; `img`: for an image, the pictures. */
type PageDifference = { label: string; summary: string; by?: string[]; ex?: PageExchange; img?: PageImage } & (
  | { kind: 'text'; hunks: TextHunk[]; truncated: boolean; clipped: number }
  | { kind: 'lines'; lines: string[]; clipped: number }
  | { kind: 'table'; head: string[]; rows: string[][]; classes: string[]; clipped: number }
  | { kind: 'tree'; nodes: PageTreeNode[]; clipped: number }
  | { kind: 'rows'; tables: PageDbTable[]; clipped: number }
  | { kind: 'schema'; changes: Array<{ o: string; kind: string; ddl: string; l?: string; c?: string }>; clipped: number }
);

/** One HTTP message as the page shows it. */
interface PageMessage {
  /** Request line (`POST /orders`) or status line (`201 Created`). */
  line: string;
  /** `name: value` lines (clipped); `''` when there are none. */
  headers: string;
  /** Body text as the comparator gave it (already clipped to 4 KiB or a binary note). */
  body?: string;
}

/** An HTTP exchange: the request and the two responses (absent: that side never sent it). */
interface PageExchange {
  /** `POST /orders → legacy 201 Created, candidate 400 Bad Request`. */
  sum: string;
  /** Who sent the request shown: the candidate, or the legacy when the candidate never did. */
  by: 'candidate' | 'legacy';
  req: PageMessage;
  l?: PageMessage;
  c?: PageMessage;
  /** Both sides answered, with different statuses: both status lines are highlighted. */
  st: boolean;
  /** Shown open: short enough not to push the diff out of sight. */
  open: boolean;
}

/** The index: suite names, distinct tags (sorted), channels with differences, scenarios in list
 * order; `details[x]` is the block of the scenario with `x`. */
interface PageIndex {
  suites: string[];
  tags: string[];
  channels: Channel[];
  scenarios: PageScenario[];
}

/** The page's data: the index and the details blocks (built once per render; the controls and
 * the data blocks share it). */
function scenarioData(report: ParityReport): { index: PageIndex; details: PageDetail[] } {
  const scenarios: Array<{ row: PageScenario; detail?: PageDetail }> = [];
  const tags = new Set<string>();
  const channels = new Set<Channel>();
  report.suites.forEach((suite, s) => {
    for (const scenario of suite.scenarios) {
      const built = pageScenario(s, scenario);
      scenario.tags.forEach((tag) => tags.add(tag));
      built.row.ch?.forEach((c) => channels.add(c));
      scenarios.push(built);
    }
  });
  const rank = (v: Verdict) => LIST_ORDER.indexOf(v);
  // Array.prototype.sort is stable: report order is kept within a verdict.
  scenarios.sort((a, b) => rank(a.row.v) - rank(b.row.v));
  const details: PageDetail[] = [];
  for (const { row, detail } of scenarios) {
    if (detail === undefined) continue;
    row.x = details.length;
    details.push(detail);
  }
  const index: PageIndex = {
    suites: report.suites.map((s) => s.name),
    tags: [...tags].sort(),
    // Known channels in report order, then later ones (db, schema…) by name.
    channels: [...CHANNELS.filter((c) => channels.has(c)), ...[...channels].filter((c) => !CHANNELS.includes(c)).sort()],
    scenarios: scenarios.map((s) => s.row),
  };
  return { index, details };
}

/** The inert JSON blocks: the index, then one block per scenario with details. */
function dataBlocks({ index, details }: { index: PageIndex; details: PageDetail[] }): string[] {
  return [
    `<script type="application/json" id="paritykit-data">${embedJson(index)}</script>`,
    ...details.map((d, x) => `<script type="application/json" id="pk-d-${x}">${embedJson(d)}</script>`),
  ];
}

function pageScenario(s: number, scenario: ScenarioReport): { row: PageScenario; detail?: PageDetail } {
  const row: PageScenario = { s, id: scenario.id, tags: scenario.tags, v: scenario.verdict, d: formatDuration(scenario.durationMs) };
  if (scenario.nondeterministic !== undefined) row.nd = scenario.nondeterministic;
  if (scenario.verdict === 'pass') return { row };
  row.sum = scenarioSummary(scenario);
  const differing = scenario.channels.filter((c) => (c.verdict === 'diff' || c.verdict === 'accepted') && c.difference !== undefined);
  if (differing.length > 0) row.ch = [...new Set(differing.map((c) => c.channel))];
  const detail: PageDetail = {};
  if (scenario.error !== undefined && scenario.error !== '') detail.err = scenario.error;
  if (scenario.flaky !== undefined) detail.fl = { n: scenario.flaky.reruns + 1, v: scenario.flaky.varying.slice(0, MAX_TABLE_ROWS) };
  detail.ok = scenario.channels.filter((c) => c.verdict === 'pass').map(channelLabel);
  detail.diffs = [
    ...scenario.channels.filter((c) => c.verdict === 'diff' && c.difference !== undefined).map(pageDifference),
    ...scenario.channels
      .filter((c) => c.verdict === 'accepted' && c.difference !== undefined)
      .map((c) => ({ ...pageDifference(c), by: c.deviations ?? [] })),
  ];
  if (scenario.noise !== undefined && scenario.noise.length > 0) {
    detail.nz = scenario.noise.slice(0, MAX_TABLE_ROWS).map((rule) => [
      noiseChannelLabel(rule),
      noiseLocationLabel(rule.where),
      clipValue(rule.values.slice(0, MAX_NOISE_VALUES).join(' · ')),
    ]);
  }
  const timing = scenario.timing;
  if (timing !== undefined && (timing.legacy !== undefined || timing.candidate !== undefined)) {
    const bytes = (n: number | null | undefined) => (n === null || n === undefined ? '–' : `${(n / 1_048_576).toFixed(1)} MiB`);
    detail.timing = [
      ['wall time', timing.legacy ? formatDuration(timing.legacy.durationMs) : '–', timing.candidate ? formatDuration(timing.candidate.durationMs) : '–'],
      ['peak RSS', bytes(timing.legacy?.peakRssBytes), bytes(timing.candidate?.peakRssBytes)],
    ];
  }
  return { row, detail };
}

/**
 * How an image comparison rides on a difference (harness/compare/http.ts `ImageComparison`,
 * carried as `difference.image`): sizes in pixels and PNGs as base64 (`diffPng`, and the two
 * images `legacyPng`/`candidatePng` when they are small enough to travel in the report).
 */
export type ReportedImage = ImageComparison;

function pageDifference(result: ChannelResult): PageDifference {
  const d: Difference = result.difference!;
  const image = (d as { image?: ReportedImage }).image;
  const base = {
    label: channelLabel(result),
    summary: d.summary,
    ...(result.exchange !== undefined ? { ex: pageExchange(result.exchange) } : {}),
    ...(image !== undefined && typeof image === 'object' ? { img: pageImage(image) } : {}),
  };
  switch (d.kind) {
    case 'text': {
      if (d.hunks.length === 0) return { ...base, ...clipLines(d.unified) };
      let budget = MAX_TEXT_LINES;
      let clipped = 0;
      const hunks: TextHunk[] = [];
      for (const hunk of d.hunks) {
        if (budget <= 0) {
          clipped += hunk.lines.length;
          continue;
        }
        const lines = hunk.lines.slice(0, budget);
        clipped += hunk.lines.length - lines.length;
        budget -= lines.length;
        hunks.push({ ...hunk, lines });
      }
      return { ...base, kind: 'text', hunks, truncated: d.truncated, clipped };
    }
    case 'json': {
      const kept = d.changes.slice(0, MAX_TABLE_ROWS);
      return { ...base, kind: 'tree', nodes: jsonTree(kept), clipped: d.changes.length - kept.length };
    }
    case 'csv':
      return table(
        base,
        ['Row', 'Column', 'Change', 'Legacy', 'Candidate'],
        d.changes.map((c) => ({
          cells: [c.row, c.column ?? '', c.kind, clipValue(c.legacy ?? '–'), clipValue(c.candidate ?? '–')],
          cls: changeClass(c.kind),
        })),
      );
    case 'binary':
      return table(base, ['', 'Size (bytes)', 'SHA-256'], [
        { cells: ['legacy', d.legacy.size.toLocaleString('en-US'), d.legacy.sha256], cls: 'del' },
        { cells: ['candidate', d.candidate.size.toLocaleString('en-US'), d.candidate.sha256], cls: 'add' },
      ]);
    case 'value':
      return table(base, ['Legacy', 'Candidate'], [{ cells: [jsonText(d.legacy), jsonText(d.candidate)], cls: 'chg' }]);
    case 'rows': {
      let budget = MAX_DB_ROWS;
      let clipped = 0;
      const tables: PageDbTable[] = [];
      for (const t of d.tables) {
        const rows = t.rows.slice(0, Math.max(0, budget));
        clipped += t.rows.length - rows.length;
        budget -= rows.length;
        if (rows.length > 0) tables.push(dbTable(t, rows));
      }
      return { ...base, kind: 'rows', tables, clipped };
    }
    case 'schema': {
      const kept = d.changes.slice(0, MAX_TABLE_ROWS);
      return {
        ...base,
        kind: 'schema',
        changes: kept.map((c) => ({
          o: `${c.object} ${c.name}`,
          kind: c.kind,
          ddl: clipValue(c.ddl),
          ...(c.legacy !== undefined ? { l: clipValue(c.legacy) } : {}),
          ...(c.candidate !== undefined ? { c: clipValue(c.candidate) } : {}),
        })),
        clipped: d.changes.length - kept.length,
      };
    }
  }
}

/** One database table: the columns (the diff's, or every column any version has), and for
 * each row its versions — legacy before/after, candidate before/after — as cell texts. */
function dbTable(t: RowTableDiff, rows: RowTableDiff['rows']): PageDbTable {
  const cols = [...t.columns];
  const seen = new Set(cols);
  for (const r of rows) {
    for (const version of [r.legacy?.before, r.legacy?.after, r.candidate?.before, r.candidate?.after]) {
      for (const name of Object.keys(version ?? {})) {
        if (!seen.has(name)) {
          seen.add(name);
          cols.push(name);
        }
      }
    }
  }
  return {
    t: t.table,
    cols,
    rows: rows.map((r) => {
      const lines: Array<[string, Array<string | null>]> = [];
      const add = (label: string, version: Record<string, DbValue> | null | undefined) => {
        if (version === null || version === undefined) return;
        lines.push([label, cols.map((c) => (c in version ? dbCell(version[c]!) : '–'))]);
      };
      const op = (o: string | undefined) => (o === 'c' ? ' (insert)' : o === 'u' ? ' (update)' : o === 'd' ? ' (delete)' : o === 't' ? ' (truncate)' : '');
      add(`legacy before${op(r.legacyOp)}`, r.legacy?.before);
      add(`legacy after${op(r.legacyOp)}`, r.legacy?.after);
      add(`candidate before${op(r.candidateOp)}`, r.candidate?.before);
      add(`candidate after${op(r.candidateOp)}`, r.candidate?.after);
      const differing = new Set(r.cells ?? []);
      return { k: r.key, kind: r.kind, lines, hi: cols.flatMap((c, i) => (differing.has(c) ? [i] : [])) };
    }),
  };
}

/** A database value as a table cell: strings as they are, SQL NULL as `null`, bytea as
 * `\x…` hex (PostgreSQL's output form), JSON and arrays as JSON text; clipped. */
function dbCell(value: DbValue): string | null {
  if (value === null) return null;
  if (typeof value === 'string') return clipValue(value);
  if (typeof value === 'object' && !Array.isArray(value) && 'base64' in value) {
    return clipValue(`\\x${Buffer.from(value.base64, 'base64').toString('hex')}`);
  }
  if (typeof value === 'object' && !Array.isArray(value) && 'json' in value) return jsonText(value.json);
  return jsonText(value);
}

/**
 * The changed JSONPaths as a tree: `$.totals.net` and `$.totals.gross` share the node `totals`.
 * Segments come from {@link jsonPathSegments}; each node counts the changes below it.
 */
function jsonTree(changes: readonly JsonChange[]): PageTreeNode[] {
  const root: PageTreeNode = { k: '$', n: [] };
  for (const change of changes) {
    let node = root;
    for (const segment of jsonPathSegments(change.path)) {
      node.n ??= [];
      let next = node.n.find((child) => child.k === segment);
      if (next === undefined) {
        next = { k: segment };
        node.n.push(next);
      }
      node = next;
    }
    node.c = {
      kind: change.kind,
      ...('legacy' in change ? { l: jsonText(change.legacy) } : {}),
      ...('candidate' in change ? { r: jsonText(change.candidate) } : {}),
    };
  }
  const count = (node: PageTreeNode): number => {
    if (node.n === undefined) return node.c === undefined ? 0 : 1;
    node.t = node.n.reduce((sum, child) => sum + count(child), 0) + (node.c === undefined ? 0 : 1);
    return node.t;
  };
  count(root);
  return [root];
}

/**
 * Splits a JSONPath as the comparators write it (`$.months[2].label`, `$.meta["schema version"]`,
 * `$["<key>"]`) into display segments: `months`, `[2]`, `label`, `"schema version"`. A path in
 * another form is one segment.
 */
export function jsonPathSegments(path: string): string[] {
  if (!path.startsWith('$')) return [path];
  const out: string[] = [];
  let i = 1;
  while (i < path.length) {
    const ch = path[i];
    if (ch === '.') {
      let j = i + 1;
      while (j < path.length && path[j] !== '.' && path[j] !== '[') j++;
      out.push(path.slice(i + 1, j));
      i = j;
    } else if (ch === '[' && path[i + 1] === '"') {
      // A quoted key: a JSON string literal, so `\"` and `\\` escapes are skipped.
      let j = i + 2;
      while (j < path.length && path[j] !== '"') j += path[j] === '\\' ? 2 : 1;
      if (j >= path.length || path[j + 1] !== ']') return [path];
      out.push(path.slice(i + 1, j + 1));
      i = j + 2;
    } else if (ch === '[') {
      const j = path.indexOf(']', i);
      if (j === -1) return [path];
      out.push(path.slice(i, j + 1));
      i = j + 1;
    } else {
      return [path];
    }
  }
  return out;
}

/** PNG as base64 that the page may show: the base64 alphabet only, starting with the PNG
 * signature (`\x89PNG\r\n\x1a\n` = `iVBORw0KGgo`), at most {@link MAX_IMAGE_CHARS}. */
function pngBase64(text: unknown): string | undefined {
  if (typeof text !== 'string' || text.length > MAX_IMAGE_CHARS) return undefined;
  return text.startsWith('iVBORw0KGgo') && /^[A-Za-z0-9+/]+={0,2}$/.test(text) ? text : undefined;
}

function pageImage(image: ReportedImage): PageImage {
  const l = pngBase64(image.legacyPng);
  const c = pngBase64(image.candidatePng);
  const diff = pngBase64(image.diffPng);
  const size = (s: { width: number; height: number } | undefined) => (s === undefined ? '?' : `${s.width}×${s.height}`);
  const same = image.legacy?.width === image.candidate?.width && image.legacy?.height === image.candidate?.height;
  const missing = [
    image.legacyPng !== undefined && l === undefined ? 'legacy' : '',
    image.candidatePng !== undefined && c === undefined ? 'candidate' : '',
    image.diffPng !== undefined && diff === undefined ? 'diff' : '',
  ].filter((x) => x !== '');
  const notes = [`${size(image.legacy)} → ${size(image.candidate)} px, threshold ${image.threshold}`];
  if (l === undefined && c === undefined) notes.push('the report does not carry the two images (only the diff)');
  if (missing.length > 0) notes.push(`not shown (not a PNG, or larger than ${MAX_IMAGE_CHARS / 1024 / 1024} MiB as base64): ${missing.join(', ')}`);
  return { ...(l ? { l } : {}), ...(c ? { c } : {}), ...(diff ? { diff } : {}), same, note: notes.join('; ') };
}

function pageExchange(exchange: ReportedExchange): PageExchange {
  const message = (line: string, headers: ReadonlyArray<[string, string]>, body: string | undefined): PageMessage => {
    const shown = headers.slice(0, MAX_EXCHANGE_HEADERS).map(([name, value]) => clipValue(`${name}: ${value}`));
    if (headers.length > shown.length) shown.push(`… ${headers.length - shown.length} more headers`);
    return { line, headers: shown.join('\n'), ...(body !== undefined ? { body } : {}) };
  };
  const response = (side: ReportedExchange['legacy']) =>
    side === undefined ? undefined : message(exchangeStatus(side, { reason: true }), side.headers, side.body);
  const req = message(exchangeRequestLine(exchange), exchange.request.headers, exchange.request.body);
  const l = response(exchange.legacy);
  const c = response(exchange.candidate);
  const lines = [req, l, c].reduce((n, m) => n + (m === undefined ? 0 : 1 + lineCount(m.headers) + lineCount(m.body ?? '')), 0);
  return {
    sum: exchangeLine(exchange, { reason: true }),
    by: exchange.candidate !== undefined || exchange.legacy === undefined ? 'candidate' : 'legacy',
    req,
    ...(l !== undefined ? { l } : {}),
    ...(c !== undefined ? { c } : {}),
    st: l !== undefined && c !== undefined && exchange.legacy!.status !== exchange.candidate!.status,
    open: lines <= EXCHANGE_OPEN_LINES,
  };
}

function lineCount(text: string): number {
  if (text === '') return 0;
  let n = 1;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

function table(
  base: { label: string; summary: string; ex?: PageExchange; img?: PageImage },
  head: string[],
  rows: { cells: string[]; cls: string }[],
): PageDifference {
  const kept = rows.slice(0, MAX_TABLE_ROWS);
  return { ...base, kind: 'table', head, rows: kept.map((r) => r.cells), classes: kept.map((r) => r.cls), clipped: rows.length - kept.length };
}

function clipLines(text: string): { kind: 'lines'; lines: string[]; clipped: number } {
  const all = text.split(/\r?\n/);
  if (all.length > 1 && all[all.length - 1] === '') all.pop();
  const lines = all.slice(0, MAX_TEXT_LINES);
  return { kind: 'lines', lines, clipped: all.length - lines.length };
}

function changeClass(kind: string): string {
  return kind === 'added' ? 'add' : kind === 'removed' ? 'del' : 'chg';
}

function jsonCell(change: { legacy?: unknown; candidate?: unknown }, side: 'legacy' | 'candidate'): string {
  return side in change ? jsonText(change[side]) : '–';
}

/** A value as JSON text (clipped); `undefined` → `–`. */
function jsonText(value: unknown): string {
  if (value === undefined) return '–';
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return clipValue(text);
}

function clipValue(text: string): string {
  return text.length <= MAX_VALUE_CHARS ? text : `${text.slice(0, MAX_VALUE_CHARS)}… (${text.length - MAX_VALUE_CHARS} more characters)`;
}

// ---------------------------------------------------------------------------------------------
// Style and script

// Verdict colours: pass green, accepted teal, diff red, flaky purple, error orange, missing
// grey, new blue; deviation status: active teal, obsolete amber, expired red. Text on them is
// white with a contrast ratio ≥ 4.5:1 (WCAG AA).
const STYLE = `
:root{--fg:#1f2328;--muted:#59636e;--bg:#fff;--panel:#f6f8fa;--line:#d1d9e0;--accent:#0969da;
--pass:#1a7f37;--accepted:#0f766e;--diff:#cf222e;--flaky:#8250df;--error:#bc4c00;--missing:#6e7781;--new:#0969da;
--obsolete:#9a6700;--obsolete-fg:#9a6700;
--add-bg:#dafbe1;--del-bg:#ffebe9;--hunk-bg:#ddf4ff;--chg-bg:#fff8c5}
@media (prefers-color-scheme:dark){:root{--fg:#e6edf3;--muted:#9198a1;--bg:#0d1117;--panel:#151b23;--line:#3d444d;
--obsolete-fg:#d29922;--add-bg:#12361f;--del-bg:#4a1519;--hunk-bg:#0c2d4a;--chg-bg:#3b2e00}}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
main{max-width:1200px;margin:0 auto;padding:24px 20px 64px}
h1{font-size:1.4rem;margin:0 0 4px}h2{font-size:1.15rem;margin:32px 0 12px;padding-bottom:6px;border-bottom:1px solid var(--line)}
code,pre,.code{font-family:ui-monospace,SFMono-Regular,"SF Mono",Menlo,Consolas,"Liberation Mono",monospace;font-size:.85rem}
.muted{color:var(--muted)}
.overview{display:flex;gap:24px;align-items:center;flex-wrap:wrap}
.overview>div:last-child{flex:1;min-width:280px}
.big{font-size:3rem;font-weight:700;line-height:1}.big.good{color:var(--pass)}.big.bad{color:var(--diff)}
.bar{display:flex;height:12px;border-radius:6px;overflow:hidden;background:var(--line);min-width:120px}
.seg{display:block;height:100%}
.v-pass{background:var(--pass)}.v-accepted{background:var(--accepted)}.v-diff{background:var(--diff)}.v-flaky{background:var(--flaky)}
.v-error{background:var(--error)}.v-missing{background:var(--missing)}.v-new{background:var(--new)}
.legend{margin:8px 0 0}
.chip{display:inline-flex;align-items:center;gap:6px;margin:0 12px 4px 0;white-space:nowrap}
.dot{display:inline-block;width:10px;height:10px;border-radius:50%}
.facts{display:grid;grid-template-columns:repeat(auto-fill,minmax(260px,1fr));gap:8px 24px;margin:0}
.facts dt{font-size:.8rem;color:var(--muted)}.facts dd{margin:0;overflow-wrap:anywhere}
.scroll{overflow-x:auto}
table.grid{border-collapse:collapse;width:100%}
.grid th,.grid td{border-bottom:1px solid var(--line);padding:6px 10px;text-align:left;vertical-align:top}
.grid thead th{font-size:.8rem;color:var(--muted);font-weight:600}
.grid td code{overflow-wrap:anywhere}
.num{font-variant-numeric:tabular-nums;font-weight:600}
.barcell{min-width:140px;vertical-align:middle}
.total th,.total td{font-weight:600}
.mini{height:6px;width:80px;background:var(--diff);border-radius:3px;overflow:hidden;margin:6px 0 2px}
.mini span{display:block;height:100%;background:var(--pass)}
.controls{display:flex;flex-wrap:wrap;gap:12px;align-items:center;justify-content:space-between;position:sticky;top:0;background:var(--bg);padding:8px 0;z-index:1}
.filters{display:flex;flex-wrap:wrap}
#search{flex:1;min-width:220px;max-width:420px;padding:6px 10px;border:1px solid var(--line);border-radius:6px;background:var(--bg);color:var(--fg);font:inherit}
.row{border:1px solid var(--line);border-radius:6px;margin:4px 0;background:var(--bg);content-visibility:auto;contain-intrinsic-size:auto 32px}
.row>summary,.row.compact{display:flex;gap:10px;align-items:baseline;padding:4px 10px;flex-wrap:wrap}
.row>summary{cursor:pointer;list-style:none}.row>summary::-webkit-details-marker{display:none}
.row>summary::before{content:"▸";color:var(--muted)}.row[open]>summary::before{content:"▾"}
.row.compact{border-color:transparent;padding-left:26px}
.badge{display:inline-block;min-width:5.5em;text-align:center;color:#fff;border-radius:4px;padding:0 6px;font-size:.8rem;font-weight:600}
.name{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.85rem;overflow-wrap:anywhere}
.suite{color:var(--muted)}
.tag{font-size:.75rem;border:1px solid var(--line);border-radius:10px;padding:0 6px;color:var(--muted)}
.sum{color:var(--muted);flex:1 1 240px;overflow-wrap:anywhere}
.dur{margin-left:auto;color:var(--muted);font-size:.8rem;font-variant-numeric:tabular-nums}
.detail{padding:4px 12px 12px;border-top:1px solid var(--line)}
.detail h4{margin:12px 0 6px;font-size:.9rem}
.detail pre{background:var(--panel);padding:8px 10px;border-radius:6px;overflow:auto;white-space:pre-wrap;overflow-wrap:anywhere;margin:0}
table.diff{border-collapse:collapse;width:100%;background:var(--panel)}
.diff td{padding:0 8px;white-space:pre-wrap;overflow-wrap:anywhere;vertical-align:top}
.diff td.ln{width:1%;min-width:3em;text-align:right;color:var(--muted);user-select:none;white-space:nowrap}
.diff tr.add td.code{background:var(--add-bg)}.diff tr.del td.code{background:var(--del-bg)}
.diff tr.hunk td{background:var(--hunk-bg);color:var(--muted)}.diff tr.meta td{color:var(--muted);font-style:italic}
table.changes{border-collapse:collapse;width:100%}
.changes th,.changes td{border:1px solid var(--line);padding:3px 8px;text-align:left;vertical-align:top;overflow-wrap:anywhere}
.changes td{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.82rem;white-space:pre-wrap}
.changes tr.add td{background:var(--add-bg)}.changes tr.del td{background:var(--del-bg)}.changes tr.chg td{background:var(--chg-bg)}
.note{color:var(--muted);font-size:.85rem;margin:6px 0 0}
.st-active{background:var(--accepted)}.st-obsolete{background:var(--obsolete)}.st-expired{background:var(--diff)}
.devs td.reason{white-space:pre-line;min-width:16em}.devs .badge{min-width:0}.devs td.status{min-width:9em}
.devs td.nowrap,.devs td.nowrap code{white-space:nowrap;overflow-wrap:normal}.devs td.ticket{min-width:9em;max-width:16em;overflow-wrap:anywhere}
.ids code{margin-right:4px}.values code{display:inline-block;background:var(--panel);border-radius:3px;padding:0 4px;margin:0 6px 2px 0}
.bad-text{color:var(--diff)}.detail h4.accepted{color:var(--accepted)}
.warn{font-size:.75rem;color:var(--obsolete-fg);border:1px solid var(--obsolete-fg);border-radius:10px;padding:0 6px}
h3{font-size:1rem;margin:20px 0 8px}
.exchange{border:1px solid var(--line);border-radius:6px;padding:4px 10px 8px;margin:0 0 8px}
.exchange>summary{color:var(--muted);overflow-wrap:anywhere}
.sides{display:grid;grid-template-columns:repeat(auto-fit,minmax(280px,1fr));gap:0 12px}
.msg{min-width:0}.msg-title{font-size:.8rem;font-weight:600;color:var(--muted);margin:8px 0 2px}
.detail .msg pre+pre{margin-top:4px}.detail pre.start{font-weight:600}.detail pre.hdrs{color:var(--muted)}
.detail pre.body{max-height:24em}.detail pre.start.del{background:var(--del-bg)}.detail pre.start.add{background:var(--add-bg)}
details>summary{cursor:pointer}
.selects{display:flex;gap:8px;flex-wrap:wrap}
select,.view button{padding:5px 8px;border:1px solid var(--line);border-radius:6px;background:var(--bg);color:var(--fg);font:inherit;font-size:.85rem}
.view{display:inline-flex}.view button{cursor:pointer;border-radius:0}.view button:first-child{border-radius:6px 0 0 6px}.view button:last-child{border-radius:0 6px 6px 0;border-left:0}
.view button[aria-pressed="true"]{background:var(--accent);border-color:var(--accent);color:#fff}
.keys{font-size:.8rem;margin:0}kbd{border:1px solid var(--line);border-bottom-width:2px;border-radius:4px;padding:0 4px;font-size:.75rem;background:var(--panel)}
.row.cur{outline:2px solid var(--accent);outline-offset:1px}.row:focus,.row>summary:focus{outline:none}.row>summary:focus-visible{outline:2px solid var(--accent)}
a.link{color:var(--muted);text-decoration:none;font-size:.8rem}a.link:hover{color:var(--accent)}
body:not(.split-view) table.split{display:none}body.split-view table.unified{display:none}
.split td.code{width:50%}.split td.empty{background:var(--panel)}.diff td.code.add{background:var(--add-bg)}.diff td.code.del{background:var(--del-bg)}
ul.tree,ul.tree ul{list-style:none;margin:0;padding-left:18px}ul.tree{padding-left:0;font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.82rem}
ul.tree ul{border-left:1px dotted var(--line)}.tline{display:flex;gap:8px;flex-wrap:wrap;align-items:baseline;padding:1px 4px;border-radius:4px}
.tree .key{font-weight:600}.tree .kind{font-size:.75rem;color:var(--muted)}.tree .count{font-size:.75rem}
.tree li.add>.tline{background:var(--add-bg)}.tree li.del>.tline{background:var(--del-bg)}.tree li.chg>.tline{background:var(--chg-bg)}
.tree code{overflow-wrap:anywhere;white-space:pre-wrap}.tree code.old{text-decoration:line-through;text-decoration-color:var(--diff)}
.db .tname{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-weight:600;margin:8px 0 4px}
table.rows{border-collapse:collapse;width:100%;font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.8rem}
.rows th,.rows td{border:1px solid var(--line);padding:2px 6px;text-align:left;vertical-align:top;white-space:pre-wrap;overflow-wrap:anywhere}
.rows thead th{background:var(--panel)}.rows td.ver{color:var(--muted);white-space:nowrap}.rows td.null{color:var(--muted);font-style:italic}
.rows td.hi{background:var(--chg-bg);font-weight:700}.rows tbody.del th.rowkey{background:var(--del-bg)}.rows tbody.add th.rowkey{background:var(--add-bg)}
.rows tbody.del tr.lg td{background:var(--del-bg)}.rows tbody.add tr.cd td{background:var(--add-bg)}.rows tbody{border-top:2px solid var(--line)}
.rkind{display:block;font-weight:400;font-size:.72rem;color:var(--muted)}
.ddl{background:var(--panel);border-radius:6px;padding:6px 0;font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.82rem}
.dline{display:flex;gap:8px;padding:0 10px;align-items:baseline}.dline.add{background:var(--add-bg)}.dline.del{background:var(--del-bg)}.dline.chg{background:var(--chg-bg)}
.dline code{flex:1;white-space:pre-wrap;overflow-wrap:anywhere}.dline .obj{color:var(--muted);font-size:.75rem}.dline .mark{width:1em;font-weight:700}
.dside{padding:0 10px 0 28px;color:var(--muted);white-space:pre-wrap;overflow-wrap:anywhere}
.image .img3{display:flex;gap:12px;flex-wrap:wrap}.image figure{margin:4px 0;max-width:100%}.image figcaption{font-size:.8rem;color:var(--muted)}
.image img{display:block;max-width:100%;image-rendering:pixelated;border:1px solid var(--line);background:repeating-conic-gradient(var(--panel) 0 25%,var(--bg) 0 50%) 0 0/16px 16px}
.sliderfig{display:inline-block}.slider{position:relative;display:inline-block}.slider img.top{position:absolute;left:0;top:0}.range{display:block;width:100%}
#more{margin:12px 0;padding:6px 16px;border:1px solid var(--line);border-radius:6px;background:var(--panel);color:var(--fg);font:inherit;cursor:pointer}
`.trim();
