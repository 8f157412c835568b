/**
 * The regression section and the parity trend, as fragments for the Markdown summary
 * (`summary.md`) and the HTML report (`index.html`). Both read `ParityReport.regression` and
 * `ParityReport.history`; neither recomputes anything.
 *
 * The trend is an inline SVG (no script, no network, no external font): one polyline for the
 * whole run and one per suite (up to {@link MAX_TREND_SUITES}), each point with a `<title>`
 * tooltip. Inline `<svg>` is document content, so the report's `img-src 'none'` policy does not
 * block it. Everything from the systems under test (suite names, scenario ids, commits) is
 * HTML-escaped; in Markdown it is inside HTML-escaped `<code>`.
 */
import type { ParityReport } from './model.ts';
import type { RegressionChange, RegressionDeviation, RegressionReport } from './regression.ts';
import type { HistoryPoint } from './history.ts';
import { formatParity, formatTimestamp } from './format.ts';

/** Scenarios listed per list in the Markdown summary (HTML: {@link HTML_LISTED}). */
const MARKDOWN_LISTED = 20;
/** Scenarios listed per list in the HTML section (report.json has up to 500). */
const HTML_LISTED = 200;
/** Suites drawn as their own line in the trend chart. */
export const MAX_TREND_SUITES = 6;

const SUITE_COLORS = ['#8e44ad', '#16a085', '#d35400', '#2c3e50', '#c0392b', '#7f8c8d'];

/** Text escaped for HTML content and quoted attributes. */
function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** Inline code in Markdown that survives any content (HTML `<code>`, escaped, one line, no
 * table-splitting `|`, no autolinks). */
function mdCode(text: string): string {
  return `<code>${esc(text.replace(/[\r\n]+/g, ' ')).replace(/\|/g, '&#124;').replace(/:/g, '&#58;').replace(/\./g, '&#46;')}</code>`;
}

/** `+2.5 pts`, `−1.0 pts`, `±0 pts` between two parity fractions. */
export function parityDelta(before: number | null, now: number | null): string {
  if (before === null || now === null) return '–';
  const pts = Math.round((now - before) * 1000) / 10;
  if (pts === 0) return '±0 pts';
  return `${pts > 0 ? '+' : '−'}${Math.abs(pts).toFixed(1)} pts`;
}

function parityCell(p: number | null): string {
  return p === null ? '–' : formatParity(p);
}

function ratioCell(r: number | null): string {
  return r === null ? '–' : `${r.toFixed(2)}×`;
}

function changeLabel(c: RegressionChange): string {
  return `${c.before ?? '–'} → ${c.now ?? '–'}`;
}

const LISTS: ReadonlyArray<{ key: 'newlyDiffering' | 'newlyPassing' | 'changedDiffs' | 'added' | 'removed'; title: string }> = [
  { key: 'newlyDiffering', title: 'Newly differing' },
  { key: 'newlyPassing', title: 'Newly passing' },
  { key: 'changedDiffs', title: 'Differences changed' },
  { key: 'added', title: 'Scenarios added' },
  { key: 'removed', title: 'Scenarios removed' },
];

const DEVIATION_LISTS: ReadonlyArray<{ key: keyof RegressionReport['deviations']; title: string }> = [
  { key: 'added', title: 'Deviations added' },
  { key: 'expired', title: 'Deviations expired' },
  { key: 'gone', title: 'Deviations gone' },
];

/** Unicode block sparkline of parity values (`▁` = 0%, `█` = 100%). */
export function sparkline(values: readonly number[]): string {
  const blocks = '▁▂▃▄▅▆▇█';
  return values.map((v) => blocks[Math.min(7, Math.max(0, Math.round(v * 7)))]).join('');
}

/**
 * The Markdown lines of the regression section and trend (`### Since the previous run`), or
 * `[]` when the report has neither a regression nor at least two trend points.
 */
