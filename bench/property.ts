/**
 * Benchmark of property checks (issue 6 §5): generated scenarios checked per second by
 * `runPropertyCheck` (generation, both targets run in fresh temp dirs, redaction, normalizing,
 * comparison of every channel) against a bare loop that runs the same legacy and candidate
 * commands on the same generated inputs (files written to a temp dir, both spawned, output
 * read and dropped, in the same minimal environment) with the same parallelism, as a ratio. Workload: the property fixture's
 * ledger CLI (test/fixtures/property, Node scripts) with an identical candidate, so every
 * check runs to the end and none shrinks.
 *
 * Run: `node_modules/.bin/node bench/property.ts` (prints JSON).
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { createFsBaselineStore } from '../baselines/store.ts';
import type { ResolvedSuite } from '../harness/config.ts';
import { defaultNormalizers } from '../harness/normalize/index.ts';
import { resolveDbOptions } from '../harness/compare/db.ts';
import { buildRunEnvironment } from '../recorders/process.ts';
import { runPropertyCheck, toPropertyScenario } from '../harness/property.ts';
import type { Scenario } from '../harness/model.ts';
import { fromRecordedArgs } from '../suites/arbitraries.ts';
import { scenarios } from '../test/fixtures/property/scenarios.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const fixture = path.join(root, 'test', 'fixtures', 'property');

/** Figures of one run. */
export interface PropertyBenchResult {
  /** Generated scenarios per measurement. */
  checks: number;
  /** Scenarios run at once, on both sides. */
  concurrency: number;
  rounds: number;
  /** Median wall time (ms) of `runPropertyCheck` over `checks` scenarios. */
  propertyMs: number;
  /** Median wall time (ms) of the bare loop over the same scenarios. */
  bareMs: number;
  /** checks ÷ seconds. */
  propertyPerSecond: number;
  barePerSecond: number;
  /** propertyPerSecond ÷ barePerSecond (1 = no overhead). */
  ratio: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function run(argv: string[], cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    // The environment paritykit gives a run (minimal: PATH, HOME, TZ, LANG…): the inherited one
    // can hold settings that slow every start down (NODE_EXTRA_CA_CERTS loads a CA bundle).
    const child = spawn(argv[0], argv.slice(1), { cwd, env: buildRunEnvironment(cwd), stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', () => undefined);
    child.stderr.on('data', () => undefined);
    child.on('error', reject);
    child.on('close', () => resolve());
  });
}

/** The bare loop: for each scenario, a temp dir with its files, legacy and candidate spawned. */
async function bareLoop(list: Scenario[], concurrency: number): Promise<number> {
  const t0 = performance.now();
  const script = path.join(fixture, 'ledger-legacy.mjs');
  for (let from = 0; from < list.length; from += concurrency) {
    await Promise.all(
      list.slice(from, from + concurrency).map(async (s) => {
        const dirs = await Promise.all([0, 1].map(() => mkdtemp(path.join(os.tmpdir(), 'paritykit-bare-'))));
        for (const dir of dirs) {
          for (const [name, content] of Object.entries(s.files ?? {})) {
            await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
            await writeFile(path.join(dir, name), content);
          }
        }
        await Promise.all(dirs.map((dir) => run([process.execPath, script, ...(s.args ?? [])], dir)));
        await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
      }),
    );
  }
  return performance.now() - t0;
}

/**
 * Measures both, alternately (ABBA over `rounds`), on `checks` scenarios generated with a fixed seed.
 *
 * @throws Error when a property run reports an error or a counterexample (the candidate is
 * identical to the legacy, so either is a bug).
 */
export async function benchProperty(options: { checks?: number; rounds?: number } = {}): Promise<PropertyBenchResult> {
  const checks = options.checks ?? Number(process.env.BENCH_PROPERTY_CHECKS ?? 60);
  const rounds = options.rounds ?? 3;
  const concurrency = os.availableParallelism();
  const inputs = fromRecordedArgs(scenarios);
  const command = { command: [process.execPath, 'ledger-legacy.mjs'], cwd: fixture };
  const suite: ResolvedSuite = {
    name: 'bench', kind: 'command', rootDir: fixture, legacy: command, candidate: command, scenarios,
    normalize: defaultNormalizers(), redact: [], redactDefaults: true, csvKeys: {}, concurrency, timeoutMs: 30_000, reruns: 0, db: resolveDbOptions(undefined),
    property: { inputs, numRuns: checks, seed: 7 },
  };
  const generated = fc.sample(inputs, { seed: 7, numRuns: checks }).map((v) => toPropertyScenario(suite, v));
  const dir = await mkdtemp(path.join(os.tmpdir(), 'paritykit-bench-property-'));
  const store = createFsBaselineStore(dir);
  const ours: number[] = [];
  const bare: number[] = [];
  const property = async () => {
    const t0 = performance.now();
    const r = await runPropertyCheck(suite, { store, ci: true });
    if (r.error || r.counterexamples.length > 0 || r.runs !== checks) throw new Error(`property bench: unexpected result: ${r.note}`);
    return performance.now() - t0;
  };
  try {
    for (let round = 0; round < rounds; round++) {
      if (round % 2 === 0) {
        ours.push(await property());
        bare.push(await bareLoop(generated, concurrency));
      } else {
        bare.push(await bareLoop(generated, concurrency));
        ours.push(await property());
      }
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  const propertyMs = median(ours);
  const bareMs = median(bare);
  const propertyPerSecond = checks / (propertyMs / 1000);
  const barePerSecond = checks / (bareMs / 1000);
  return { checks, concurrency, rounds, propertyMs, bareMs, propertyPerSecond, barePerSecond, ratio: propertyPerSecond / barePerSecond };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  console.log(JSON.stringify(await benchProperty(), null, 2));
}

/** The docs/benchmarks.md section of a result (used by bench/run.ts). */
export function propertySection(r: PropertyBenchResult): string[] {
  const fmt = (ms: number) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`);
  return [
    `## (f) Property checks: generated scenarios checked per second vs a bare loop`,
    '',
    `bench/property.ts: ${r.checks} scenarios generated by \`fromRecordedArgs\` (seed 7) from the property`,
    'fixture\'s recorded scenarios (test/fixtures/property: a Node ledger CLI; the candidate is the',
    'legacy, so no check fails or shrinks). paritykit: `runPropertyCheck` (generation, both sides in',
    'fresh temp dirs, redaction, normalizing, comparison of every channel). Bare loop: the same',
    `generated inputs, files written to a temp dir per side, both commands spawned and their output`,
    `read, with the same parallelism (${r.concurrency} at a time). ${r.rounds} alternating rounds, medians.`,
    '',
    '| paritykit | bare loop | checks/s paritykit | checks/s bare | ratio |',
    '|---|---|---|---|---|',
    `| ${fmt(r.propertyMs)} | ${fmt(r.bareMs)} | ${r.propertyPerSecond.toFixed(1)} | ${r.barePerSecond.toFixed(1)} | **${r.ratio.toFixed(2)}×** |`,
    '',
    'Both spawn with paritykit\'s minimal environment. A ratio above 1 means no measurable overhead:',
    'paritykit prepares each side (temp dir, seed files, snapshot) independently, so one side\'s',
    'process starts while the other is still being prepared, where the bare loop prepares both first.',
    '',
  ];
}
