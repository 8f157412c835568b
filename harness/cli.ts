/**
 * The `paritykit` command line: record, verify, report, baselines log.
 * Exit codes: 0 full parity (or success), 1 differences or candidate errors, 2 usage, config
 * or baseline errors. Parsing is commander's; everything here is wiring and output.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import cliProgress from 'cli-progress';
import { createColors } from 'picocolors';
import { createFsBaselineStore } from '../baselines/store.ts';
import { readReport, writeReports } from '../reporters/write.ts';
import { renderTerminal } from '../reporters/terminal.ts';
import type { ParityReport, ScenarioReport } from '../reporters/model.ts';
import { loadConfig, type ResolvedConfig, type ResolvedSuite } from './config.ts';
import { ParityError } from './errors.ts';
import { recordSuite, type RecordResult } from './record.ts';
import { describeNoise } from './noise.ts';
import { registerReviewCommands } from './review.ts';
import { recordProxy, registerHttpCommands } from './http-cli.ts';
import { stopDatabaseProviders } from './service-run.ts';
import { redactorFor } from './runner.ts';
import { runVerify } from './verify-run.ts';
import { parseShard, type ShardSpec } from './shard.ts';
import { mergeReports } from '../reporters/merge.ts';
import { attachRegression } from '../reporters/regression.ts';
import { renderRegressionTerminal } from '../reporters/regression-section.ts';
import { writeGithubOutput } from '../reporters/github.ts';
import { renderPropertyTerminal } from '../reporters/property-section.ts';
import { perfFails, renderPerfTerminal } from '../reporters/perf-section.ts';
import { selectScenarios, isFailingVerdict } from '../suites/parity.ts';
import { PARITYKIT_VERSION } from './version.ts';

interface CommonOptions {
  config?: string;
  suite?: string[];
  scenario?: string[];
  concurrency?: number;
}

/** Where output goes; injectable for tests. */
export interface CliIo {
  stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  cwd: string;
  env: NodeJS.ProcessEnv;
}

function useColor(io: CliIo): boolean {
  if (io.env.NO_COLOR !== undefined && io.env.NO_COLOR !== '') return false;
  if (io.env.FORCE_COLOR !== undefined && io.env.FORCE_COLOR !== '0') return true;
  return Boolean(io.stdout.isTTY);
}

/** A progress display: a bar with ETA on a TTY, plain lines elsewhere (CI logs). */
function createProgress(io: CliIo, label: string, unit = 'scenarios') {
  const tty = Boolean(io.stderr.isTTY) && !io.env.CI;
  let bar: cliProgress.SingleBar | null = null;
  let total = 0;
  let done = 0;
  let lastPct = 0;
  return {
    start(n: number) {
      total = n;
      if (tty && n > 0) {
        bar = new cliProgress.SingleBar(
          { format: `${label} [{bar}] {value}/{total} {percentage}% | ETA {eta_formatted} | {last}`, stream: io.stderr, hideCursor: true, clearOnComplete: true },
          cliProgress.Presets.shades_classic,
        );
        bar.start(n, 0, { last: '' });
      } else if (n > 0) {
        io.stderr.write(`${label}: ${n} ${unit}\n`);
      }
    },
    tick(name: string, problem?: string) {
      done++;
      if (bar) bar.update(done, { last: name.length > 30 ? name.slice(0, 29) + '…' : name });
      else {
        if (problem) io.stderr.write(`  ${problem}\n`);
        // one plain line per 10% step, so CI logs show progress without flooding
        const pct = Math.floor((done / Math.max(1, total)) * 10) * 10;
        if (pct > lastPct && pct > 0) {
          lastPct = pct;
          io.stderr.write(`${label}: ${done}/${total} (${pct}%)\n`);
        }
      }
    },
    stop() {
      bar?.stop();
    },
  };
}

function selectSuites(config: ResolvedConfig, names?: string[]): ResolvedSuite[] {
  if (!names || names.length === 0) return config.suites;
  const known = new Set(config.suites.map((s) => s.name));
  for (const n of names) {
    if (!known.has(n)) throw new ParityError('USAGE', `--suite ${n}: no such suite in ${config.file} (suites: ${[...known].join(', ')})`);
  }
  return config.suites.filter((s) => names.includes(s.name));
}

