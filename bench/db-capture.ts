/**
 * Benchmark of the `db` channel's capture (issue 4 §5): a 100,000-row INSERT on the embedded
 * PostgreSQL, timed with capture (slot creation, the insert, and `finish()`: flushing, reading
 * the decoding output through the cursor, parsing into typed events) against the same insert
 * without capture, in alternating rounds (ABAB…) on fresh clones of one template; the figure
 * is the ratio of the medians (target ≤ 1.5).
 *
 * Memory: the captured run is repeated in a child process (nothing else in its heap), once
 * with the default FETCH batch and once reading everything in one batch, sampling
 * `process.memoryUsage()` every 5 ms; reported are the peak heap above the heap before the
 * capture, and the process's peak RSS (`resourceUsage().maxRSS`).
 *
 * Run: `node_modules/.bin/node bench/db-capture.ts` (prints JSON). `BENCH_DB_ROWS` (default
 * 100,000) and `BENCH_DB_ROUNDS` (default 5) change the size.
 */
import { spawnSync } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { FETCH_BATCH_ROWS, startDbCapture } from '../recorders/db-capture.ts';
import { startDatabaseProvider } from '../recorders/postgres.ts';

const ROWS = Number(process.env.BENCH_DB_ROWS ?? 100_000);
const ROUNDS = Number(process.env.BENCH_DB_ROUNDS ?? 5);

const FIXTURE = `CREATE TABLE bench_rows (id int PRIMARY KEY, name text NOT NULL, qty int, price numeric(10,2), tags text[], created timestamptz);`;
const INSERT = (rows: number): string =>
  `INSERT INTO bench_rows SELECT i, 'name ' || i, i % 100, i * 1.5, ARRAY['a', 'b' || i], '2024-01-01'::timestamptz + i * interval '1 second' FROM generate_series(1, ${rows}) AS i`;

/** How the 100,000 rows are inserted: `server` — one `INSERT … SELECT generate_series` (the
 * server makes the rows itself: the harshest case, the insert costs almost nothing); `client` —
 * the rows sent by the client as an application does, 1,000 rows per parameterized INSERT. */
export type InsertMode = 'server' | 'client';

async function insertRows(url: string, mode: InsertMode, rows: number): Promise<void> {
  if (mode === 'server') return run(url, INSERT(rows));
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const batch = 1000;
    for (let start = 1; start <= rows; start += batch) {
      const values: unknown[] = [];
      const tuples: string[] = [];
      for (let i = start; i < Math.min(start + batch, rows + 1); i++) {
        const b = values.length;
        tuples.push(`($${b + 1}, $${b + 2}, $${b + 3}, $${b + 4}, $${b + 5}, $${b + 6})`);
        values.push(i, `name ${i}`, i % 100, (i * 1.5).toFixed(2), ['a', `b${i}`], new Date(Date.UTC(2024, 0, 1) + i * 1000).toISOString());
      }
      await client.query(`INSERT INTO bench_rows VALUES ${tuples.join(', ')}`, values);
    }
  } finally {
    await client.end();
  }
}

/** Peak memory of one captured insert, measured in a child process. */
export interface CaptureMemory {
  /** Rows per FETCH. */
  batchRows: number;
  /** Peak `heapUsed` minus `heapUsed` before the capture started (bytes). */
  peakHeapBytes: number;
  /** Peak resident set size of the whole child process (bytes). */
  maxRssBytes: number;
  /** Events returned by finish(). */
  events: number;
}