export function renderRegressionMarkdown(report: ParityReport): string[] {
  const r = report.regression;
  const trend = report.history ?? [];
  if (r === undefined && trend.length < 2) return [];
  const out: string[] = ['### Since the previous run', ''];
  if (r !== undefined) {
    const commit = r.previous.gitCommit === null ? '' : ` at commit ${mdCode(r.previous.gitCommit.slice(0, 12))}`;
    out.push(
      `Compared with the run of ${formatTimestamp(r.previous.startedAt)}${commit} (${mdCode(r.previous.source)}): parity **${formatParity(r.parity.before)} → ${formatParity(r.parity.now)}** (${parityDelta(r.parity.before, r.parity.now)}).`,
      '',
    );
    const counts = LISTS.map((l) => `${l.title.toLowerCase()}: ${r.counts[l.key]}`);
    out.push(`${counts.join(' · ')}`, '');
    if (r.suites.length > 0) {
      out.push('| Suite | Parity before | Parity now | Change |', '| :--- | ---: | ---: | ---: |');
      for (const s of r.suites) out.push(`| ${mdCode(s.name)} | ${parityCell(s.parityBefore)} | ${parityCell(s.parityNow)} | ${parityDelta(s.parityBefore, s.parityNow)} |`);
      out.push('');
    }
    for (const list of LISTS) {
      const items = r[list.key];
      if (r.counts[list.key] === 0) continue;
      out.push(`<details${list.key === 'newlyDiffering' ? ' open' : ''}><summary>${list.title} (${r.counts[list.key]})</summary>`, '');
      for (const c of items.slice(0, MARKDOWN_LISTED)) out.push(`- ${mdCode(`${c.suite} › ${c.id}`)} ${esc(changeLabel(c))}`);
      if (r.counts[list.key] > MARKDOWN_LISTED) out.push(`- … ${r.counts[list.key] - MARKDOWN_LISTED} more in report.json`);
      out.push('', '</details>', '');
    }
    for (const list of DEVIATION_LISTS) {
      const items = r.deviations[list.key];
      if (items.length === 0) continue;
      out.push(`${list.title}: ${items.slice(0, MARKDOWN_LISTED).map((d) => mdCode(`${d.suite} › ${d.id}`)).join(' ')}${items.length > MARKDOWN_LISTED ? ` … ${items.length - MARKDOWN_LISTED} more` : ''}`, '');
    }
    const perf = r.suites.flatMap((s) => (s.perf ?? []).map((p) => ({ suite: s.name, ...p })));
    if (perf.length > 0) {
      out.push('| Suite | Benchmark | Ratio before | Ratio now |', '| :--- | :--- | ---: | ---: |');
      for (const p of perf.slice(0, 50)) out.push(`| ${mdCode(p.suite)} | ${mdCode(p.name)} | ${ratioCell(p.before)} | ${ratioCell(p.now)} |`);
      out.push('');
    }
  }
  if (trend.length >= 2) {
    out.push(`Parity trend, last ${trend.length} runs: ${sparkline(trend.map((p) => p.parity))} ${formatParity(trend[0]!.parity)} → ${formatParity(trend[trend.length - 1]!.parity)}`, '');
  }
  return out;
}

/**
 * The HTML lines of the regression section and trend (`<section id="regression">`), or `[]`
 * when the report has neither a regression nor at least two trend points (an html.ts
 * `ReportSection`). Scenario ids link to
 * `#<suite>/<scenario>` (URI-encoded), the report's deep-link form.
 */
