/**
 * The property section of the reports (issue 6): per suite with a property check, the runs,
 * time, seed and path, the replay command, and each counterexample with its shrunk input, both
 * outputs, the differences, and whether it is now a saved scenario. HTML (a `SuiteSection` of
 * reporters/html.ts), Markdown (summary.md) and terminal renderings of the same
 * `SuiteReport.property` (harness/property.ts); none recomputes anything.
 */
import YAML from 'yaml';
import { createColors } from 'picocolors';
import type { PropertyCounterexample, PropertyOutput, PropertyReport } from '../harness/property.ts';
import type { ParityReport, SuiteReport } from './model.ts';
import { escapeHtml } from './html.ts';
import { escapeInline, fenced } from './markdown.ts';
import { channelLabel, formatDuration } from './format.ts';

/** Lines of a diff or output shown per block in Markdown. */
const MARKDOWN_MAX_LINES = 40;

/** The scenario input as YAML (the form scenario files use), without the id and tags. */
export function inputYaml(input: PropertyCounterexample['input']): string {
  const { id: _id, tags: _tags, ...rest } = input;
  return YAML.stringify(rest, { lineWidth: 0 });
}

/** One-line facts of a property run: `57 runs · 4.2 s · seed 42 · path 3:1:0 · 12 shrinks`. */
export function propertyFacts(p: PropertyReport): string {
  return [
    `${p.runs} ${p.runs === 1 ? 'run' : 'runs'}`,
    formatDuration(p.durationMs),
    `seed ${p.seed}`,
    p.path ? `path ${p.path}` : null,
    p.shrinks > 0 ? `${p.shrinks} shrink${p.shrinks === 1 ? '' : 's'}` : null,
    p.interrupted ? 'time budget reached' : null,
  ].filter((x): x is string => x !== null).join(' · ');
}

function outputText(o: PropertyOutput): string {
  const parts = [`exit ${o.exit === null ? '—' : o.exit}`];
  if (o.error) parts.push(`error: ${o.error}`);
  if (o.stdout) parts.push(`stdout:\n${o.stdout}`);
  if (o.stderr) parts.push(`stderr:\n${o.stderr}`);
  if (o.files.length > 0) parts.push(`files: ${o.files.join(', ')}`);
  return parts.join('\n');
}

function differing(cx: PropertyCounterexample) {
  return cx.channels.filter((c) => c.verdict === 'diff');
}

function savedText(cx: PropertyCounterexample): string {
  return cx.saved ? `saved as baseline scenario ${cx.id}` : `not saved (${cx.notSaved ?? 'unknown reason'})`;
}

/**
 * HTML section for one suite (a reporters/html.ts `SuiteSection`): static, escaped markup; `[]`
 * when the suite ran no property check.
 */
export function renderPropertyHtml(suite: SuiteReport): string[] {
  const p = suite.property;
  if (!p) return [];
  const out = [
    `<section class="property" id="property-${escapeHtml(suite.name)}">`,
    `<h2>Property checks — ${escapeHtml(suite.name)}</h2>`,
    `<p>${escapeHtml(propertyFacts(p))}</p>`,
    `<p class="${p.counterexamples.length > 0 || p.error ? 'bad' : 'muted'}">${escapeHtml(p.note)}</p>`,
    `<p>Replay: <code>${escapeHtml(p.replay)}</code></p>`,
  ];
  if (p.noisePaths.length > 0) out.push(`<p class="muted">Masked as legacy noise: ${p.noisePaths.map((x) => `<code>${escapeHtml(x)}</code>`).join(' ')}</p>`);
  if (p.error) out.push(`<pre>${escapeHtml(p.error)}</pre>`);
  for (const cx of p.counterexamples) {
    out.push(
      '<details open>',
      `<summary><strong>${escapeHtml(cx.id)}</strong> — ${escapeHtml(savedText(cx))}</summary>`,
      '<h3>Shrunk input</h3>',
      `<pre>${escapeHtml(inputYaml(cx.input))}</pre>`,
    );
    for (const c of differing(cx)) {
      out.push(`<h3>${escapeHtml(channelLabel(c))}: ${escapeHtml(c.difference?.summary ?? 'differs')}</h3>`, `<pre>${escapeHtml(c.difference?.unified ?? '')}</pre>`);
    }
    out.push(
      '<table class="grid"><thead><tr><th>legacy</th><th>candidate</th></tr></thead><tbody><tr>',
      `<td><pre>${escapeHtml(outputText(cx.legacy))}</pre></td><td><pre>${escapeHtml(outputText(cx.candidate))}</pre></td>`,
      '</tr></tbody></table>',
      '</details>',
    );
  }
  out.push('</section>');
  return out;
}

