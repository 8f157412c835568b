/**
 * Benchmark: paritykit's text comparator against GNU `diff -u` on the DESIGN.md pitfall case —
 * two 50,000-line texts where one third of the lines changed, spread through the file.
 *
 * Rounds alternate (paritykit, diff, paritykit, diff, …) so drift in machine load hits both
 * sides alike; each side's figure is the median of its rounds. `diff` is timed as a whole
 * process (spawn to exit, output read through a pipe), paritykit as the `compareText` call.
 *
 * Run: `node_modules/.bin/node bench/text-diff.ts` (prints JSON).
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compareText } from '../harness/compare/text.ts';

/** Figures of one benchmark run. Times are medians in ms; `ratio` = paritykitMs ÷ gnuDiffMs. */
export interface TextDiffBenchResult {
  lines: number;
  changedFraction: number;
  paritykitMs: number;
  gnuDiffMs: number;
  ratio: number;
}

const LINES = 50_000;
const CHANGED_FRACTION = 1 / 3;
const ROUNDS = 5;
const SEED = 0x5eed;

/** mulberry32 (Tommy Ettinger's 32-bit PRNG): deterministic numbers in [0, 1) from a seed. */
function mulberry32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Builds the two texts: report-like lines (`000123 order 9f3a… qty=4 amount=12.34 status=paid`),
 * and a candidate where exactly `round(lines × changedFraction)` lines, chosen by a seeded
 * shuffle (so spread through the file), have a different amount.
 */
export function makeTexts(lines: number, changedFraction: number, seed: number): { legacy: string; candidate: string } {
  const random = mulberry32(seed);
  const statuses = ['paid', 'open', 'void', 'refunded'];
  const legacy: string[] = [];
  for (let i = 0; i < lines; i++) {
    const ref = Math.floor(random() * 0xffffffff).toString(16).padStart(8, '0');
    const qty = 1 + Math.floor(random() * 9);
    const amount = (random() * 1000).toFixed(2);
    const status = statuses[Math.floor(random() * statuses.length)];
    legacy.push(`${String(i + 1).padStart(6, '0')} order ${ref} qty=${qty} amount=${amount} status=${status}`);
  }
  const order = Array.from({ length: lines }, (_, i) => i);
  const changed = Math.round(lines * changedFraction);
  for (let i = 0; i < changed; i++) {
    const k = i + Math.floor(random() * (lines - i));
    [order[i], order[k]] = [order[k], order[i]];
  }
  const candidate = legacy.slice();
  for (let i = 0; i < changed; i++) {
    const at = order[i];
    candidate[at] = candidate[at].replace(/amount=[\d.]+/, `amount=${(random() * 1000).toFixed(3)}`);
  }
  return { legacy: `${legacy.join('\n')}\n`, candidate: `${candidate.join('\n')}\n` };
}

/** Runs GNU `diff -u` on two files; resolves with its wall time (ms). Exit 1 (differences) is expected. */
function timeGnuDiff(legacyPath: string, candidatePath: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn('diff', ['-u', legacyPath, candidatePath], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.resume();
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', (error) => reject(new Error(`bench/text-diff: cannot run GNU diff (${error.message}); install diffutils`)));
    child.on('close', (code) => {
      const elapsed = performance.now() - started;
      if (code === 0 || code === 1) resolve(elapsed);
      else reject(new Error(`bench/text-diff: diff exited ${code}: ${stderr.trim()}`));
    });
  });
}

function median(values: number[]): number {
  const sorted = values.slice().sort((x, y) => x - y);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * Times `compareText` and GNU `diff -u` on the 50,000-line, one-third-changed texts,
 * {@link ROUNDS} alternating rounds each, after one untimed warm-up of each.
 *
 * @returns medians (ms) and their ratio (paritykit ÷ GNU diff).
 * @throws Error when GNU `diff` cannot be run or fails (exit > 1), or when `compareText` finds no difference.
 */
export async function benchTextDiff(): Promise<TextDiffBenchResult> {
  const { legacy, candidate } = makeTexts(LINES, CHANGED_FRACTION, SEED);
  const dir = await mkdtemp(join(tmpdir(), 'paritykit-bench-text-'));
  try {
    const legacyPath = join(dir, 'legacy.txt');
    const candidatePath = join(dir, 'candidate.txt');
    await writeFile(legacyPath, legacy);
    await writeFile(candidatePath, candidate);

    const runParitykit = (): number => {
      const started = performance.now();
      const difference = compareText(legacy, candidate);
      const elapsed = performance.now() - started;
      if (!difference) throw new Error('bench/text-diff: compareText found no difference between the generated texts');
      return elapsed;
    };
    runParitykit();
    await timeGnuDiff(legacyPath, candidatePath);

    const ours: number[] = [];
    const gnu: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      ours.push(runParitykit());
      gnu.push(await timeGnuDiff(legacyPath, candidatePath));
    }
    const paritykitMs = median(ours);
    const gnuDiffMs = median(gnu);
    return { lines: LINES, changedFraction: CHANGED_FRACTION, paritykitMs, gnuDiffMs, ratio: paritykitMs / gnuDiffMs };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const result = await benchTextDiff();
  console.log(JSON.stringify(result, null, 2));
}
