import { describe, expect, it } from 'vitest';
import { analyzePerf, type PerfRound } from './analyze.ts';
import { seededRandom } from './stats.ts';

const budget = { maxSlowdown: 1.05, maxMemoryGrowth: null };

/** ABBA rounds of a CLI whose candidate takes `k` times the legacy's wall time (±1% noise). */
function cliRounds(n: number, k: number, rss = { legacy: 50e6, candidate: 50e6 }): PerfRound[] {
  const r = seededRandom(7);
  const jitter = () => 1 + (r() * 2 - 1) * 0.01;
  return Array.from({ length: n }, () => ({
    legacy: [
      { wallMs: 100 * jitter(), cpuMs: 40, peakRssBytes: rss.legacy },
      { wallMs: 100 * jitter(), cpuMs: 40, peakRssBytes: rss.legacy },
    ],
    candidate: [
      { wallMs: 100 * k * jitter(), cpuMs: 40 * k, peakRssBytes: rss.candidate },
      { wallMs: 100 * k * jitter(), cpuMs: 40 * k, peakRssBytes: rss.candidate },
    ],
  }));
}

describe('analyzePerf', () => {
  it('gates the primary metric of a CLI (wall time) and reports the others', () => {
    const a = analyzePerf('command', { kind: 'paired', rounds: cliRounds(8, 1.3) }, budget);
    expect(a.verdict).toBe('fail');
    const wall = a.metrics.find((m) => m.metric === 'wallMs')!;
    expect(wall.verdict).toBe('fail');
    expect(wall.budget).toBe(1.05);
    expect(wall.estimate!.ratio).toBeGreaterThan(1.27);
    expect(wall.estimate!.ratio).toBeLessThan(1.33);
    const cpu = a.metrics.find((m) => m.metric === 'cpuMs')!;
    expect(cpu.verdict).toBeUndefined();
    expect(cpu.estimate!.ratio).toBeCloseTo(1.3, 10);
  });

  it('gives the A/A noise floor: legacy last slot against legacy first slot', () => {
    const a = analyzePerf('command', { kind: 'paired', rounds: cliRounds(8, 1) }, budget);
    expect(a.verdict).toBe('pass');
    const aa = a.metrics.find((m) => m.metric === 'wallMs')!.aa!;
    // Both legacy slots carry the same ±1% noise: the A/A interval stays within it.
    expect(aa.lower).toBeGreaterThan(0.98);
    expect(aa.upper).toBeLessThan(1.02);
    expect(aa.lower).toBeLessThan(aa.upper);
  });

  it('gates peak RSS only when maxMemoryGrowth is set', () => {
    const rounds = cliRounds(6, 1, { legacy: 50e6, candidate: 80e6 });
    expect(analyzePerf('command', { kind: 'paired', rounds }, budget).verdict).toBe('pass');
    const gated = analyzePerf('command', { kind: 'paired', rounds }, { maxSlowdown: 1.05, maxMemoryGrowth: 1.2 });
    expect(gated.verdict).toBe('fail');
    expect(gated.metrics.find((m) => m.metric === 'peakRssBytes')!.verdict).toBe('fail');
  });

  it('uses throughput for services, and leaves zero counts without a ratio', () => {
    const r = seededRandom(9);
    const s = (tp: number) => ({ throughput: tp * (1 + (r() - 0.5) * 0.02), meanMs: 4000 / tp, p50Ms: 3, p90Ms: 5, p99Ms: 9, errors: 0, non2xx: 0 });
    const rounds: PerfRound[] = Array.from({ length: 6 }, () => ({ legacy: [s(1000), s(1000)], candidate: [s(1000), s(1000)] }));
    const a = analyzePerf('service', { kind: 'paired', rounds }, budget);
    expect(a.verdict).toBe('pass');
    expect(a.metrics[0].metric).toBe('throughput');
    const errors = a.metrics.find((m) => m.metric === 'errors')!;
    expect(errors.estimate).toBeUndefined();
    expect(errors.legacyMean).toBe(0);
    // peak RSS absent on both sides (no /proc): not listed, nothing gated on it.
    expect(a.metrics.find((m) => m.metric === 'peakRssBytes')).toBeUndefined();
  });

  it('compares unpaired stored legacy samples without an A/A', () => {
    const rounds = cliRounds(8, 1.3);
    const a = analyzePerf('command', { kind: 'unpaired', legacy: rounds.flatMap((x) => x.legacy), candidate: rounds.flatMap((x) => x.candidate) }, budget);
    expect(a.verdict).toBe('fail');
    const wall = a.metrics.find((m) => m.metric === 'wallMs')!;
    expect(wall.aa).toBeUndefined();
    expect(wall.estimate!.paired).toBe(false);
  });

  it('is inconclusive when the gated metric is missing on a side', () => {
    const rounds = cliRounds(4, 1).map((r) => ({ ...r, candidate: [{ cpuMs: 1 }, { cpuMs: 1 }] as PerfRound['candidate'] }));
    const a = analyzePerf('command', { kind: 'paired', rounds }, budget);
    expect(a.verdict).toBe('inconclusive');
  });
});

describe('A/A guard', () => {
  // The legacy's last slot of each round is 10% faster than its first: an unsteady machine.
  const unsteady = (k: number) => cliRounds(8, k).map((r) => ({ ...r, legacy: [r.legacy[0], { ...r.legacy[1], wallMs: r.legacy[1].wallMs! * 0.9 }] as PerfRound['legacy'] }));

  it('widens the interval by the legacy\'s own deviation: a small excess is held at inconclusive', () => {
    const wall = analyzePerf('command', { kind: 'paired', rounds: unsteady(1.05) }, budget).metrics.find((m) => m.metric === 'wallMs')!;
    expect(wall.estimate!.lower).toBeGreaterThan(1.05);
    expect(wall.unsteady).toBe(true);
    expect(wall.verdict).toBe('inconclusive');
  });

  it('still fails a slowdown much larger than the machine\'s drift', () => {
    const wall = analyzePerf('command', { kind: 'paired', rounds: unsteady(1.5) }, budget).metrics.find((m) => m.metric === 'wallMs')!;
    expect(wall.unsteady).toBe(true);
    expect(wall.verdict).toBe('fail');
  });
});
