/**
 * Measuring a CLI scenario: the command spawned repeatedly through the runner's one path
 * (`runScenario` → the process recorder), for wall time, CPU time (user + sys) and peak RSS.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { ResolvedSuite } from '../config.ts';
import { ParityError } from '../errors.ts';
import type { CommandTarget, Scenario } from '../model.ts';
import { runScenario } from '../runner.ts';
import type { PerfMeasurement } from './model.ts';
import { spawnDistribution } from './load.ts';
import { mean, quantile } from './stats.ts';

let clockTicks: number | undefined;

/** Clock ticks per second of /proc's CPU times (`getconf CLK_TCK`; 100 when unknown). */
function ticksPerSecond(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/**
 * CPU time (user + sys, ms) of this process's children that have ended and been waited for:
 * `cutime + cstime` of `/proc/self/stat` (proc(5), fields 16 and 17). A child's CPU time
 * (with that of its own waited-for descendants) is added once Node reaps it, so the delta
 * across one run is that run's CPU time, at the clock-tick resolution (usually 10 ms; a mean
 * over many runs resolves finer). `null` without /proc.
 */
export function childrenCpuMs(): number | null {
  try {
    const stat = readFileSync('/proc/self/stat', 'latin1');
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // rest[0] is field 3 (state), so fields 16 and 17 are rest[13] and rest[14].
    return ((Number(rest[13]) + Number(rest[14])) * 1000) / ticksPerSecond();
  } catch {
    return null;
  }
}

/**
 * One measurement of a CLI scenario: `runs` runs of the command, one after another; the
 * sample is the median wall time (ms, spawn to exit, from the process recorder; the median so
 * that one run delayed by the scheduler does not move it), mean CPU time
 * (ms, see {@link childrenCpuMs}) and mean peak RSS (bytes, sampled from /proc every 15 ms;
 * absent when no run lived long enough to be sampled). The distribution is the runs' wall
 * times. Runs must not overlap with other children of this process (perf runs are sequential).
 *
 * @throws ParityError `TARGET_FAILED` when a run times out or cannot be spawned: its figures
 *   would mean nothing.
 */
export async function measureCommand(target: CommandTarget, scenario: Scenario, suite: Pick<ResolvedSuite, 'timeoutMs' | 'rootDir'>, runs: number): Promise<PerfMeasurement> {
  const wall: number[] = [];
  const cpu: number[] = [];
  const rss: number[] = [];
  for (let i = 0; i < Math.max(1, runs); i++) {
    const before = childrenCpuMs();
    const obs = await runScenario({ ...target, cwd: target.cwd ?? suite.rootDir }, scenario, suite);
    const after = childrenCpuMs();
    if (obs.exit.timedOut) {
      throw new ParityError('TARGET_FAILED', `perf: scenario "${scenario.id}" timed out on ${target.command.join(' ')}; raise its timeoutMs or drop it from perf.scenarios`);
    }
    wall.push(obs.timing.durationMs);
    if (before !== null && after !== null) cpu.push(after - before);
    if (obs.timing.peakRssBytes !== null) rss.push(obs.timing.peakRssBytes);
  }
  return {
    sample: {
      // The median of the runs: one run delayed by the scheduler does not move the sample.
      wallMs: quantile(wall, 0.5),
      ...(cpu.length > 0 ? { cpuMs: mean(cpu) } : {}),
      ...(rss.length > 0 ? { peakRssBytes: mean(rss) } : {}),
    },
    distribution: spawnDistribution(wall),
  };
}