/** Markdown lines of every suite's property section (for summary.md); `[]` when none ran. */
export function renderPropertyMarkdown(report: ParityReport): string[] {
  const suites = report.suites.filter((s) => s.property);
  if (suites.length === 0) return [];
  const out = ['### Property checks', ''];
  for (const suite of suites) {
    const p = suite.property!;
    out.push(`**${escapeInline(suite.name)}**: ${escapeInline(propertyFacts(p))}. ${escapeInline(p.note)}.`, '', 'Replay:', '', ...fenced(p.replay, 'sh', 2), '');
    for (const cx of p.counterexamples) {
      out.push(`- ${cx.saved ? '💾' : '⚠️'} ${escapeInline(cx.id)}: ${escapeInline(savedText(cx))}`, '');
      out.push(...fenced(inputYaml(cx.input), 'yaml', MARKDOWN_MAX_LINES), '');
      for (const c of differing(cx)) {
        out.push(`${escapeInline(channelLabel(c))}: ${escapeInline(c.difference?.summary ?? 'differs')}`, '', ...fenced(c.difference?.unified ?? '', 'diff', MARKDOWN_MAX_LINES), '');
      }
    }
  }
  return out;
}

/** Terminal lines for the property checks of a run: facts, counterexamples and the replay
 * command of each suite; `''` when no suite ran one. */
export function renderPropertyTerminal(report: ParityReport, options: { color?: boolean; width?: number } = {}): string {
  const c = createColors(options.color ?? false);
  const width = options.width ?? 80;
  const lines: string[] = [];
  // Prose is wrapped at `width` (continuation lines indented 4); the replay command is kept whole
  // so it can be copied.
  const wrap = (text: string, indent: string): string[] => {
    const out: string[] = [];
    let line = indent;
    for (const word of text.split(' ')) {
      if (line.trim().length > 0 && line.length + 1 + word.length > width) {
        out.push(line);
        line = `${indent}  ${word}`;
      } else {
        line = line.trim().length > 0 ? `${line} ${word}` : `${line}${word}`;
      }
    }
    out.push(line);
    return out;
  };
  for (const suite of report.suites) {
    const p = suite.property;
    if (!p) continue;
    const bad = p.counterexamples.length > 0 || p.error;
    lines.push(`${c.bold(`property ${suite.name}`)}: ${propertyFacts(p)}`);
    const paint = bad ? c.red : p.legacyRunnable ? c.green : c.yellow;
    for (const l of wrap(p.note, '  ')) lines.push(paint(l));
    for (const cx of p.counterexamples) {
      lines.push(...wrap(`counterexample ${cx.id} (${savedText(cx)}):`, '  '));
      for (const l of inputYaml(cx.input).trimEnd().split('\n').slice(0, 20)) lines.push(`    ${l}`);
      for (const d of differing(cx)) lines.push(...wrap(`${channelLabel(d)}: ${d.difference?.summary ?? 'differs'}`, '  '));
    }
    lines.push(`  replay: ${p.replay}`);
  }
  return lines.length > 0 ? `\n${lines.join('\n')}\n` : '';
}
