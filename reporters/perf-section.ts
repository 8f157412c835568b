/**
 * The performance section of the reports (suites with `perf`, see harness/perf and
 * docs/performance.md): an HTML fragment with inline SVG charts (no network, no script), a
 * Markdown table, and one terminal line per scenario. Renderers only read `SuiteReport.perf`.
 */
import pc from 'picocolors';
import type { PerfMetricResult, PerfScenarioReport, PerfSuiteReport, LatencyDistribution, PerfTrendPoint } from '../harness/perf/model.ts';
import type { RatioEstimate } from '../harness/perf/stats.ts';
import type { ParityReport, SuiteReport } from './model.ts';

const VERDICT_COLOR: Record<string, string> = { pass: '#1a7f37', fail: '#cf222e', inconclusive: '#9a6700', error: '#cf222e' };
const LEGACY_COLOR = '#57606a';
const CANDIDATE_COLOR = '#0969da';

function esc(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!);
}

function pct(ratio: number): string {
  const d = (ratio - 1) * 100;
  return `${d >= 0 ? '+' : ''}${d.toFixed(1)}%`;
}

/** `1.031 [0.998, 1.064]`. */
function interval(e: RatioEstimate | undefined): string {
  return e ? `${e.ratio.toFixed(3)} [${e.lower.toFixed(3)}, ${e.upper.toFixed(3)}]` : '—';
}

function primaryOf(s: PerfScenarioReport): PerfMetricResult | undefined {
  return s.metrics.find((m) => m.metric === s.primary);
}

function memoryOf(s: PerfScenarioReport): PerfMetricResult | undefined {
  return s.metrics.find((m) => m.metric === 'peakRssBytes');
}

function formatValue(v: number, unit: PerfMetricResult['unit']): string {
  if (!Number.isFinite(v)) return '—';
  if (unit === 'bytes') return `${(v / 2 ** 20).toFixed(1)} MiB`;
  if (unit === 'req/s') return `${v.toFixed(0)} req/s`;
  if (unit === 'ms') return v < 10 ? `${v.toFixed(2)} ms` : `${v.toFixed(1)} ms`;
  return v.toFixed(1);
}

const METRIC_LABEL: Record<string, string> = {
  wallMs: 'wall time',
  cpuMs: 'CPU time',
  peakRssBytes: 'peak RSS',
  throughput: 'throughput',
  meanMs: 'mean latency',
  p50Ms: 'p50',
  p90Ms: 'p90',
  p99Ms: 'p99',
  errors: 'errors',
  non2xx: 'non-2xx',
};

function suitesWithPerf(report: ParityReport): Array<{ name: string; perf: PerfSuiteReport }> {
  return report.suites.filter((s) => s.perf).map((s) => ({ name: s.name, perf: s.perf! }));
}

/** True when a perf scenario failed its budget or could not be measured (verify exits 1). */
export function perfFails(report: ParityReport): boolean {
  return suitesWithPerf(report).some((s) => s.perf.scenarios.some((x) => x.verdict === 'fail' || x.verdict === 'error'));
}

// ---------------------------------------------------------------- terminal

/** One line per benchmarked scenario (verdict, primary ratio with its interval, budget, A/A),
 * plus the suite's warnings; empty when no suite has perf. */
export function renderPerfTerminal(report: ParityReport, options: { color?: boolean } = {}): string {
  const c = pc.createColors(options.color ?? false);
  const paint = (v: string) => (v === 'pass' ? c.green(v) : v === 'inconclusive' ? c.yellow(v) : c.red(v));
  const out: string[] = [];
  for (const { name, perf } of suitesWithPerf(report)) {
    out.push(`\n${c.bold(`Performance — ${name}`)} (budget ×${perf.options.maxSlowdown}, 90% intervals, ${perf.scenarios[0]?.legacySource === 'stored' ? 'stored legacy' : 'ABBA rounds'})`);
    for (const w of perf.warnings) out.push(c.yellow(`  warning: ${w}`));
    for (const s of perf.scenarios) {
      const p = primaryOf(s);
      if (s.verdict === 'error') {
        out.push(`  ${paint('error')} ${s.id}: ${(s.error ?? '').split('\n')[0]}`);
        continue;
      }
      // Two short lines (they fit 80 columns): the verdict and ratio, then rounds and the A/A.
      const aa = p?.aa ? ` · A/A ${interval(p.aa)}` : '';
      out.push(`  ${paint(s.verdict)} ${s.id}: ${METRIC_LABEL[s.primary]} ratio ${interval(p?.estimate)} (${p?.estimate ? pct(p.estimate.ratio) : '—'})`);
      out.push(`      ${s.rounds} rounds${aa}`);
      if (p?.unsteady) out.push(c.yellow('      machine unsteady: the legacy differed from itself (A/A), interval widened'));
    }
  }
  return out.length > 0 ? `${out.join('\n')}\n` : '';
}