export function renderRegressionHtml(report: ParityReport): string[] {
  const r = report.regression;
  const trend = report.history ?? [];
  if (r === undefined && trend.length < 2) return [];
  const out: string[] = ['<section id="regression" class="regression">', '<h2>Since the previous run</h2>'];
  if (r !== undefined) {
    const commit = r.previous.gitCommit === null ? '' : ` at commit <code>${esc(r.previous.gitCommit.slice(0, 12))}</code>`;
    out.push(
      `<p>Compared with the run of ${esc(formatTimestamp(r.previous.startedAt))}${commit} (<code>${esc(r.previous.source)}</code>): parity <strong>${esc(formatParity(r.parity.before))} → ${esc(formatParity(r.parity.now))}</strong> (${esc(parityDelta(r.parity.before, r.parity.now))}).</p>`,
    );
    if (r.suites.length > 0) {
      out.push('<table class="grid regression-suites"><thead><tr><th>Suite</th><th>Parity before</th><th>Parity now</th><th>Change</th></tr></thead><tbody>');
      for (const s of r.suites) {
        out.push(`<tr><td>${esc(s.name)}</td><td>${parityCell(s.parityBefore)}</td><td>${parityCell(s.parityNow)}</td><td>${esc(parityDelta(s.parityBefore, s.parityNow))}</td></tr>`);
      }
      out.push('</tbody></table>');
    }
    for (const list of LISTS) {
      const n = r.counts[list.key];
      if (n === 0) continue;
      out.push(`<details class="regression-list" data-list="${list.key}"${list.key === 'newlyDiffering' ? ' open' : ''}><summary>${list.title} (${n})</summary><ul>`);
      for (const c of r[list.key].slice(0, HTML_LISTED)) {
        const href = `#${encodeURIComponent(c.suite)}/${encodeURIComponent(c.id)}`;
        out.push(`<li><a href="${esc(href)}">${esc(c.suite)} › ${esc(c.id)}</a> <span class="verdict-change">${esc(changeLabel(c))}</span></li>`);
      }
      if (n > HTML_LISTED) out.push(`<li>… ${n - HTML_LISTED} more in report.json</li>`);
      out.push('</ul></details>');
    }
    for (const list of DEVIATION_LISTS) {
      const items: RegressionDeviation[] = r.deviations[list.key];
      if (items.length === 0) continue;
      out.push(`<p class="regression-deviations" data-list="deviations-${list.key}">${list.title}: ${items.map((d) => `<code>${esc(d.suite)} › ${esc(d.id)}</code>`).join(' ')}</p>`);
    }
    const perf = r.suites.flatMap((s) => (s.perf ?? []).map((p) => ({ suite: s.name, ...p })));
    if (perf.length > 0) {
      out.push('<table class="grid regression-perf"><thead><tr><th>Suite</th><th>Benchmark</th><th>Ratio before</th><th>Ratio now</th></tr></thead><tbody>');
      for (const p of perf) out.push(`<tr><td>${esc(p.suite)}</td><td>${esc(p.name)}</td><td>${ratioCell(p.before)}</td><td>${ratioCell(p.now)}</td></tr>`);
      out.push('</tbody></table>');
    }
  }
  if (trend.length >= 2) out.push(`<h3>Parity over the last ${trend.length} runs</h3>`, renderTrendSvg(trend));
  out.push('</section>');
  return out;
}

/**
 * The parity trend as an inline SVG (600 × 180 user units): x = run (oldest left, evenly
 * spaced), y = parity from 0% (bottom) to 100% (top); the whole run as a thick line, each suite
 * (first {@link MAX_TREND_SUITES}) as a thin coloured line with a legend.
 */