function parsePositiveInt(flag: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) throw new ParityError('USAGE', `${flag} ${value}: expected a whole number of at least 1`);
    return n;
  };
}

function parseCount(flag: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0) throw new ParityError('USAGE', `${flag} ${value}: expected a whole number of at least 0`);
    return n;
  };
}

function parseSeed(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < -(2 ** 31) || n >= 2 ** 32) throw new ParityError('USAGE', `--seed ${value}: expected an integer (the seed the report printed)`);
  return n;
}

function parsePath(value: string): string {
  if (!/^\d+(:\d+)*$/.test(value)) throw new ParityError('USAGE', `--path ${value}: expected a fast-check path like 3:1:0 (the path the report printed)`);
  return value;
}

/** `line` cut to `width` columns with `…` (the full list is in the reports). */
function clipLine(line: string, width: number): string {
  const chars = [...line];
  return chars.length <= width ? line : `${chars.slice(0, width - 1).join('')}…`;
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, ...value.split(',').map((v) => v.trim()).filter(Boolean)];
}

function printDrift(io: CliIo, r: RecordResult, color: boolean): void {
  const c = createColors(color);
  const { drift } = r;
  if (drift.previousRevision === null) return;
  const changes = drift.added.length + drift.removed.length + drift.changed.length;
  if (changes === 0) {
    io.stdout.write(`  legacy behaviour unchanged since revision ${drift.previousRevision}\n`);
    return;
  }
  io.stdout.write(c.yellow(`  legacy drift since revision ${drift.previousRevision}: ${drift.added.length} added, ${drift.removed.length} removed, ${drift.changed.length} changed\n`));
  for (const id of drift.added) io.stdout.write(c.green(`    + ${id}\n`));
  for (const id of drift.removed) io.stdout.write(c.red(`    - ${id}\n`));
  for (const entry of drift.changed.slice(0, 20)) {
    io.stdout.write(c.yellow(`    ~ ${entry.id}\n`));
    for (const ch of entry.channels) {
      io.stdout.write(`      ${ch.path ? `files: ${ch.path}` : ch.channel}: ${ch.difference?.summary ?? ''}\n`);
      const lines = (ch.difference?.unified ?? '').split('\n').slice(0, 12);
      for (const line of lines) io.stdout.write(`        ${line}\n`);
    }
  }
  if (drift.changed.length > 20) io.stdout.write(`    … and ${drift.changed.length - 20} more changed scenarios\n`);
}