// ---------------------------------------------------------------- markdown

/** The Markdown performance table of every suite with perf, as lines; `[]` when none has it. */
export function renderPerfMarkdown(report: ParityReport): string[] {
  const out: string[] = [];
  for (const { name, perf } of suitesWithPerf(report)) {
    out.push(`### Performance — ${name}`, '');
    out.push(`Budget: candidate/legacy ≤ ${perf.options.maxSlowdown}${perf.options.maxMemoryGrowth !== null ? `, peak RSS ≤ ${perf.options.maxMemoryGrowth}` : ''}. Ratios > 1: candidate slower. Intervals: 90% bootstrap; A/A = legacy vs itself (noise floor).`, '');
    for (const w of perf.warnings) out.push(`> ⚠️ ${w}`, '');
    out.push('| scenario | verdict | metric | legacy | candidate | ratio [90% CI] | A/A [90% CI] | rounds | peak RSS ratio |');
    out.push('|---|---|---|---|---|---|---|---|---|');
    for (const s of perf.scenarios) {
      const p = primaryOf(s);
      const m = memoryOf(s);
      if (s.verdict === 'error' || !p) {
        out.push(`| ${s.id} | error | — | — | — | — | — | ${s.rounds} | — |`);
        continue;
      }
      const v = s.verdict === 'pass' ? '✅ pass' : s.verdict === 'fail' ? '❌ fail' : p.unsteady ? '⚠️ inconclusive (unsteady machine)' : '⚠️ inconclusive';
      out.push(`| ${s.id} | ${v} | ${METRIC_LABEL[s.primary]} | ${formatValue(p.legacyMean, p.unit)} | ${formatValue(p.candidateMean, p.unit)} | ${interval(p.estimate)} | ${interval(p.aa)} | ${s.rounds}${s.legacySource === 'stored' ? ' (stored legacy)' : ''} | ${m ? interval(m.estimate) : '—'} |`);
    }
    out.push('');
  }
  return out;
}

// ---------------------------------------------------------------- HTML + SVG

/** A horizontal "forest" row on a log axis (so ×2 and ×0.5 are equally far from 1): the A/A
 * interval (grey), the candidate interval (verdict colour) with its point, the budget line
 * (red, dashed) and 1.0, with ticks at round ratios; all rows of a suite share the axis. */