/** Figures of one run. */
export interface DbCaptureBenchResult {
  /** How the rows were inserted (see {@link InsertMode}). */
  mode: InsertMode;
  rows: number;
  rounds: number;
  /** Median of the insert alone (ms). */
  insertMs: number;
  /** Median of start + insert + finish (ms). */
  capturedMs: number;
  /** capturedMs / insertMs. */
  ratio: number;
  /** Median time of finish() alone (ms). */
  finishMs: number;
  /** Median CPU time (user + system) this process spent in finish(): parsing and typing (ms). */
  finishCpuMs: number;
  /** 1-minute load average at the end (context: the machines are shared). */
  loadAverage: number;
  memory: CaptureMemory[];
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

async function run(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** Runs the benchmark: its own embedded server, stopped at the end. */
export async function benchDbCapture(mode: InsertMode = 'server'): Promise<DbCaptureBenchResult> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'paritykit-bench-db-'));
  if (process.getuid?.() === 0) await chmod(root, 0o755);
  await writeFile(path.join(root, 'fixture.sql'), FIXTURE);
  const provider = await startDatabaseProvider({}, { rootDir: root });
  try {
    await provider.prepareTemplate('bench', ['fixture.sql']);
    const plain: number[] = [];
    const captured: number[] = [];
    const finishes: number[] = [];
    const finishCpu: number[] = [];
    const once = async (capture: boolean): Promise<void> => {
      const db = await provider.cloneDatabase('bench', 'bench');
      try {
        const t0 = performance.now();
        const c = capture ? await startDbCapture(db.url, { method: 'logical' }) : undefined;
        await insertRows(db.url, mode, ROWS);
        if (c) {
          const f0 = performance.now();
          const cpu0 = process.cpuUsage();
          const observed = await c.finish();
          finishes.push(performance.now() - f0);
          const cpu = process.cpuUsage(cpu0);
          finishCpu.push((cpu.user + cpu.system) / 1000);
          if (observed.changes.length !== ROWS) throw new Error(`captured ${observed.changes.length} events, expected ${ROWS}`);
        }
        (capture ? captured : plain).push(performance.now() - t0);
      } finally {
        await db.drop();
      }
    };
    await once(false); // warm-up: server caches, JIT
    await once(true);
    plain.length = 0;
    captured.length = 0;
    finishes.length = 0;
    finishCpu.length = 0;
    for (let round = 0; round < ROUNDS; round += 1) {
      await once(round % 2 === 1);
      await once(round % 2 === 0);
    }
    const memory: CaptureMemory[] = [];
    for (const batchRows of [FETCH_BATCH_ROWS, ROWS]) {
      const db = await provider.cloneDatabase('bench', 'bench');
      try {
        const child = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--memory', db.url, String(batchRows)], { encoding: 'utf8' });
        if (child.status !== 0) throw new Error(`memory child failed: ${child.stderr}`);
        memory.push(JSON.parse(child.stdout) as CaptureMemory);
      } finally {
        await db.drop();
      }
    }
    const insertMs = median(plain);
    const capturedMs = median(captured);
    return { mode, rows: ROWS, rounds: ROUNDS, insertMs, capturedMs, ratio: capturedMs / insertMs, finishMs: median(finishes), finishCpuMs: median(finishCpu), loadAverage: os.loadavg()[0], memory };
  } finally {
    await provider.stop();
    await rm(root, { recursive: true, force: true });
  }
}

/** Child mode: one captured insert, memory sampled. */
async function measureMemory(url: string, batchRows: number): Promise<CaptureMemory> {
  const heapBefore = process.memoryUsage().heapUsed;
  let peakHeap = heapBefore;
  const sampler = setInterval(() => {
    peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
  }, 5);
  const capture = await startDbCapture(url, { method: 'logical', batchRows });
  await run(url, INSERT(ROWS));
  const observed = await capture.finish();
  peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
  clearInterval(sampler);
  return { batchRows, peakHeapBytes: peakHeap - heapBefore, maxRssBytes: process.resourceUsage().maxRSS * 1024, events: observed.changes.length };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (process.argv[2] === '--memory') {
    console.log(JSON.stringify(await measureMemory(process.argv[3], Number(process.argv[4]))));
  } else {
    const mode = (process.argv[2] ?? 'server') as InsertMode;
    if (mode !== 'server' && mode !== 'client') throw new Error('usage: bench/db-capture.ts [server|client]');
    console.log(JSON.stringify(await benchDbCapture(mode), null, 2));
  }
}
