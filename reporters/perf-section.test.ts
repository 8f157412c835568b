import { describe, expect, it } from 'vitest';
import { analyzePerf, type PerfRound } from '../harness/perf/analyze.ts';
import { resolvePerfOptions } from '../harness/perf/options.ts';
import type { PerfScenarioReport, PerfSuiteReport } from '../harness/perf/model.ts';
import { seededRandom } from '../harness/perf/stats.ts';
import { sampleReport } from './fixtures.ts';
import { renderHtml } from './html.ts';
import { renderMarkdown } from './markdown.ts';
import { perfFails, renderPerfHtml, renderPerfMarkdown, renderPerfTerminal } from './perf-section.ts';
import type { ParityReport } from './model.ts';

function rounds(k: number): PerfRound[] {
  const r = seededRandom(3);
  const j = () => 1 + (r() - 0.5) * 0.02;
  return Array.from({ length: 6 }, () => ({
    legacy: [{ wallMs: 50 * j(), cpuMs: 10, peakRssBytes: 4e6 }, { wallMs: 50 * j(), cpuMs: 10, peakRssBytes: 4e6 }],
    candidate: [{ wallMs: 50 * k * j(), cpuMs: 10, peakRssBytes: 5e6 }, { wallMs: 50 * k * j(), cpuMs: 10, peakRssBytes: 5e6 }],
  }));
}

function scenario(id: string, k: number): PerfScenarioReport {
  const a = analyzePerf('command', { kind: 'paired', rounds: rounds(k) }, { maxSlowdown: 1.05, maxMemoryGrowth: null });
  return {
    id,
    kind: 'command',
    verdict: a.verdict,
    legacySource: 'live',
    primary: 'wallMs',
    rounds: 6,
    metrics: a.metrics,
    distribution: {
      legacy: { source: 'spawn', points: [{ q: 0.5, ms: 50 }, { q: 0.9, ms: 52 }] },
      candidate: { source: 'spawn', points: [{ q: 0.5, ms: 50 * k }, { q: 0.9, ms: 52 * k }] },
    },
    trend: [
      { at: '2026-01-01T00:00:00Z', ratio: 1.01, lower: 0.99, upper: 1.03, verdict: 'pass' },
      { at: '2026-01-02T00:00:00Z', ratio: k, lower: k - 0.02, upper: k + 0.02, verdict: a.verdict },
    ],
  };
}

function withPerf(scenarios: PerfScenarioReport[], warnings: string[] = []): ParityReport {
  const report = sampleReport();
  const perf: PerfSuiteReport = {
    verdict: scenarios.some((s) => s.verdict === 'fail') ? 'fail' : 'pass',
    options: resolvePerfOptions({}),
    machine: { cpuModel: 'Test CPU', cores: 4, memoryBytes: 8 * 2 ** 30, os: 'linux 6 x64', node: 'v24.0.0' },
    warnings,
    scenarios,
    durationMs: 1000,
  };
  report.suites[0] = { ...report.suites[0], perf };
  return report;
}

describe('perf section', () => {
  const report = withPerf([scenario('fast-path', 1.0), scenario('slow-<path>', 1.3)], ['stored figures come from another machine']);

  it('renders HTML with inline SVG charts (ratio, distribution, memory, trend) and escapes ids', () => {
    const html = renderPerfHtml(report.suites[0]).join('\n');
    expect(html).toContain('<section class="pk-perf"');
    expect(html.match(/class="pk-perf-ratio"/g)).toHaveLength(2);
    expect(html.match(/class="pk-perf-dist"/g)).toHaveLength(2);
    expect(html.match(/class="pk-perf-mem"/g)).toHaveLength(2);
    expect(html.match(/class="pk-perf-trend"/g)).toHaveLength(2);
    expect(html).toContain('slow-&lt;path&gt;');
    expect(html).not.toContain('slow-<path>');
    expect(html).not.toMatch(/<script|https?:\/\//);
    expect(html).toContain('stored figures come from another machine');
    expect(renderPerfHtml(sampleReport().suites[0])).toEqual([]);
  });

  it('is part of the full HTML page and the Markdown summary', () => {
    expect(renderHtml(report)).toContain('class="pk-perf-ratio"');
    const md = renderMarkdown(report);
    expect(md).toContain('### Performance');
    expect(md).toMatch(/\| fast-path \| ✅ pass \| wall time \|/);
    expect(md).toMatch(/\| slow-<path> \| ❌ fail \|/);
  });

  it('Markdown rows carry the ratio with its interval and the A/A', () => {
    const lines = renderPerfMarkdown(report);
    const slow = lines.find((l) => l.startsWith('| slow-'))!;
    expect(slow).toMatch(/\| 1\.[23]\d\d \[1\.\d{3}, 1\.\d{3}\] \| 0\.9\d\d \[|\| 1\.[23]\d\d \[1\.\d{3}, 1\.\d{3}\] \| 1\.0\d\d \[/);
    expect(lines.join('\n')).toContain('stored figures come from another machine');
  });

  it('prints one terminal line per scenario, and a fail fails the run', () => {
    const text = renderPerfTerminal(report);
    expect(text.split('\n').filter((l) => /^ {2}(pass|fail|inconclusive|error) /.test(l))).toHaveLength(2);
    expect(text).toMatch(/fail slow-<path>: wall time ratio 1\.\d{3} \[/);
    expect(perfFails(report)).toBe(true);
    expect(perfFails(withPerf([scenario('fast-path', 1.0)]))).toBe(false);
    expect(renderPerfTerminal(sampleReport())).toBe('');
  });
});
