/**
 * The HTTP channel's commands: `record --proxy` (record real traffic through a reverse proxy
 * in front of the legacy), `import har` (HAR 1.2 → exchange scenarios) and `export har`
 * (a suite's baseline → a HAR file browser devtools open).
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import YAML from 'yaml';
import { createFsBaselineStore, type RecordedScenario } from '../baselines/store.ts';
import { fromHar, toHar } from '../recorders/har.ts';
import { startRecordingProxy } from '../recorders/proxy.ts';
import { startService, type RunningService } from '../recorders/service.ts';
import type { CliIo } from './cli.ts';
import { loadConfig, type ResolvedSuite } from './config.ts';
import { ParityError } from './errors.ts';
import { identityOf } from './identity.ts';
import { isCommandTarget, type HttpRequestSpec, type ScenarioObservation } from './model.ts';
import { redactorFor } from './runner.ts';
import { stopDatabaseProviders } from './service-run.ts';
import { PARITYKIT_VERSION } from './version.ts';

const EMPTY = Buffer.alloc(0);

function serviceSuite(suites: ResolvedSuite[], name: string | undefined, file: string): ResolvedSuite {
  const services = suites.filter((s) => s.kind === 'service');
  if (!name) {
    if (services.length === 1) return services[0];
    throw new ParityError('USAGE', `--suite is required: name the service suite to record (service suites in ${file}: ${services.map((s) => s.name).join(', ') || 'none'})`);
  }
  const suite = suites.find((s) => s.name === name);
  if (!suite) throw new ParityError('USAGE', `--suite ${name}: no such suite in ${file} (suites: ${suites.map((s) => s.name).join(', ')})`);
  if (suite.kind !== 'service') throw new ParityError('USAGE', `--suite ${name}: a command suite; --proxy records HTTP traffic and needs a service suite (url or start target)`);
  return suite;
}

/** Writes exchange scenarios as a YAML scenario file (the format `scenarios:` globs read). */
async function writeScenarioFile(file: string, scenarios: Array<{ id: string; requests: HttpRequestSpec[]; tags?: string[] }>, comment: string): Promise<void> {
  const doc = new YAML.Document({ scenarios });
  doc.commentBefore = ` ${comment}`;
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, doc.toString({ lineWidth: 0 }));
}

/**
 * `paritykit record --proxy`: starts the legacy (a `start` target, with a fresh database from
 * its fixtures) or uses its `url`, puts the recording proxy in front on `--listen PORT`, and on
 * Ctrl-C (or after `--duration` seconds) stores every captured scenario: the requests as a
 * scenario file (`--out`, to add to the suite's `scenarios` globs) and the legacy's responses as
 * the suite's baseline (merged with what it already holds). Redaction runs before anything is written.
 */