async function commandRecord(
  io: CliIo,
  opts: CommonOptions & { perf?: boolean; perfRounds?: number; dryRun?: boolean; ci?: boolean; runs?: number; proxy?: boolean; listen?: number; out?: string; duration?: number; groupBy?: string; allow?: string[]; deny?: string[]; methods?: string[] },
): Promise<number> {
  if (opts.proxy) return recordProxy(io, opts);
  if (opts.ci) throw new ParityError('USAGE', '--ci never writes baselines, so it cannot be used with record; run `paritykit verify --ci` in CI');
  const config = await loadConfig(io.cwd, opts.config);
  const store = createFsBaselineStore(config.baselineDir);
  const color = useColor(io);
  const c = createColors(color);
  for (const suite of selectSuites(config, opts.suite)) {
    const scenarios = selectScenarios(suite, opts.scenario);
    if (scenarios.length === 0) {
      io.stderr.write(`suite ${suite.name}: no scenario matches --scenario ${opts.scenario?.join(',')}\n`);
      continue;
    }
    const progress = createProgress(io, `record ${suite.name}`, 'runs');
    progress.start(scenarios.length * (opts.runs ?? 2));
    let result: RecordResult;
    try {
      result = await recordSuite(suite, store, {
        dryRun: opts.dryRun,
        runs: opts.runs,
        concurrency: opts.concurrency,
        scenarios: opts.scenario ? scenarios : undefined,
        onScenario: (id) => progress.tick(id),
        perf: opts.perf !== false,
        perfRounds: opts.perfRounds,
      });
    } finally {
      progress.stop();
      await stopDatabaseProviders();
    }
    const where = path.relative(io.cwd, result.save.dir) || '.';
    const verb = result.dryRun ? c.cyan('dry run, nothing written:') : 'recorded';
    io.stdout.write(`${c.bold(suite.name)}: ${verb} ${result.scenarios} scenarios → ${where} revision ${result.save.revision}\n`);
    if (result.runs > 1) {
      const rules = result.noisy.reduce((n, x) => n + x.rules.length, 0);
      const width = Math.min(120, io.stdout.columns ?? 80);
      io.stdout.write(`  noise learned from ${result.runs} runs: ${rules} place(s) in ${result.noisy.length} scenario(s)\n  (ignored at verify, listed in the reports)\n`);
      for (const n of result.noisy.slice(0, 10)) io.stdout.write(`${clipLine(`    ${n.id}: ${n.rules.map(describeNoise).join('; ')}`, width)}\n`);
      if (result.noisy.length > 10) io.stdout.write(`    … and ${result.noisy.length - 10} more\n`);
    }
    for (const n of result.nondeterministic) {
      io.stdout.write(c.yellow(`  non-deterministic legacy: ${n.id}: ${n.reason}; add a normalizer for it (see docs/config.md)\n`));
    }
    if (result.timedOut.length > 0) io.stdout.write(c.yellow(`  ${result.timedOut.length} scenario(s) timed out on the legacy (recorded as timedOut): ${result.timedOut.slice(0, 10).join(', ')}\n`));
    printDrift(io, result, color);
    if (result.perf) io.stdout.write(`  perf: legacy measured for ${result.perf.scenarios.length} scenario(s) → ${path.relative(io.cwd, result.perf.file)}${result.perf.skipped.map((x) => `\n    skipped ${x.id}: ${x.reason}`).join('')}\n`);
  }
  return 0;
}

async function commandVerify(io: CliIo, opts: CommonOptions & { perf?: boolean; perfRounds?: number; perfLegacy?: 'live' | 'stored'; ci?: boolean; reportDir?: string; reruns?: number; compare?: string; shard?: ShardSpec; history?: boolean; property?: boolean; seed?: number; path?: string; legacy?: boolean }): Promise<number> {
  const config = await loadConfig(io.cwd, opts.config);
  const suites = selectSuites(config, opts.suite);
  const ci = Boolean(opts.ci);
  const progress = createProgress(io, 'verify');
  const reportDir = opts.reportDir ? path.resolve(io.cwd, opts.reportDir) : config.reportDir;
  let report: ParityReport;
  try {
    report = await runVerify(config, {
      configArg: opts.config,
      suites: suites.map((s) => s.name),
      scenarios: opts.scenario,
      ci,
      concurrency: opts.concurrency,
      reruns: opts.reruns,
      // --property: only the property checks, and the counterexamples they saved before.
      ...(opts.property ? { scenarios: ['property-*'] } : {}),
      property: { seed: opts.seed, path: opts.path, noLegacy: opts.legacy === false },
      perf: { skip: opts.perf === false || opts.property === true, rounds: opts.perfRounds, legacy: opts.perfLegacy ?? (opts.legacy === false ? 'stored' : undefined) },
      reportDir,
      shard: opts.shard,
      compare: opts.compare,
      history: opts.history,
      onStart: (n) => progress.start(n),
      onScenario: (suite, r: ScenarioReport) => progress.tick(`${suite} › ${r.id}`, isFailingVerdict(r.verdict) ? `${r.verdict}: ${suite} › ${r.id}` : undefined),
    });
  } finally {
    progress.stop();
  }
  const redactors = suites.map((s) => redactorFor(s));
  const redact = (text: string) => redactors.reduce((t, r) => r.redactText(t), text);
  await writeReports(report, reportDir, { redact });
  io.stdout.write(renderTerminal(report, { color: useColor(io), width: Math.min(120, io.stdout.columns ?? 80) }));
  io.stdout.write(renderPropertyTerminal(report, { color: useColor(io), width: Math.min(120, io.stdout.columns ?? 80) }));
  io.stdout.write(renderPerfTerminal(report, { color: useColor(io) }));
  await writeCiOutput(io, report, reportDir, redact);
  io.stdout.write(`\nReport: ${path.join(path.relative(io.cwd, reportDir) || '.', 'index.html')}\n`);
  return runFails(report, io) ? 1 : 0;
}