function ratioSvg(p: PerfMetricResult, verdict: string, axis: { min: number; max: number }): string {
  const w = 420;
  const h = 48;
  const lmin = Math.log(axis.min);
  const lmax = Math.log(axis.max);
  const x = (r: number) => 10 + ((Math.log(Math.min(axis.max, Math.max(axis.min, r))) - lmin) / (lmax - lmin)) * (w - 20);
  const parts: string[] = [];
  for (const t of [0.25, 0.5, 0.8, 0.9, 1, 1.1, 1.25, 1.5, 2, 3, 5, 10, 20, 50]) {
    if (t < axis.min || t > axis.max) continue;
    parts.push(`<line x1="${x(t).toFixed(1)}" y1="6" x2="${x(t).toFixed(1)}" y2="${h - 12}" stroke="${t === 1 ? '#8c959f' : '#eaeef2'}" stroke-width="1"/>`);
    parts.push(`<text x="${x(t).toFixed(1)}" y="${h - 1}" font-size="9" text-anchor="middle" fill="#57606a">${t}</text>`);
  }
  if (p.budget !== undefined) {
    parts.push(`<line x1="${x(p.budget).toFixed(1)}" y1="2" x2="${x(p.budget).toFixed(1)}" y2="${h - 12}" stroke="#cf222e" stroke-dasharray="3 2" stroke-width="1.5"/>`);
    parts.push(`<text x="${(x(p.budget) + 3).toFixed(1)}" y="9" font-size="9" fill="#cf222e">budget ${p.budget}</text>`);
  }
  if (p.aa) {
    parts.push(`<line x1="${x(p.aa.lower).toFixed(1)}" y1="${h - 18}" x2="${x(p.aa.upper).toFixed(1)}" y2="${h - 18}" stroke="#afb8c1" stroke-width="5"><title>A/A ${interval(p.aa)}</title></line>`);
  }
  if (p.estimate) {
    const col = VERDICT_COLOR[verdict] ?? CANDIDATE_COLOR;
    parts.push(`<line x1="${x(p.estimate.lower).toFixed(1)}" y1="${h - 28}" x2="${x(p.estimate.upper).toFixed(1)}" y2="${h - 28}" stroke="${col}" stroke-width="5"><title>candidate/legacy ${interval(p.estimate)}</title></line>`);
    parts.push(`<circle cx="${x(p.estimate.ratio).toFixed(1)}" cy="${h - 28}" r="4" fill="#fff" stroke="${col}" stroke-width="2"/>`);
    parts.push(`<text x="${w - 4}" y="${h - 32}" font-size="10" text-anchor="end" fill="${col}">×${p.estimate.ratio.toFixed(3)}</text>`);
  }
  return `<svg class="pk-perf-ratio" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" role="img" aria-label="ratio ${esc(interval(p.estimate))}">${parts.join('')}</svg>`;
}

/** Percentile curves of both sides: x = percentile (evenly spaced labels), y = ms. */
function distributionSvg(d: { legacy: LatencyDistribution; candidate: LatencyDistribution }): string {
  const w = 300;
  const h = 130;
  const pad = { l: 40, r: 8, t: 8, b: 22 };
  const qs = d.legacy.points.map((p) => p.q);
  const all = [...d.legacy.points, ...d.candidate.points].map((p) => p.ms).filter(Number.isFinite);
  const max = Math.max(1e-3, ...all) * 1.1;
  const x = (i: number) => pad.l + (i / Math.max(1, qs.length - 1)) * (w - pad.l - pad.r);
  const y = (ms: number) => h - pad.b - (ms / max) * (h - pad.t - pad.b);
  const line = (dist: LatencyDistribution, col: string, label: string) => {
    const pts = dist.points.map((p, i) => `${x(i).toFixed(1)},${y(p.ms).toFixed(1)}`).join(' ');
    const dots = dist.points.map((p, i) => `<circle cx="${x(i).toFixed(1)}" cy="${y(p.ms).toFixed(1)}" r="2.5" fill="${col}"><title>${label} p${(p.q * 100).toFixed(1)}: ${p.ms.toFixed(3)} ms</title></circle>`).join('');
    return `<polyline points="${pts}" fill="none" stroke="${col}" stroke-width="2"/>${dots}`;
  };
  const labels = qs.map((q, i) => `<text x="${x(i).toFixed(1)}" y="${h - 8}" font-size="9" text-anchor="middle" fill="#57606a">p${+(q * 100).toFixed(1)}</text>`).join('');
  const axis = `<line x1="${pad.l}" y1="${h - pad.b}" x2="${w - pad.r}" y2="${h - pad.b}" stroke="#d0d7de"/><text x="2" y="${pad.t + 8}" font-size="9" fill="#57606a">${max.toFixed(max < 10 ? 2 : 0)} ms</text><text x="2" y="${h - pad.b}" font-size="9" fill="#57606a">0</text>`;
  const legend = `<text x="${pad.l + 4}" y="${pad.t + 8}" font-size="9" fill="${LEGACY_COLOR}">● legacy</text><text x="${pad.l + 54}" y="${pad.t + 8}" font-size="9" fill="${CANDIDATE_COLOR}">● candidate</text><text x="${w - pad.r}" y="${pad.t + 8}" font-size="9" text-anchor="end" fill="#57606a">${esc(d.candidate.source)}</text>`;
  return `<svg class="pk-perf-dist" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" role="img" aria-label="latency percentiles">${axis}${labels}${line(d.legacy, LEGACY_COLOR, 'legacy')}${line(d.candidate, CANDIDATE_COLOR, 'candidate')}${legend}</svg>`;
}