export async function recordProxy(
  io: CliIo,
  opts: { config?: string; suite?: string[]; listen?: number; out?: string; duration?: number; groupBy?: string; allow?: string[]; deny?: string[]; methods?: string[] },
): Promise<number> {
  const config = await loadConfig(io.cwd, opts.config);
  const suite = serviceSuite(config.suites, opts.suite?.[0], config.file);
  if (isCommandTarget(suite.legacy)) throw new ParityError('USAGE', `suite ${suite.name}: the legacy is a command`);
  const out = path.resolve(io.cwd, opts.out ?? path.join(config.rootDir, 'scenarios', `recorded-${suite.name}.yaml`));
  let service: RunningService | undefined;
  let drop: (() => Promise<void>) | undefined;
  try {
    let target: string;
    if ('url' in suite.legacy) {
      target = suite.legacy.url;
    } else {
      const env: Record<string, string> = {};
      if (suite.legacy.database) {
        const { startDatabaseProvider } = await import('../recorders/postgres.ts');
        const provider = await startDatabaseProvider(suite.legacy.database, { rootDir: config.rootDir });
        const { glob } = await import('tinyglobby');
        const fixtures = (await glob(suite.legacy.database.fixtures ?? [], { cwd: config.rootDir, absolute: true })).sort();
        await provider.prepareTemplate('pk_proxy_tpl', fixtures);
        const db = await provider.cloneDatabase('pk_proxy_tpl', 'pk_proxy');
        env[suite.legacy.database.env ?? 'DATABASE_URL'] = db.url;
        drop = async () => {
          await db.drop();
          await provider.stop();
        };
      }
      service = await startService(suite.legacy, { rootDir: config.rootDir, env });
      target = service.baseUrl;
    }
    const redactor = redactorFor(suite);
    const proxy = await startRecordingProxy({
      target,
      port: opts.listen ?? 0,
      redactText: (t) => redactor.redactText(t),
      groupBy: parseGroupBy(opts.groupBy),
      ...(opts.allow || opts.deny || opts.methods ? { filter: { allow: opts.allow, deny: opts.deny, methods: opts.methods?.map((m) => m.toUpperCase()) } } : {}),
    });
    io.stdout.write(`paritykit: recording ${suite.name}: send traffic to ${proxy.url} (forwarded to the legacy at ${target}); Ctrl-C to stop and save\n`);
    await new Promise<void>((resolve) => {
      const stop = () => resolve();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      if (opts.duration) setTimeout(stop, opts.duration * 1000).unref();
    });
    await proxy.close();
    const captured = proxy.scenarios();
    if (captured.length === 0) {
      io.stdout.write('paritykit: no traffic was captured; nothing written\n');
      return 0;
    }
    const scenarios = captured.map((s) => ({ id: s.id, requests: s.requests, tags: ['proxy'] }));
    await writeScenarioFile(out, scenarios, `Recorded by paritykit record --proxy on ${new Date().toISOString()} from ${suite.name}'s legacy.`);
    const store = createFsBaselineStore(config.baselineDir);
    const previous = await store.load(suite.name);
    const fresh = new Set(captured.map((s) => s.id));
    const kept: RecordedScenario[] = previous ? [...previous.scenarios.values()].filter((b) => !fresh.has(b.id)).map((b) => ({ scenario: b.input, observation: b.observation, noise: b.noise })) : [];
    const recorded: RecordedScenario[] = captured.map((s) => {
      const observation: ScenarioObservation = {
        stdout: EMPTY,
        stderr: EMPTY,
        exit: { code: null, signal: null, timedOut: false },
        files: [],
        timing: { durationMs: s.exchanges.reduce((n, x) => n + x.durationMs, 0), peakRssBytes: null },
        http: { exchanges: s.exchanges },
      };
      return { scenario: { id: s.id, requests: s.requests, tags: ['proxy'] }, observation };
    });
    const saved = await store.save(suite.name, [...kept, ...recorded], {
      legacy: await identityOf(suite.legacy),
      paritykitVersion: PARITYKIT_VERSION,
      redactText: (t) => redactor.redactText(t),
      redactBuffer: (b) => redactor.redactBuffer(b),
    });
    const rel = path.relative(io.cwd, out) || out;
    io.stdout.write(`paritykit: ${captured.length} scenario(s), ${captured.reduce((n, s) => n + s.exchanges.length, 0)} exchange(s) → ${rel} and baseline revision ${saved.revision}\n`);
    io.stdout.write(`Add "${path.relative(config.rootDir, out)}" to suite ${suite.name}'s scenarios, then run \`paritykit verify\`.\n`);
    for (const note of proxy.notes().slice(0, 10)) io.stdout.write(`  note: ${note.kind} ${note.method} ${note.url}: ${note.detail}\n`);
    return 0;
  } finally {
    await service?.stop();
    await drop?.().catch(() => undefined);
    await stopDatabaseProviders();
  }
}

/** `--group-by session | connection | <ms>` (a time window: a gap longer than ms starts a new scenario). */
function parseGroupBy(value: string | undefined): 'session' | 'connection' | { idleMs: number } | undefined {
  if (value === undefined || value === 'session' || value === 'connection') return value;
  const ms = Number(value);
  if (Number.isInteger(ms) && ms > 0) return { idleMs: ms };
  throw new ParityError('USAGE', `--group-by ${value}: expected session, connection, or a time window in ms (e.g. 5000)`);
}