/** After the report files are written: the regression summary line, the shard note, and on
 * GitHub Actions the step summary and `::error` annotations (reporters/github.ts) — for a
 * whole or merged run only, not for each shard's partial report. */
async function writeCiOutput(io: CliIo, report: ParityReport, reportDir: string, redact?: (text: string) => string): Promise<void> {
  const regression = renderRegressionTerminal(report);
  if (regression !== '') io.stdout.write(`\n${redact ? redact(regression) : regression}`);
  if (report.shard) {
    io.stdout.write(`\nPartial report: shard ${report.shard.index}/${report.shard.count} (${report.totals.scenarios} of ${report.shard.of} scenarios); combine the shards with \`paritykit report merge <folders…>\`\n`);
    return; // the merge job writes the step summary and annotations, once for the whole run
  }
  const summary = await readFile(path.join(reportDir, 'summary.md'), 'utf8');
  await writeGithubOutput(report, summary, io, redact ? { redact } : {});
}

async function commandReportMerge(io: CliIo, folders: string[], opts: { out?: string; compare?: string; history?: boolean }): Promise<number> {
  const partials = [];
  for (const folder of folders) partials.push({ report: await readReport(path.resolve(io.cwd, folder)), source: folder });
  const merged = mergeReports(partials);
  for (const w of merged.warnings) io.stderr.write(`paritykit: warning: ${w}\n`);
  const out = path.resolve(io.cwd, opts.out ?? 'parity-report');
  const report = await attachRegression(merged.report, { reportDir: out, compare: opts.compare, writeHistory: opts.history !== false && merged.warnings.length === 0, cwd: io.cwd });
  await writeReports(report, out);
  io.stdout.write(`merged ${partials.length} partial ${partials.length === 1 ? 'report' : 'reports'} (${report.totals.scenarios} scenarios) → ${path.relative(io.cwd, out) || '.'}\n`);
  io.stdout.write(renderTerminal(report, { color: useColor(io), width: Math.min(120, io.stdout.columns ?? 80) }));
  await writeCiOutput(io, report, out);
  io.stdout.write(`\nReport: ${path.join(path.relative(io.cwd, out) || '.', 'index.html')}\n`);
  return runFails(report, io) ? 1 : 0;
}

/** A run fails on any failing verdict, an expired deviation, or unreferenced baselines under
 * the `fail` policy; each also gets a line saying so. */
function runFails(report: ParityReport, io?: CliIo): boolean {
  let fails = report.suites.some((s) => s.scenarios.some((x) => isFailingVerdict(x.verdict)));
  // A property counterexample (or a property check that could not run) fails the run.
  if (report.suites.some((s) => (s.property?.counterexamples.length ?? 0) > 0 || s.property?.error !== undefined)) fails = true;
  // A perf scenario over its budget (or that could not be measured) fails the run.
  if (perfFails(report)) fails = true;
  for (const s of report.suites) {
    for (const d of s.deviations ?? []) {
      if (d.status === 'expired') {
        fails = true;
        io?.stderr.write(`paritykit: deviation ${d.id} (suite ${s.name}) expired on ${d.expires}; renew it with a new date or remove it\n`);
      }
    }
    if (s.unreferenced && s.unreferenced.policy === 'fail') {
      fails = true;
      io?.stderr.write(`paritykit: suite ${s.name}: ${s.unreferenced.ids.length} baseline scenario(s) no longer in the config (${s.unreferenced.ids.slice(0, 5).join(', ')}); re-record the suite or set unreferenced: 'delete'\n`);
    } else if (s.unreferenced && s.unreferenced.policy !== 'fail') {
      io?.stderr.write(`paritykit: suite ${s.name}: ${s.unreferenced.ids.length} baseline scenario(s) no longer in the config${s.unreferenced.policy === 'delete' ? ' were deleted from the baseline' : ''}: ${s.unreferenced.ids.slice(0, 5).join(', ')}\n`);
    }
  }
  return fails;
}

