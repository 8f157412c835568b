// `npm run bench`: paritykit's benchmarks. Every figure is a ratio of two things measured
// alternately (ABAB…) in one run on the same machine; the machines are shared and noisy,
// so absolute times are shown only for context. Writes docs/benchmarks.md.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { writeFileSync } from 'node:fs';
import { benchTextDiff } from './text-diff.ts';
import { benchVerdicts } from './verdicts.ts';
import { benchProxy } from './proxy.ts';
import { benchReportHtml, reportHtmlSection } from './report-html.ts';
import { benchDbCapture } from './db-capture.ts';
import { benchPerf, perfSection } from './perf.ts';
import { benchProperty, propertySection } from './property.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = path.join(root, 'bin', 'paritykit.js');
const SCENARIOS = Number(process.env.BENCH_SCENARIOS ?? 1000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

interface Workload {
  name: string;
  /** argv; the scenario's single argument is appended. */
  command: string[];
  description: string;
}

const workloads: Workload[] = [
  {
    name: 'python3 one-liner',
    command: ['python3', '-c', 'import sys; print(sys.argv[1].upper())'],
    description: 'a trivial Python CLI (interpreter start + one print), like the legacy tools paritykit is for',
  },
  {
    name: 'sh: echo piped to tr',
    command: ['sh', '-c', 'echo "$0" | tr a-z A-Z'],
    description: 'the cheapest possible CLI: process creation is the whole cost',
  },
];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** The bare loop: spawn the same commands one after another, reading stdout, nothing else. */
async function bareLoop(command: string[]): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < SCENARIOS; i++) {
    await new Promise<void>((resolve, reject) => {
      const child = spawn(command[0], [...command.slice(1), `scenario-${i}`], { stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout.on('data', () => undefined);
      child.stderr.on('data', () => undefined);
      child.on('error', reject);
      child.on('close', () => resolve());
    });
  }
  return performance.now() - t0;
}

/** `paritykit verify` as a user runs it (a fresh CLI process, vitest included). */
function verify(dir: string, ...extra: string[]): number {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [bin, 'verify', '--ci', ...extra], { cwd: dir, stdio: 'ignore', env: { ...process.env, CI: 'true' } });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`paritykit verify exited ${r.status} in ${dir}`);
  return ms;
}