/** `paritykit import har FILE`: HAR 1.2 entries → exchange scenarios in a YAML scenario file. */
async function importHar(io: CliIo, file: string, opts: { out?: string; all?: boolean }): Promise<number> {
  const source = path.resolve(io.cwd, file);
  let har: unknown;
  try {
    har = JSON.parse(await readFile(source, 'utf8'));
  } catch (err) {
    throw new ParityError('USAGE', `${file}: cannot read a HAR file (${(err as Error).message.split('\n')[0]}); export one from the browser's network panel ("Save all as HAR")`);
  }
  const scenarios = fromHar(har, source, { all: opts.all });
  if (scenarios.length === 0) throw new ParityError('USAGE', `${file}: no HTTP entries to import${opts.all ? '' : ' (static assets and preflights are skipped; --all keeps them)'}`);
  const out = path.resolve(io.cwd, opts.out ?? `${path.basename(file).replace(/\.har$/i, '')}.scenarios.yaml`);
  await writeScenarioFile(out, scenarios, `Imported by paritykit import har from ${path.basename(file)} on ${new Date().toISOString()}.`);
  io.stdout.write(`paritykit: ${scenarios.length} scenario(s), ${scenarios.reduce((n, s) => n + s.requests.length, 0)} request(s) → ${path.relative(io.cwd, out) || out}\n`);
  return 0;
}

/** `paritykit export har --suite NAME`: the suite's recorded exchanges as one HAR 1.2 file. */
async function exportHar(io: CliIo, opts: { config?: string; suite?: string[]; out?: string }): Promise<number> {
  const config = await loadConfig(io.cwd, opts.config);
  const suite = serviceSuite(config.suites, opts.suite?.[0], config.file);
  const baseline = await createFsBaselineStore(config.baselineDir).load(suite.name);
  if (!baseline) throw new ParityError('BASELINE_MISSING', `suite ${suite.name} has no baseline yet; run \`paritykit record --suite ${suite.name}\``);
  const scenarios = [...baseline.scenarios.values()].filter((b) => b.observation.http).map((b) => ({ id: b.id, exchanges: b.observation.http!.exchanges }));
  const baseUrl = 'url' in suite.legacy ? suite.legacy.url : 'http://legacy.invalid';
  const har = toHar(scenarios, { name: 'paritykit', version: PARITYKIT_VERSION }, { baseUrl, startedAt: baseline.manifest.recordedAt });
  const out = path.resolve(io.cwd, opts.out ?? `${suite.name}.har`);
  await writeFile(out, JSON.stringify(har, null, 2) + '\n');
  io.stdout.write(`paritykit: ${scenarios.length} scenario(s) of ${suite.name} (revision ${baseline.manifest.revision}) → ${path.relative(io.cwd, out) || out}\n`);
  return 0;
}

/** Adds `import har` and `export har` to the program. */
export function registerHttpCommands(program: Command, io: CliIo, setExit: (code: number) => void): void {
  const imp = program.command('import').description('import recordings made elsewhere as scenarios');
  imp
    .command('har <file>')
    .description('turn a HAR 1.2 file (browser devtools "Save all as HAR") into exchange scenarios')
    .option('-o, --out <file>', 'scenario file to write (default <name>.scenarios.yaml)')
    .option('--all', 'keep static assets and CORS preflights (skipped by default)')
    .addHelpText('after', '\nExamples:\n  $ paritykit import har checkout.har --out scenarios/checkout.yaml\n')
    .action(async (file: string, opts) => setExit(await importHar(io, file, opts)));
  const exp = program.command('export').description('export baselines in standard formats');
  exp
    .command('har')
    .description("write a service suite's recorded exchanges as a HAR 1.2 file")
    .option('-c, --config <path>', 'config file')
    .option('-s, --suite <name>', 'the service suite', (v: string, p: string[] = []) => [...p, v])
    .option('-o, --out <file>', 'HAR file to write (default <suite>.har)')
    .addHelpText('after', '\nExamples:\n  $ paritykit export har --suite orders --out orders.har\n')
    .action(async (opts) => setExit(await exportHar(io, opts)));
}