async function commandReport(io: CliIo, opts: { config?: string; from?: string; reportDir?: string }): Promise<number> {
  let source: string;
  let target: string;
  if (opts.from) {
    source = path.resolve(io.cwd, opts.from);
    target = opts.reportDir ? path.resolve(io.cwd, opts.reportDir) : source.endsWith('.json') ? path.dirname(source) : source;
  } else {
    const config = await loadConfig(io.cwd, opts.config);
    source = config.reportDir;
    target = opts.reportDir ? path.resolve(io.cwd, opts.reportDir) : config.reportDir;
  }
  const report = await readReport(source);
  await writeReports(report, target);
  io.stdout.write(renderTerminal(report, { color: useColor(io), width: Math.min(120, io.stdout.columns ?? 80) }));
  io.stdout.write(`\nReport: ${path.join(path.relative(io.cwd, target) || '.', 'index.html')}\n`);
  return runFails(report) ? 1 : 0;
}

async function commandBaselinesLog(io: CliIo, opts: { config?: string; suite?: string[] }): Promise<number> {
  const config = await loadConfig(io.cwd, opts.config);
  const store = createFsBaselineStore(config.baselineDir);
  const c = createColors(useColor(io));
  for (const suite of selectSuites(config, opts.suite)) {
    const entries = await store.history(suite.name);
    io.stdout.write(`${c.bold(suite.name)} (${path.relative(io.cwd, path.join(config.baselineDir, suite.name)) || '.'})\n`);
    if (entries.length === 0) {
      io.stdout.write(`  no revisions yet; run \`paritykit record --suite ${suite.name}\`\n`);
      continue;
    }
    for (const e of [...entries].reverse()) {
      const who = [e.legacy.version, e.legacy.gitCommit?.slice(0, 10)].filter(Boolean).join(' @ ');
      io.stdout.write(
        `  ${c.yellow(e.revision)}  ${e.recordedAt}  ${e.scenarios} scenarios  +${e.added.length} ~${e.changed.length} -${e.removed.length}${who ? `  legacy ${who}` : ''}\n`,
      );
    }
  }
  return 0;
}

const EXAMPLES = {
  record: `
Examples:
  $ paritykit record                    record every suite against the legacy
  $ paritykit record --suite ledger     one suite
  $ paritykit record --scenario 'tab*'  only matching ids (others keep theirs)
  $ paritykit record --dry-run          show the legacy's drift, write nothing
  $ paritykit record --proxy --listen 8080 --suite orders
                                        record real traffic to a service
`,
  verify: `
Examples:
  $ paritykit verify                    replay every suite against the candidate
  $ paritykit verify --ci               in CI: never write baselines; a missing
                                        baseline fails
  $ paritykit verify --suite ledger --scenario 'rounding-*'
  $ paritykit verify --ci --shard 2/4 --report-dir shard-2
                                        one of 4 CI machines; then report merge
  $ paritykit verify --compare previous-report/
                                        regression report against an earlier run
  $ paritykit verify --property --suite ledger --seed 42 --path 3:1:0
                                        replay a reported property run
  $ paritykit verify --no-perf          skip the performance suites
  $ paritykit verify --perf-legacy stored
                                        perf against the legacy figures stored
                                        by record (perf.json), not a live legacy

Exit codes: 0 full parity, 1 differences, candidate errors or a perf
            scenario over its budget (fail), 2 usage, config or baseline errors.
Reports: report.json, index.html, junit.xml, summary.md in reportDir
         (default parity-report/); one entry per run in reportDir/history/,
         compared with the next run (regression section, parity trend).
On GitHub Actions: summary.md is appended to $GITHUB_STEP_SUMMARY and each
differing scenario becomes an ::error annotation (first 10).
`,
  report: `
Examples:
  $ paritykit report                    re-render parity-report/ from report.json
  $ paritykit report --from ci/report.json --report-dir out/
  $ paritykit report merge shard-1 shard-2 shard-3 --out parity-report
                                        combine the reports of verify --shard i/3
`,
  merge: `
Examples:
  $ paritykit report merge shard-*/ --out parity-report
  $ paritykit report merge a/report.json b/report.json --compare previous/

Refuses reports of different configs, selections, commits or shard counts, and the
same shard twice; warns when a shard is missing (and then writes no history entry).
On GitHub Actions it appends summary.md to $GITHUB_STEP_SUMMARY and annotates.
`,
  top: `
Examples:
  $ paritykit record          record the legacy into baselines/ (commit them)
  $ paritykit verify          compare the candidate, write parity-report/
  $ paritykit verify --ci     the same in CI
  $ paritykit review          accept differences as deviations, or re-record
  $ paritykit <command> --help

Config: paritykit.config.ts in the working directory, or --config PATH.
`,
  log: `
Examples:
  $ paritykit baselines log             every suite's revisions, newest first
  $ paritykit baselines log --suite ledger
`,
};