/** Two bars: legacy and candidate peak RSS. */
function memorySvg(m: PerfMetricResult): string {
  const w = 160;
  const h = 44;
  const max = Math.max(m.legacyMean, m.candidateMean, 1);
  const bar = (v: number, row: number, col: string, label: string) =>
    `<rect x="60" y="${4 + row * 18}" width="${((v / max) * (w - 64)).toFixed(1)}" height="12" fill="${col}"><title>${label}: ${formatValue(v, 'bytes')}</title></rect><text x="0" y="${14 + row * 18}" font-size="9" fill="#57606a">${label}</text>`;
  return `<svg class="pk-perf-mem" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" role="img" aria-label="peak RSS">${bar(m.legacyMean, 0, LEGACY_COLOR, 'legacy')}${bar(m.candidateMean, 1, CANDIDATE_COLOR, 'candidate')}</svg>`;
}

/** The primary ratio across runs: interval band, point, budget line. */
function trendSvg(trend: PerfTrendPoint[], budget: number): string {
  const w = 200;
  const h = 50;
  const lo = Math.min(0.9, ...trend.map((t) => t.lower));
  const hi = Math.max(budget * 1.05, ...trend.map((t) => t.upper));
  const x = (i: number) => 6 + (trend.length === 1 ? (w - 12) / 2 : (i / (trend.length - 1)) * (w - 12));
  const y = (r: number) => h - 4 - ((r - lo) / (hi - lo)) * (h - 8);
  const parts = [`<line x1="0" y1="${y(budget).toFixed(1)}" x2="${w}" y2="${y(budget).toFixed(1)}" stroke="#cf222e" stroke-dasharray="3 2"/>`];
  trend.forEach((t, i) => {
    const col = VERDICT_COLOR[t.verdict] ?? CANDIDATE_COLOR;
    parts.push(`<line x1="${x(i).toFixed(1)}" y1="${y(t.lower).toFixed(1)}" x2="${x(i).toFixed(1)}" y2="${y(t.upper).toFixed(1)}" stroke="${col}" stroke-width="3" opacity="0.5"/>`);
    parts.push(`<circle cx="${x(i).toFixed(1)}" cy="${y(t.ratio).toFixed(1)}" r="2.5" fill="${col}"><title>${esc(t.at)}: ${t.ratio.toFixed(3)} [${t.lower.toFixed(3)}, ${t.upper.toFixed(3)}] ${t.verdict}</title></circle>`);
  });
  if (trend.length > 1) parts.push(`<polyline points="${trend.map((t, i) => `${x(i).toFixed(1)},${y(t.ratio).toFixed(1)}`).join(' ')}" fill="none" stroke="#8c959f" stroke-width="1"/>`);
  return `<svg class="pk-perf-trend" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" role="img" aria-label="ratio trend over ${trend.length} runs">${parts.join('')}</svg>`;
}

function metricsTable(s: PerfScenarioReport): string {
  const rows = s.metrics
    .map((m) => `<tr><td>${esc(METRIC_LABEL[m.metric] ?? m.metric)}${m.budget !== undefined ? ' (gated)' : ''}</td><td>${esc(formatValue(m.legacyMean, m.unit))}</td><td>${esc(formatValue(m.candidateMean, m.unit))}</td><td>${esc(interval(m.estimate))}</td><td>${esc(interval(m.aa))}</td><td>${m.verdict ? esc(m.verdict) : ''}</td></tr>`)
    .join('');
  return `<table class="pk-perf-metrics"><thead><tr><th>metric</th><th>legacy</th><th>candidate</th><th>ratio [90% CI]</th><th>A/A [90% CI]</th><th>verdict</th></tr></thead><tbody>${rows}</tbody></table>`;
}

/**
 * The HTML performance section of one suite (a `<section>`, styles inline, charts as inline
 * SVG, everything from the report escaped; no script): a `SuiteSection` of reporters/html.ts.
 * `[]` when the suite has no perf.
 */