async function benchVerify(w: Workload): Promise<{ paritykitMs: number; bareMs: number; ratio: number; fixedMs: number }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'paritykit-bench-'));
  try {
    const scenarios = Array.from({ length: SCENARIOS }, (_, i) => ({ id: `s-${i}`, args: [`scenario-${i}`] }));
    await writeFile(path.join(dir, 'scenarios.json'), JSON.stringify(scenarios));
    await writeFile(
      path.join(dir, 'paritykit.config.json'),
      JSON.stringify({ suites: [{ name: 'bench', legacy: { command: w.command }, candidate: { command: w.command }, scenarios: 'scenarios.json' }] }),
    );
    const rec = spawnSync(process.execPath, [bin, 'record'], { cwd: dir, stdio: 'ignore', env: { ...process.env, CI: 'true' } });
    if (rec.status !== 0) throw new Error(`paritykit record failed in ${dir}`);
    const ours: number[] = [];
    const bare: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      // ABBA across rounds, so drift of the machine affects both sides.
      if (round % 2 === 0) {
        ours.push(verify(dir));
        bare.push(await bareLoop(w.command));
      } else {
        bare.push(await bareLoop(w.command));
        ours.push(verify(dir));
      }
    }
    const paritykitMs = median(ours);
    const bareMs = median(bare);
    // the fixed cost of one verify run: CLI start, config, vitest start, one scenario, reports
    const fixedMs = median([verify(dir, '--scenario', 's-0'), verify(dir, '--scenario', 's-0'), verify(dir, '--scenario', 's-0')]);
    return { paritykitMs, bareMs, ratio: paritykitMs / bareMs, fixedMs };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const fmt = (ms: number) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`);
const lines: string[] = [];
const started = new Date().toISOString();
console.log(`paritykit bench: ${SCENARIOS} scenarios, ${ROUNDS} rounds, ${os.availableParallelism()} cores`);

const verifyRows: string[] = [];
let fixedMs = 0;
for (const w of workloads) {
  const r = await benchVerify(w);
  fixedMs = r.fixedMs;
  console.log(`(a) ${w.name}: paritykit ${fmt(r.paritykitMs)}, bare loop ${fmt(r.bareMs)}, ratio ${r.ratio.toFixed(2)}`);
  verifyRows.push(`| ${w.name} — ${w.description} | ${fmt(r.paritykitMs)} | ${fmt(r.bareMs)} | **${r.ratio.toFixed(2)}×** | ${r.ratio <= 0.75 ? 'met' : 'not met'} |`);
}
const d = await benchTextDiff();
const v = await benchVerdicts();
const px = await benchProxy();
const reportHtml = await benchReportHtml();
console.log(`(e) HTML report, ${reportHtml.scenarios} scenarios: rows painted ${fmt(reportHtml.rowsMs)}, load ${fmt(reportHtml.loadMs)}`);
const dbc = await benchDbCapture('server');
const dbcClient = await benchDbCapture('client');
const pf = await benchPerf();
const pr = await benchProperty();
console.log(`(f) property checks: paritykit ${pr.propertyPerSecond.toFixed(1)}/s, bare loop ${pr.barePerSecond.toFixed(1)}/s, ratio ${pr.ratio.toFixed(2)}`);
console.log(`(p) perf verdicts: false alarms ${(pf.falseAlarmRate * 100).toFixed(0)}% of ${pf.identical.runs}, detection of 10% ${(pf.detectionRate * 100).toFixed(0)}% of ${pf.slower10.runs}`);
for (const r of [dbc, dbcClient]) console.log(`(db) capture of a ${r.rows}-row ${r.mode}-side insert: insert ${fmt(r.insertMs)}, with capture ${fmt(r.capturedMs)}, ratio ${r.ratio.toFixed(2)}`);
console.log(`(d) proxy: direct ${px.directRps.toFixed(0)} req/s, proxied ${px.proxiedRps.toFixed(0)} req/s, ratio ${px.ratio.toFixed(2)}`);
console.log(`(c) verdicts: ${v.detected}/${v.mutants} mutants detected, ${v.rightChannel} on the right channel, ${v.aaFalseDiffs} A/A false differences`);
console.log(`(b) text diff ${d.lines} lines, ${(d.changedFraction * 100).toFixed(0)}% changed: paritykit ${fmt(d.paritykitMs)}, GNU diff ${fmt(d.gnuDiffMs)}, ratio ${d.ratio.toFixed(2)}`);

lines.push(
  '# Benchmarks',
  '',
  `Written by \`npm run bench\` (bench/run.ts) on ${started.slice(0, 10)}: ${os.availableParallelism()} cores, Node ${process.version}.`,
  'Each figure is a ratio of two measurements taken alternately in one run (median of',
  `${ROUNDS} rounds); the absolute times are context only — the machines are shared and noisy.`,
  '',
  `## (a) \`paritykit verify\` over ${SCENARIOS} trivial CLI scenarios vs a bare sequential spawn loop`,
  '',
  'paritykit: a fresh `paritykit verify --ci` process (CLI start, config, baseline load of every',
  'scenario, vitest start, each scenario in its own temp dir with file snapshots and memory',
  'sampling, comparison of every channel, all four report files). Bare loop: the same commands',
  'spawned one after another from Node, stdout read and discarded. Target: ratio ≤ 0.75.',
  '',
  '| workload | paritykit | bare loop | ratio | target |',
  '|---|---|---|---|---|',
  ...verifyRows,
  '',
  'Where the time goes for the `sh` workload (measured with `--cpu-prof` in the vitest worker):',
  'Node\'s `spawn` blocks the event loop while the kernel forks the (larger) worker process, about',
  '1.7 ms per scenario, as long as the whole `sh` run; on 2 cores the parallel runs cannot hide it.',
  'With any real interpreter start (Python, Node, a JVM) the run itself dominates and running',
  "scenarios in parallel wins. The Python workload goes through pyenv's shim on these machines",
  '(about 95 ms a run), which is why that row takes minutes.',
  '',
  `Fixed cost of one \`paritykit verify --ci\` with a single scenario: ${fmt(fixedMs)} (CLI start, config,`,
  'vitest start, reports).',
  '',
  `## (b) Text diff: ${d.lines.toLocaleString('en')} lines, one third changed, vs GNU diff`,
  '',
  'paritykit: `compareText` on the two texts (bounded jsdiff; the bound is hit and the',
  'anchored fallback produces the diff). GNU diff: `diff -u` on the same two files as a process.',
  'Target: ratio ≤ 5.',
  '',
  '| paritykit | GNU diff | ratio | target |',
  '|---|---|---|---|',
  `| ${fmt(d.paritykitMs)} | ${fmt(d.gnuDiffMs)} | **${d.ratio.toFixed(2)}×** | ${d.ratio <= 5 ? 'met' : 'not met'} |`,
  '',
  'Unbounded `diffLines` on the same input is O(ND) and took 292 s on these machines',
  '(DESIGN.md); paritykit never calls it without `maxEditLength` and `timeout`.',
  '',
  ...verdictSection(v),
  ...proxySection(px),
  ...reportHtmlSection(reportHtml),
  ...dbCaptureSection(dbc, dbcClient),
  ...propertySection(pr),
  '<!-- perf:start -->',
  ...perfSection(pf),
  '<!-- perf:end -->',
);
writeFileSync(path.join(root, 'docs', 'benchmarks.md'), lines.join('\n'));
console.log('wrote docs/benchmarks.md');