export function renderTrendSvg(points: readonly HistoryPoint[]): string {
  const width = 600;
  const height = 180;
  const left = 44;
  const right = 12;
  const top = 12;
  const bottom = 36;
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  const x = (i: number) => left + (points.length === 1 ? plotW / 2 : (i * plotW) / (points.length - 1));
  const y = (p: number) => top + (1 - Math.min(1, Math.max(0, p))) * plotH;
  const fmt = (n: number) => n.toFixed(1);
  const parts: string[] = [
    `<svg class="parity-trend" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-labelledby="parity-trend-title">`,
    `<title id="parity-trend-title">Parity over the last ${points.length} runs: ${esc(formatParity(points[0]!.parity))} to ${esc(formatParity(points[points.length - 1]!.parity))}</title>`,
  ];
  for (const tick of [0, 0.5, 1]) {
    parts.push(`<line x1="${left}" x2="${width - right}" y1="${fmt(y(tick))}" y2="${fmt(y(tick))}" stroke="#ddd" stroke-width="1"/>`);
    parts.push(`<text x="${left - 6}" y="${fmt(y(tick) + 4)}" font-size="11" text-anchor="end" fill="#666">${tick * 100}%</text>`);
  }
  const suiteNames = [...new Set(points.flatMap((p) => p.suites.map((s) => s.name)))].slice(0, MAX_TREND_SUITES);
  if (suiteNames.length > 1) {
    suiteNames.forEach((name, k) => {
      const coords = points
        .map((p, i) => {
          const s = p.suites.find((x) => x.name === name);
          return s === undefined ? null : `${fmt(x(i))},${fmt(y(s.parity))}`;
        })
        .filter((c): c is string => c !== null);
      if (coords.length > 0) parts.push(`<polyline class="trend-suite" fill="none" stroke="${SUITE_COLORS[k % SUITE_COLORS.length]}" stroke-width="1.5" stroke-dasharray="4 2" points="${coords.join(' ')}"><title>${esc(name)}</title></polyline>`);
    });
  }
  parts.push(`<polyline class="trend-all" fill="none" stroke="#2471a3" stroke-width="3" points="${points.map((p, i) => `${fmt(x(i))},${fmt(y(p.parity))}`).join(' ')}"/>`);
  points.forEach((p, i) => {
    const commit = p.gitCommit === null ? '' : ` · ${p.gitCommit.slice(0, 10)}`;
    parts.push(`<circle cx="${fmt(x(i))}" cy="${fmt(y(p.parity))}" r="3.5" fill="#2471a3"><title>${esc(`${formatTimestamp(p.startedAt)}${commit}: ${formatParity(p.parity)} (${p.totals.pass + p.totals.accepted}/${p.totals.scenarios})`)}</title></circle>`);
  });
  parts.push(`<text x="${left}" y="${height - 20}" font-size="11" fill="#666">${esc(formatTimestamp(points[0]!.startedAt))}</text>`);
  parts.push(`<text x="${width - right}" y="${height - 20}" font-size="11" text-anchor="end" fill="#666">${esc(formatTimestamp(points[points.length - 1]!.startedAt))}</text>`);
  if (suiteNames.length > 1) {
    let lx = left;
    suiteNames.forEach((name, k) => {
      const label = name.length > 18 ? `${name.slice(0, 17)}…` : name;
      parts.push(`<text x="${lx}" y="${height - 4}" font-size="11" fill="${SUITE_COLORS[k % SUITE_COLORS.length]}">— ${esc(label)}</text>`);
      lx += 22 + label.length * 6.5;
    });
  }
  parts.push('</svg>');
  return parts.join('\n');
}

/**
 * One or two plain lines for the terminal after a verify: parity then and now and the counts of
 * the regression lists, or `''` when the report has no regression section.
 */
export function renderRegressionTerminal(report: ParityReport): string {
  const r = report.regression;
  if (r === undefined) return '';
  const c = r.counts;
  const lists = [
    `${c.newlyDiffering} newly differing`,
    `${c.newlyPassing} newly passing`,
    `${c.changedDiffs} with changed differences`,
    ...(c.added > 0 ? [`${c.added} added`] : []),
    ...(c.removed > 0 ? [`${c.removed} removed`] : []),
  ];
  const dev = r.deviations;
  const devs = [
    ...(dev.added.length > 0 ? [`${dev.added.length} added`] : []),
    ...(dev.expired.length > 0 ? [`${dev.expired.length} expired`] : []),
    ...(dev.gone.length > 0 ? [`${dev.gone.length} gone`] : []),
  ];
  return (
    `Since ${formatTimestamp(r.previous.startedAt)} (${r.previous.source}): parity ${formatParity(r.parity.before)} → ${formatParity(r.parity.now)} (${parityDelta(r.parity.before, r.parity.now)}); ${lists.join(', ')}` +
    (devs.length > 0 ? `; deviations ${devs.join(', ')}` : '') +
    '\n'
  );
}