export function renderPerfHtml(suite: SuiteReport): string[] {
  const out: string[] = [];
  if (suite.perf) {
    const { name, perf } = suite;
    const gated = perf.scenarios.flatMap((s) => s.metrics.filter((m) => m.estimate && m.metric === s.primary));
    // A log axis shared by the suite's rows, from below the lowest bound to above the highest
    // (and the budget), capped at ×0.02–×50.
    const axis = {
      min: Math.max(0.02, Math.min(0.9, ...gated.flatMap((m) => [m.estimate!.lower, m.aa?.lower ?? 1])) * 0.97),
      max: Math.min(50, Math.max(perf.options.maxSlowdown * 1.1, ...gated.flatMap((m) => [m.estimate!.upper, m.aa?.upper ?? 1])) * 1.03),
    };
    const rows = perf.scenarios.map((s) => {
      const p = primaryOf(s);
      const m = memoryOf(s);
      const col = VERDICT_COLOR[s.verdict] ?? '#57606a';
      const held = p?.unsteady ? ' <small style="color:#9a6700">machine unsteady: the legacy differed from itself (A/A); the interval was widened by that before the verdict</small>' : '';
      const head = `<h4 id="perf-${esc(name)}-${esc(s.id)}" style="margin:12px 0 4px">${esc(s.id)} <span style="color:${col};font-weight:600">${esc(s.verdict)}</span>${held} <small style="color:#57606a">${esc(METRIC_LABEL[s.primary])} · ${s.rounds} rounds · legacy ${esc(s.legacySource)}</small></h4>`;
      if (s.verdict === 'error' || !p) return `<div class="pk-perf-scenario">${head}<pre style="white-space:pre-wrap">${esc(s.error ?? 'no figures')}</pre></div>`;
      const charts = [
        `<figure style="margin:0"><figcaption style="font-size:11px">ratio (candidate/legacy), 90% CI; grey: A/A</figcaption>${ratioSvg(p, s.verdict, axis)}</figure>`,
        s.distribution ? `<figure style="margin:0"><figcaption style="font-size:11px">${s.kind === 'command' ? 'wall time' : 'latency'} percentiles</figcaption>${distributionSvg(s.distribution)}</figure>` : '',
        m ? `<figure style="margin:0"><figcaption style="font-size:11px">peak RSS ${esc(interval(m.estimate))}</figcaption>${memorySvg(m)}</figure>` : '',
        s.trend && s.trend.length > 0 ? `<figure style="margin:0"><figcaption style="font-size:11px">trend, ${s.trend.length} run(s)</figcaption>${trendSvg(s.trend, perf.options.maxSlowdown)}</figure>` : '',
      ].join('');
      const series = (xs: number[]) => xs.map((x) => formatValue(x, p.unit)).join(', ');
      const samples = s.samples ? `<p style="font-size:11px;color:#57606a">${esc(METRIC_LABEL[s.primary])} of each measurement, in order — legacy: ${esc(series(s.samples.legacy))}; candidate: ${esc(series(s.samples.candidate))}</p>` : '';
      return `<div class="pk-perf-scenario">${head}<div style="display:flex;flex-wrap:wrap;gap:16px;align-items:flex-start">${charts}</div><details><summary>all metrics</summary>${metricsTable(s)}${samples}</details></div>`;
    });
    const warnings = perf.warnings.map((w) => `<p style="color:#9a6700">⚠ ${esc(w)}</p>`).join('');
    const o = perf.options;
    out.push(
      `<section class="pk-perf" id="perf-${esc(name)}"><h3>Performance — ${esc(name)} <span style="color:${VERDICT_COLOR[perf.verdict] ?? '#57606a'}">${esc(perf.verdict)}</span></h3>` +
        `<p style="font-size:12px;color:#57606a">Budget: candidate/legacy ≤ ${o.maxSlowdown}${o.maxMemoryGrowth !== null ? `, peak RSS ≤ ${o.maxMemoryGrowth}` : ''}. pass: the 90% interval lies below the budget; fail: above it; inconclusive: it straddles it. ` +
        `ABBA rounds ${o.rounds}–${o.maxRounds}. Machine: ${esc(perf.machine.cpuModel)}, ${perf.machine.cores} cores, ${esc(perf.machine.os)}, Node ${esc(perf.machine.node)}. See docs/performance.md.</p>${warnings}${rows.join('')}</section>`,
    );
  }
  return out;
}