/** The verdict-truth section: counts from test/verdicts (bench/verdicts.ts). */
function verdictSection(v: Awaited<ReturnType<typeof benchVerdicts>>): string[] {
  return [
    '## (c) Verdict truth: mutants detected, A/A false differences',
    '',
    'test/verdicts: two reference legacies with noisy output, a CLI and an HTTP service',
    '(timestamps, random ids, durations, sets in random order, a random CSV cell), recorded',
    'with `record --runs 3` and no normalizers, then verified against themselves (A/A) and',
    'against each mutant candidate (one behaviour changed). Counts, not times.',
    '',
    '| figure | value |',
    '|---|---|',
    `| mutants detected as \`diff\` | **${v.detected} / ${v.mutants}** |`,
    `| detected on exactly the declared channel | ${v.rightChannel} / ${v.mutants} |`,
    `| A/A false differences (after noise learning) | **${v.aaFalseDiffs}** |`,
    `| noise rules learned | ${v.noiseRules} |`,
    `| equivalent candidates (re-indented JSON, reordered keys, CRLF CSV) passing | ${v.equivalentsPassed} / ${v.equivalents} |`,
    `| a deviation turns its mutant into \`accepted\` | ${v.acceptedByDeviation ? 'yes' : 'no'} |`,
    ...(v.misses.length > 0 ? ['', 'Misses:', ...v.misses.map((m) => `- ${m.mutant}: ${m.problems.join('; ')}`)] : []),
    '',
  ];
}