/** Builds the commander program. Actions resolve to an exit code through `setExit`. */
function buildProgram(io: CliIo, setExit: (code: number) => void): Command {
  const program = new Command('paritykit')
    .description('Golden-master testing for rewrites: record the legacy, verify the candidate, publish parity reports.')
    .version(PARITYKIT_VERSION, '-v, --version')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    .addHelpText('after', EXAMPLES.top);
  const common = (cmd: Command) =>
    cmd
      .option('-c, --config <path>', 'config file (.ts, .mjs, .js, .json); default paritykit.config.ts in the working directory')
      .option('-s, --suite <name>', 'only this suite (repeatable, or comma-separated)', collect)
      .option('--scenario <glob>', 'only scenarios whose id matches (repeatable, or comma-separated)', collect)
      .option('-j, --concurrency <n>', 'scenarios run at once (default: number of CPU cores)', parsePositiveInt('--concurrency'));

  common(program.command('record').description('run every scenario against the legacy and store a new baseline revision'))
    .option('--dry-run', 'show what changed in the legacy since the previous revision; write nothing')
    .option('--runs <n>', 'runs of each scenario against the legacy; places where they differ are learned as noise (default 2)', parsePositiveInt('--runs'))
    .option('--proxy', 'record real HTTP traffic: a reverse proxy in front of the legacy of a service suite')
    .option('--listen <port>', 'with --proxy: port to listen on (default: any free port, printed)', parseCount('--listen'))
    .option('-o, --out <file>', 'with --proxy: scenario file for the captured requests')
    .option('--duration <s>', 'with --proxy: stop after this many seconds (default: Ctrl-C)', parsePositiveInt('--duration'))
    .option('--group-by <how>', 'with --proxy: scenarios by session (cookie/authorization, default), connection, or a time window in ms')
    .option('--allow <glob>', 'with --proxy: record only paths matching (repeatable)', collect)
    .option('--deny <glob>', 'with --proxy: never record paths matching (repeatable)', collect)
    .option('--methods <list>', 'with --proxy: record only these methods, e.g. GET,POST', collect)
    .option('--no-perf', 'do not measure the legacy\'s performance (suites with perf) into perf.json')
    .option('--perf-rounds <n>', 'perf: measurements of the legacy (x2) per perf scenario (default: perf.rounds)', parsePositiveInt('--perf-rounds'))
    .addOption(new Option('--ci').hideHelp())
    .addHelpText('after', EXAMPLES.record)
    .action(async (opts) => setExit(await commandRecord(io, opts)));

  common(program.command('verify').description('replay every scenario against the candidate, compare with the baseline, write reports'))
    .option('--ci', 'CI mode: never write baselines; a scenario without a baseline is a failure (default when CI is set)')
    .option('--report-dir <dir>', 'where reports go (default: reportDir of the config)')
    .option('--reruns <n>', 'extra candidate runs of a differing scenario, to tell flaky from diff (default 2; 0 = off)', parseCount('--reruns'))
    .option('--property', 'only the property checks (and their saved counterexamples), not the recorded scenarios')
    .option('--seed <n>', 'fast-check seed of the property checks (replays a reported run)', parseSeed)
    .option('--path <path>', 'with --seed: replay this counterexample path of a reported property run', parsePath)
    .option('--no-legacy', 'the legacy cannot run here: property checks only replay their saved counterexamples')
    .option('--compare <path>', 'regression report against a previous report.json or report folder (default: the newest run in <report-dir>/history/)')
    .option('--shard <i/n>', 'run only shard i of n (by a hash of suite/scenario id) and write a partial report; combine with `report merge`', (v: string) => parseShard(v))
    .option('--no-history', 'do not add this run to <report-dir>/history/ (and without --compare, no regression section)')
    .option('--no-perf', 'skip the performance suites (suites with perf)')
    .option('--perf-rounds <n>', 'perf: ABBA rounds before the first verdict (default: perf.rounds, 6)', parsePositiveInt('--perf-rounds'))
    .addOption(new Option('--perf-legacy <mode>', 'perf: live (run the legacy side by side, default) or stored (compare with the legacy figures in perf.json)').choices(['live', 'stored']))
    .addHelpText('after', EXAMPLES.verify)
    .action(async (opts) => setExit(await commandVerify(io, { ...opts, ci: opts.ci ?? Boolean(io.env.CI) })));

  const reportCommand = program
    .command('report')
    .description('re-render the reports (HTML, JUnit, Markdown, terminal) from a report.json; `report merge` combines shards')
    .option('-c, --config <path>', 'config file whose reportDir holds report.json')
    .option('--from <path>', 'a report.json file, or a folder containing one')
    .option('--report-dir <dir>', 'where to write the re-rendered reports (default: beside report.json)')
    .addHelpText('after', EXAMPLES.report)
    .action(async (opts) => setExit(await commandReport(io, opts)));
  reportCommand
    .command('merge')
    .description('merge the partial reports of `verify --shard i/n` runs into one report (all formats), with regression and history')
    .argument('<folders...>', 'report folders (or report.json files) of the shards')
    .option('-o, --out <dir>', 'where to write the merged report (default: parity-report)')
    .option('--compare <path>', 'regression report against a previous report.json or report folder (default: the newest run in <out>/history/)')
    .option('--no-history', 'do not add the merged run to <out>/history/')
    .addHelpText('after', EXAMPLES.merge)
    .action(async (folders: string[], opts) => setExit(await commandReportMerge(io, folders, opts)));

  registerReviewCommands(program, io, setExit);
  registerHttpCommands(program, io, setExit);

  const baselines = program.command('baselines').description('inspect the baseline store').addHelpText('after', EXAMPLES.log);
  baselines
    .command('log')
    .description('list the recorded revisions of each suite (from its history), newest first')
    .option('-c, --config <path>', 'config file')
    .option('-s, --suite <name>', 'only this suite (repeatable)', collect)
    .addHelpText('after', EXAMPLES.log)
    .action(async (opts) => setExit(await commandBaselinesLog(io, opts)));
  return program;
}

/**
 * Runs the CLI with `argv` (without the node and script entries) and resolves to the exit
 * code; never calls `process.exit` itself, so tests can drive it in process.
 */
export async function runCli(argv: string[], io: CliIo = { stdout: process.stdout, stderr: process.stderr, cwd: process.cwd(), env: process.env }): Promise<number> {
  let exitCode = 0;
  const program = buildProgram(io, (code) => {
    exitCode = code;
  });
  if (argv.length === 0) {
    program.outputHelp({ error: true });
    return 2;
  }
  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      // help and version exit 0; unknown options and commands are usage errors.
      return err.exitCode === 0 ? 0 : 2;
    }
    if (err instanceof ParityError) {
      io.stderr.write(`paritykit: ${err.message}\n`);
      return err.exitCode;
    }
    io.stderr.write(`paritykit: internal error: ${(err as Error).stack ?? String(err)}\n`);
    return 1;
  }
}