/** The db channel's capture cost and memory (bench/db-capture.ts). */
function dbCaptureSection(r: Awaited<ReturnType<typeof benchDbCapture>>, client: Awaited<ReturnType<typeof benchDbCapture>>): string[] {
  const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MiB`;
  const row = (x: typeof r, label: string) =>
    `| ${label} | ${fmt(x.insertMs)} | ${fmt(x.capturedMs)} | **${x.ratio.toFixed(2)}×** (${x.ratio <= 1.5 ? 'met' : 'not met'}) | ${fmt(x.finishMs)} / ${fmt(x.finishCpuMs)} | ${x.loadAverage.toFixed(1)} |`;
  return [
    `## (db) db capture: a ${r.rows.toLocaleString('en')}-row INSERT with logical-decoding capture vs without`,
    '',
    `bench/db-capture.ts (\`node bench/db-capture.ts server|client\`), embedded PostgreSQL, ${r.rows.toLocaleString('en')} rows`,
    '(6 columns: int, text, int, numeric, text[], timestamptz) on a fresh clone, alone vs with the',
    '`db` capture around it (temporary slot creation, the insert, `finish()`: flush marker, cursor',
    `reads, parsing and typing every event), ${r.rounds} alternating rounds, medians. Target: ratio ≤ 1.5.`,
    'Two ways to insert: **client** — the rows sent by the client as an application sends them,',
    '1,000 rows per parameterized INSERT; **server** — one `INSERT … SELECT FROM generate_series`,',
    'where the server makes the rows itself and the insert costs almost nothing (the harshest case).',
    'The capture drains the slot every 250 ms while the scenario runs, and once more at `finish()`.',
    '',
    '| insert | insert alone | with capture | ratio | finish() wall / its CPU in paritykit | load average |',
    '|---|---|---|---|---|---|',
    row(client, 'client-sent'),
    row(r, 'server-generated'),
    '',
    'Memory of one captured (server-generated) insert, measured in a child process (heap above the',
    'heap before the capture; peak RSS of the whole process):',
    '',
    '| rows per FETCH | events | peak heap | peak RSS |',
    '|---|---|---|---|',
    ...r.memory.map((m) => `| ${m.batchRows.toLocaleString('en')} | ${m.events.toLocaleString('en')} | ${mib(m.peakHeapBytes)} | ${mib(m.maxRssBytes)} |`),
    '',
    `Where the time goes: \`finish()\` makes the server decode every WAL record through`,
    '`test_decoding` into text (for the server-generated insert that alone takes about as long as the',
    'insert: `SELECT count(*) FROM pg_logical_slot_peek_changes(…)` measured 0.3–0.75 s against',
    '0.2–0.6 s for the insert), sends the text, and paritykit parses it into typed events',
    `(${fmt(r.finishCpuMs)} of CPU for ${r.rows.toLocaleString('en')} events, about ${((r.finishCpuMs * 1000) / r.rows).toFixed(1)} µs each). Decoding can only start`,
    'after the transaction commits, so it cannot overlap a single-transaction insert. The more the',
    'writes cost (rows sent by a client, a service writing one request at a time), the closer the',
    'ratio comes to 1: the capture costs the same per row.',
    '',
    'Most of the heap is the typed events themselves (the result, about 1 KiB each); one batch of',
    '5,000 rows of decoding text is about 0.75 MB, which is why reading in batches hardly changes the',
    'peak here. What streaming protects against is holding the whole decoding output (about 15 MB of',
    'text for this insert, or the same again in node-postgres row objects) beside the events.',
    '',
  ];
}

/** The recording proxy's throughput and added latency (bench/proxy.ts). */
function proxySection(p: Awaited<ReturnType<typeof benchProxy>>): string[] {
  return [
    '## (d) Recording proxy: requests per second through `record --proxy` vs direct',
    '',
    `autocannon (${p.connections} connections, ${p.rounds} alternating rounds of ${p.durationS} s) against a small JSON`,
    'server in its own process, directly and through paritykit\'s recording proxy (also in its own',
    'process). Target: ratio ≥ 0.8.',
    '',
    '| direct | proxied | ratio | added latency p50 / p99 (autocannon, whole ms) |',
    '|---|---|---|---|',
    `| ${p.directRps.toFixed(0)} req/s | ${p.proxiedRps.toFixed(0)} req/s | **${p.ratio.toFixed(2)}×** (${p.ratio >= 0.8 ? 'met' : 'not met'}) | ${p.addedP50Ms} / ${p.addedP99Ms} ms |`,
    '',
    'The server answers in well under 1 ms, so the proxy\'s own CPU per request (capture,',
    'redaction, hashing; about 220 µs, of which ~140 µs is http-proxy-3 forwarding) dominates on',
    'this 2-core machine where server, proxy and load generator share the cores. Against a legacy',
    'that spends a millisecond or more per request (a database query), the ratio is far higher;',
    'see bench/proxy.ts for the per-request CPU split.',
    '',
  ];
}
