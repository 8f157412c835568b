/**
 * Service targets: bringing an HTTP system up for a run and down again afterwards.
 *
 * - `{ url }`: a service someone else runs; nothing to start or stop.
 * - `{ start }`: a command paritykit starts on a free port (passed as `PORT`), waits for
 *   (a URL that answers, a log line, or the port accepting connections), and stops with its
 *   whole process tree.
 * - `{ container }`: an image run with testcontainers' `GenericContainer`; where no container
 *   runtime exists it fails at once with a message naming `start` and `url` instead.
 *
 * Legacy and candidate go through the same function, so they get the same treatment.
 *
 * @see issue 3 §1 (service targets)
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { ParityError } from '../harness/errors.ts';
import type { ContainerTarget, ServiceTarget, StartTarget, UrlTarget } from '../harness/http-model.ts';
import { buildRunEnvironment, resolveCommandArgv, settlesWithin } from './process.ts';
import { killProcessTree, ProcessTreeSampler } from './process-tree.ts';

/** Default time a service gets to become ready (ms). */
export const DEFAULT_READY_TIMEOUT_MS = 30_000;
/** Time a SIGTERM'ed service tree gets before SIGKILL (ms). Services flush and close
 *  connections on SIGTERM, so they get longer than a CLI run's 500 ms. */
export const SERVICE_KILL_GRACE_MS = 3_000;
/** Cap on the bytes of output kept by {@link RunningService.log} (1 MiB): the first half and
 *  the most recent half. */
export const MAX_SERVICE_LOG_BYTES = 1024 * 1024;
/** Lines of output quoted in a "failed to start" message. */
export const FAILURE_LOG_LINES = 50;

/** Pause between two readiness probes (ms). */
const PROBE_INTERVAL_MS = 100;
/** Time limit of one readiness probe (ms). */
const PROBE_TIMEOUT_MS = 2_000;
/** How often the service's process tree is sampled, so that a grandchild that leaves it
 *  (setsid, double fork) is still known when it is stopped (ms). */
const TREE_SAMPLE_INTERVAL_MS = 250;
/** After the tree is killed, how long stdout/stderr get to reach end-of-file before they are
 *  closed from our side (ms). */
const STDIO_CLOSE_AFTER_KILL_MS = 1_000;
/** How much recent output of each stream the `ready.log` regex is tested against (chars). */
const LOG_MATCH_WINDOW_CHARS = 64 * 1024;
/** Prefix of the service's temporary HOME directory (under `os.tmpdir()`). */
const HOME_DIR_PREFIX = 'paritykit-service-';

/** The exit status of a service's root process. */
export interface ServiceExit {
  code: number | null;
  signal: string | null;
}

/** A service that is up (or, for a `{ url }` target, assumed to be). */
export interface RunningService {
  /** Base URL: `http://127.0.0.1:PORT` (no trailing slash). For a `{ url }` target, its URL
   *  without trailing slash; for a container, the host and mapped port testcontainers gives. */
  readonly baseUrl: string;
  /** Pid of the service's root process (a `{ start }` target), so its process tree can be
   *  measured (perf: peak RSS under load); absent for `{ url }` and container targets. */
  readonly pid?: number;
  /** Everything the service printed so far (stdout and stderr interleaved in arrival order,
   *  decoded as UTF-8). Capped at {@link MAX_SERVICE_LOG_BYTES}: beyond it the first and the
   *  most recent 512 KiB are kept with a `[… N bytes of output not kept …]` line between. Empty
   *  for a `{ url }` target. */
  log(): string;
  /** How the service's root process ended when it ended by itself (a crash mid-run), `null`
   *  while it runs, after {@link stop}, and for `{ url }` and container targets. */
  exitStatus(): ServiceExit | null;
  /** Stops the service and its whole process tree (or the container). Idempotent: later calls
   *  return the same promise. Never throws for a process target. */
  stop(): Promise<void>;
}

/** Options of {@link startService}. */
export interface StartServiceOptions {
  /** Directory `start.cwd` is resolved against (the config file's directory). */
  rootDir: string;
  /** Variables given to the service over its own (`start.env` / `container.env`), e.g.
   *  `DATABASE_URL` of the scenario's database. */
  env?: Record<string, string>;
  /** Aborting while the service starts kills it and rejects with an `AbortError`; aborting
   *  later stops it (like {@link RunningService.stop}). */
  signal?: AbortSignal;
}

/**
 * Brings a service target up and returns a handle to reach and stop it.
 *
 * `{ url }`: nothing is started and nothing is checked (no request is sent: a probe could
 * have side effects on a system someone else runs, and a clear error when the first request
 * fails is the runner's job). `baseUrl` is the URL without trailing slashes.
 *
 * `{ start }`:
 * 1. picks a free TCP port (binds port 0, reads the port the OS chose, closes; another
 *    process could take it in between, which is unlikely and shows as a start failure);
 * 2. spawns `command` in `cwd` (resolved against `rootDir`; default `rootDir`), with relative
 *    file arguments made absolute against that directory (`resolveCommandArgv` of the process
 *    recorder), as a new session and process group, stdin closed; environment: the minimal
 *    one of the process recorder (`buildRunEnvironment`: PATH, LANG=C.UTF-8, TZ=UTC, HOME = a
 *    fresh temporary directory that is removed on stop) + `start.env` + `options.env` + `PORT`
 *    (always the port picked; a `PORT` in `start.env` is a config error). Nothing is expanded
 *    in argv: a service that takes its port as an argument is started through a shell,
 *    `["sh", "-c", "exec python3 -m http.server \"$PORT\""]`;
 * 3. waits until it is ready, which is all of the conditions given:
 *    - `ready.url`: a GET of that path (relative to `baseUrl`) or absolute URL answers with any
 *      status below 500 (redirects not followed), polled every 100 ms, each try limited to 2 s;
 *    - `ready.log`: a regex (multiline flag: `^`/`$` match at line ends) found in the stdout or
 *      stderr output;
 *    - neither given: the port accepts a TCP connection on 127.0.0.1.
 * Output is collected from spawn on and until the service is stopped (see `log()`).
 *
 * `{ container }`: `GenericContainer(image)` with the port exposed, `container.env` +
 * `options.env`, and the wait strategy `wait.log` (regex) and/or `wait.http` (any status below
 * 500), startup limit `wait.timeoutMs` (default 30 s). testcontainers is loaded only for these
 * targets. A container that outlives paritykit (killed hard) is removed by testcontainers'
 * own reaper (Ryuk), not by this module.
 *
 * Clean-up: a service started and not stopped is killed when paritykit exits (`process.exit`
 * or the end of the event loop: an `exit` hook sends SIGKILL to its process group and every
 * process of it that was seen or that carries its HOME), and on SIGINT, SIGTERM or SIGHUP when
 * no one else handles that signal (the services are killed and the signal is raised again, so
 * paritykit still ends as it would have). When the application has its own handler, that
 * handler owns the shutdown: it should stop the services or call `process.exit`.
 *
 * @returns The running service.
 * @throws ParityError `CONFIG_INVALID` for a target that is none of the three kinds, an empty
 *   command, a `url` that is not http(s), a `ready.log` that is not a valid regex, a
 *   `timeoutMs` that is not a positive number, or `PORT` in `start.env`.
 * @throws ParityError `TARGET_FAILED` when the command cannot be spawned, exits before it is
 *   ready (message: the exit code or signal), or is not ready within `ready.timeoutMs`
 *   (default 30 s); the message names the command and its directory and quotes the last 50
 *   lines of its output. The process tree is dead by then. Also for a container target that
 *   cannot be started, in particular when there is no container runtime.
 * @throws An `Error` named `AbortError` (code `ABORT_ERR`) when `signal` aborts during start.
 *
 * @example
 * const service = await startService(
 *   { start: { command: ['node', 'legacy/server.js'], ready: { url: '/health' } } },
 *   { rootDir: configDir, env: { DATABASE_URL: db.url } },
 * );
 * try {
 *   const res = await fetch(`${service.baseUrl}/orders`);
 * } finally {
 *   await service.stop();
 * }
 */
export async function startService(target: ServiceTarget, options: StartServiceOptions): Promise<RunningService> {
  if (options.signal?.aborted) throw abortError(options.signal);
  // The config is validated elsewhere, but a target may come from a hand-written object.
  const raw: unknown = target;
  if (isObject(raw) && typeof raw.url === 'string') return startUrlService(target as UrlTarget);
  if (isObject(raw) && isObject(raw.start)) return startCommandService(target as StartTarget, options);
  if (isObject(raw) && isObject(raw.container)) return startContainerService(target as ContainerTarget, options);
  throw new ParityError(
    'CONFIG_INVALID',
    'a service target needs exactly one of url (a running service), start ({ command, ready }) or container ({ image, port }); fix the suite\'s legacy/candidate target',
  );
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

// ---------------------------------------------------------------------------------------------
// { url }

function startUrlService(target: UrlTarget): RunningService {
  const url = parseHttpUrl(target.url, 'url');
  const baseUrl = url.href.replace(/\/+$/, '');
  const stopped = Promise.resolve();
  return { baseUrl, log: () => '', exitStatus: () => null, stop: () => stopped };
}

function parseHttpUrl(text: string, field: string): URL {
  let url: URL | null = null;
  try {
    url = new URL(text);
  } catch {
    // reported below
  }
  if (url === null || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new ParityError(
      'CONFIG_INVALID',
      `target ${field} ${JSON.stringify(text)} is not an http(s) URL; write it like "http://127.0.0.1:8080"`,
    );
  }
  return url;
}

// ---------------------------------------------------------------------------------------------
// Output of a service

/**
 * Output of a service, stdout and stderr interleaved by arrival. Keeps the first half of the
 * cap and the most recent half, so both the startup banner and the latest lines survive a
 * long, chatty run.
 */
class ServiceLog {
  private readonly half: number;
  private readonly head: Buffer[] = [];
  private headBytes = 0;
  private tail: Buffer[] = [];
  private tailBytes = 0;
  private dropped = 0;

  constructor(capBytes: number) {
    this.half = Math.floor(capBytes / 2);
  }

  push(chunk: Buffer): void {
    let rest = chunk;
    if (this.headBytes < this.half) {
      const taken = rest.subarray(0, this.half - this.headBytes);
      this.head.push(taken);
      this.headBytes += taken.length;
      rest = rest.subarray(taken.length);
    }
    if (rest.length === 0) return;
    this.tail.push(rest);
    this.tailBytes += rest.length;
    while (this.tailBytes > this.half) {
      const excess = this.tailBytes - this.half;
      const first = this.tail[0];
      if (first.length <= excess) {
        this.tail.shift();
        this.tailBytes -= first.length;
        this.dropped += first.length;
      } else {
        this.tail[0] = first.subarray(excess);
        this.tailBytes -= excess;
        this.dropped += excess;
      }
    }
  }

  text(): string {
    const head = Buffer.concat(this.head, this.headBytes).toString('utf8');
    const tail = Buffer.concat(this.tail, this.tailBytes).toString('utf8');
    if (this.dropped === 0) return head + tail;
    return `${head}\n[… ${this.dropped} bytes of output not kept …]\n${tail}`;
  }
}

/** Tests the `ready.log` regex against recent output of one stream (chunks of a line may
 *  arrive apart, and the two streams must not be glued together). */
class LogWatcher {
  private readonly regex: RegExp;
  private readonly decoder = new StringDecoder('utf8');
  private window = '';

  constructor(regex: RegExp) {
    this.regex = regex;
  }

  /** @returns true when the regex matches the output seen so far. */
  push(chunk: Buffer): boolean {
    this.window += this.decoder.write(chunk);
    const matched = this.regex.test(this.window);
    if (this.window.length > LOG_MATCH_WINDOW_CHARS) this.window = this.window.slice(-LOG_MATCH_WINDOW_CHARS);
    return matched;
  }
}

/** The last `count` lines of a log, for an error message. */
function lastLines(log: string, count: number): string {
  const lines = log.split('\n');
  if (lines.at(-1) === '') lines.pop();
  if (lines.length === 0) return 'It printed nothing.';
  const shown = lines.slice(-count);
  const header = lines.length > count ? `Last ${count} of ${lines.length} lines of its output:` : 'Its output:';
  return `${header}\n${shown.map((line) => `  | ${line}`).join('\n')}`;
}

// ---------------------------------------------------------------------------------------------
// { start }

/** A started service not yet stopped, for the exit and signal safety nets. */
interface LiveService {
  pid: number;
  home: string;
  sampler: ProcessTreeSampler;
}

const liveServices = new Set<LiveService>();
let exitHookInstalled = false;
const SHUTDOWN_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/**
 * Kills every live service synchronously (nothing async runs at `exit` or after a fatal
 * signal): SIGKILL to its process group, to the processes the sampler saw in its tree (same
 * start time, so a reused pid is spared), and to every process whose initial environment
 * carries its HOME; then removes its HOME directory.
 */
function killLiveServicesNow(): void {
  if (liveServices.size === 0) return;
  const homes = [...liveServices].map((s) => Buffer.from(`HOME=${s.home}\0`));
  for (const service of liveServices) {
    trySignal(-service.pid, 'SIGKILL');
    for (const seen of service.sampler.seen) {
      if (readStartTimeSync(seen.pid) === seen.startTime) trySignal(seen.pid, 'SIGKILL');
    }
  }
  for (const pid of pidsWithEnvironmentSync(homes)) trySignal(pid, 'SIGKILL');
  for (const service of liveServices) {
    try {
      rmSync(service.home, { recursive: true, force: true });
    } catch {
      // best effort at exit
    }
  }
  liveServices.clear();
}

function onShutdownSignal(signal: NodeJS.Signals): void {
  // Someone else handles this signal: they own the shutdown (stop() or process.exit, which
  // runs the exit hook). Alone, this handler replaces Node's default "terminate", so it kills
  // the services and raises the signal again with the default action restored.
  if (process.listenerCount(signal) > 1) return;
  killLiveServicesNow();
  removeSignalHandlers();
  process.kill(process.pid, signal);
}

function addSignalHandlers(): void {
  for (const signal of SHUTDOWN_SIGNALS) process.on(signal, onShutdownSignal);
}

function removeSignalHandlers(): void {
  for (const signal of SHUTDOWN_SIGNALS) process.off(signal, onShutdownSignal);
}

function trackLiveService(service: LiveService): void {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', killLiveServicesNow);
  }
  if (liveServices.size === 0) addSignalHandlers();
  liveServices.add(service);
}

function untrackLiveService(service: LiveService): void {
  if (!liveServices.delete(service)) return;
  if (liveServices.size === 0) removeSignalHandlers();
}

function readStartTimeSync(pid: number): string | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'latin1');
    // Field 22; the command name (field 2) may contain spaces and ')'.
    return text.slice(text.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

/** Pids whose initial environment holds one of `entries` (`HOME=…\0`); empty without /proc. */
function pidsWithEnvironmentSync(entries: Buffer[]): number[] {
  let names: string[];
  try {
    names = readdirSync('/proc');
  } catch {
    return [];
  }
  const found: number[] = [];
  for (const name of names) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    let environ: Buffer;
    try {
      environ = readFileSync(`/proc/${name}/environ`);
    } catch {
      continue;
    }
    const hit = entries.some(
      (entry) => environ.subarray(0, entry.length).equals(entry) || environ.includes(Buffer.concat([Buffer.from([0]), entry])),
    );
    if (hit) found.push(Number(name));
  }
  return found;
}

function trySignal(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // ESRCH (already gone) or EPERM (not ours)
  }
}

/** The checked `start` part of a target. */
interface StartPlan {
  argv: string[];
  cwd: string;
  env: Record<string, string>;
  readyUrl: string | undefined;
  readyLog: RegExp | undefined;
  timeoutMs: number;
}

function planStart(target: StartTarget, rootDir: string): StartPlan {
  const { command, cwd, env, ready } = target.start;
  if (!Array.isArray(command) || command.length === 0 || typeof command[0] !== 'string' || command[0] === '') {
    throw new ParityError(
      'CONFIG_INVALID',
      'start.command of a service target is empty; give an argv like ["node", "server.js"]',
    );
  }
  if (env !== undefined && Object.hasOwn(env, 'PORT')) {
    throw new ParityError(
      'CONFIG_INVALID',
      'start.env.PORT is set, but paritykit passes PORT itself (the free port it picked and sends requests to); remove it from start.env and make the service listen on $PORT',
    );
  }
  const timeoutMs = ready?.timeoutMs ?? DEFAULT_READY_TIMEOUT_MS;
  if (typeof timeoutMs !== 'number' || !Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    throw new ParityError(
      'CONFIG_INVALID',
      `start.ready.timeoutMs must be a positive number of milliseconds (got ${String(timeoutMs)}); fix the service target`,
    );
  }
  let readyLog: RegExp | undefined;
  if (ready?.log !== undefined) {
    try {
      readyLog = new RegExp(ready.log, 'm');
    } catch (err) {
      throw new ParityError(
        'CONFIG_INVALID',
        `start.ready.log ${JSON.stringify(ready.log)} is not a valid regular expression (${(err as Error).message}); fix the service target`,
        { cause: err },
      );
    }
  }
  if (ready?.url !== undefined && /^[a-z][a-z0-9+.-]*:/i.test(ready.url)) parseHttpUrl(ready.url, 'start.ready.url');
  return {
    argv: [...command],
    cwd: resolve(rootDir, cwd ?? '.'),
    env: { ...env },
    readyUrl: ready?.url,
    readyLog,
    timeoutMs,
  };
}

/**
 * Picks a TCP port that is free right now: binds port 0 on all interfaces (so the port is free
 * for `::`, `0.0.0.0` and `127.0.0.1` alike), reads the port the OS chose, closes.
 */
function pickFreePort(): Promise<number> {
  return new Promise((settle, fail) => {
    const server = createServer();
    server.unref();
    server.once('error', fail);
    server.listen({ port: 0, exclusive: true }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => (port > 0 ? settle(port) : fail(new Error('the OS gave no port'))));
    });
  });
}

/** How a start attempt ended. */
type StartOutcome =
  | { kind: 'ready' }
  | { kind: 'timeout' }
  | { kind: 'exited'; exit: ServiceExit }
  | { kind: 'spawn-error'; error: Error }
  | { kind: 'abort' };

async function startCommandService(target: StartTarget, options: StartServiceOptions): Promise<RunningService> {
  const plan = planStart(target, resolve(options.rootDir));
  const argv = await resolveCommandArgv(plan.argv, plan.cwd, null);
  const port = await pickFreePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const home = await mkdtemp(join(tmpdir(), HOME_DIR_PREFIX));
  const env = buildRunEnvironment(home, { ...plan.env, ...options.env, PORT: String(port) });
  const commandText = `${JSON.stringify(argv)} in ${plan.cwd}`;

  let child: ChildProcess;
  try {
    child = spawn(argv[0], argv.slice(1), { cwd: plan.cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    // Synchronous failures are invalid arguments (a NUL byte in an argument).
    await rm(home, { recursive: true, force: true });
    throw spawnFailure(argv[0], plan.cwd, err);
  }

  const log = new ServiceLog(MAX_SERVICE_LOG_BYTES);
  let logMatched: () => void = () => {};
  const logReady = new Promise<void>((settle) => {
    logMatched = settle;
  });
  const watchers = plan.readyLog === undefined ? [] : [new LogWatcher(plan.readyLog), new LogWatcher(plan.readyLog)];
  let watching = watchers.length > 0;
  const onOutput = (watcher: LogWatcher | undefined) => (chunk: Buffer) => {
    log.push(chunk);
    if (watching && watcher !== undefined && watcher.push(chunk)) {
      watching = false;
      logMatched();
    }
  };
  child.stdout!.on('data', onOutput(watchers[0]));
  child.stderr!.on('data', onOutput(watchers[1]));

  let exit: ServiceExit | null = null;
  const exited = new Promise<ServiceExit>((settle) =>
    child.once('exit', (code, signal) => {
      exit = { code, signal };
      settle(exit);
    }),
  );
  const closed = new Promise<void>((settle) => child.once('close', () => settle()));
  const spawned = new Promise<Error | null>((settle) => {
    child.once('spawn', () => settle(null));
    child.once('error', (err) => settle(err));
  });
  const spawnError = await spawned;
  child.on('error', () => {}); // later errors (a failed kill) are handled by killProcessTree
  if (spawnError !== null || child.pid === undefined) {
    child.stdout!.destroy();
    child.stderr!.destroy();
    await rm(home, { recursive: true, force: true });
    throw spawnFailure(argv[0], plan.cwd, spawnError);
  }
  const pid = child.pid;
  const sampler = new ProcessTreeSampler(pid, TREE_SAMPLE_INTERVAL_MS);
  sampler.start();
  const live: LiveService = { pid, home, sampler };
  trackLiveService(live);

  let stopping: Promise<void> | undefined;
  let stoppedByUs = false;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      stoppedByUs = true;
      options.signal?.removeEventListener('abort', onLateAbort);
      await sampler.stop();
      await killProcessTree({ rootPid: pid, seen: sampler.seen, homeDir: home }, { graceMs: SERVICE_KILL_GRACE_MS });
      if (!(await settlesWithin(closed, STDIO_CLOSE_AFTER_KILL_MS))) {
        // A process nobody could find still holds the pipes: close them from our side.
        child.stdout!.destroy();
        child.stderr!.destroy();
      }
      untrackLiveService(live);
      await rm(home, { recursive: true, force: true, maxRetries: 3 }).catch((err: unknown) => {
        process.emitWarning(`paritykit: could not remove the service's HOME directory ${home}: ${String(err)}`);
      });
    })();
    return stopping;
  };
  const onLateAbort = (): void => void stop();

  const probes = new AbortController();
  const probeState: ProbeState = { last: undefined };
  const conditions: Array<Promise<void>> = [];
  if (plan.readyLog !== undefined) conditions.push(logReady);
  if (plan.readyUrl !== undefined) conditions.push(pollUrl(resolveReadyUrl(plan.readyUrl, baseUrl), probes.signal, probeState));
  if (conditions.length === 0) conditions.push(pollPort(port, probes.signal, probeState));

  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const outcome = await new Promise<StartOutcome>((settle) => {
    void Promise.all(conditions).then(() => settle({ kind: 'ready' }));
    void exited.then((status) => settle({ kind: 'exited', exit: status }));
    timer = setTimeout(() => settle({ kind: 'timeout' }), plan.timeoutMs);
    onAbort = () => settle({ kind: 'abort' });
    options.signal?.addEventListener('abort', onAbort, { once: true });
    if (options.signal?.aborted) settle({ kind: 'abort' });
  });
  clearTimeout(timer);
  probes.abort();
  if (onAbort !== undefined) options.signal?.removeEventListener('abort', onAbort);

  if (outcome.kind === 'ready') {
    options.signal?.addEventListener('abort', onLateAbort, { once: true });
    return {
      baseUrl,
      pid,
      log: () => log.text(),
      exitStatus: () => (stoppedByUs ? null : exit),
      stop,
    };
  }

  if (outcome.kind === 'exited') {
    // Let the pipes drain, so the message quotes everything it printed before it died.
    await settlesWithin(closed, STDIO_CLOSE_AFTER_KILL_MS);
  }
  await stop();
  if (outcome.kind === 'abort') throw abortError(options.signal!);
  const waitedFor = describeReadiness(plan, baseUrl, port);
  let what: string;
  if (outcome.kind === 'exited') {
    const status = outcome.exit.code !== null ? `exited with code ${outcome.exit.code}` : `was killed by ${outcome.exit.signal ?? 'a signal'}`;
    what = `the service ${status} before it was ready (${waitedFor})`;
  } else if (outcome.kind === 'timeout') {
    const last = probeState.last === undefined ? '' : `; last probe: ${probeState.last}`;
    what = `the service was not ready within ${plan.timeoutMs} ms (${waitedFor}${last}); it was stopped`;
  } else {
    what = `the service could not be started (${outcome.error.message})`;
  }
  const fix =
    outcome.kind === 'timeout'
      ? 'make the service listen on $PORT (on 127.0.0.1 or all interfaces) and check start.ready, or raise start.ready.timeoutMs'
      : 'fix the service or its start.command/start.env';
  throw new ParityError('TARGET_FAILED', `${what}: command ${commandText}; ${fix}. ${lastLines(log.text(), FAILURE_LOG_LINES)}`);
}

function resolveReadyUrl(readyUrl: string, baseUrl: string): string {
  if (/^[a-z][a-z0-9+.-]*:/i.test(readyUrl)) return readyUrl;
  return `${baseUrl}${readyUrl.startsWith('/') ? '' : '/'}${readyUrl}`;
}

function describeReadiness(plan: StartPlan, baseUrl: string, port: number): string {
  const parts: string[] = [];
  if (plan.readyUrl !== undefined) parts.push(`waited for GET ${resolveReadyUrl(plan.readyUrl, baseUrl)} to answer below 500`);
  if (plan.readyLog !== undefined) parts.push(`waited for a line matching /${plan.readyLog.source}/ in its output`);
  if (parts.length === 0) parts.push(`waited for port ${port} on 127.0.0.1 to accept connections`);
  return parts.join(' and ');
}

/** What the last readiness probe saw, for the timeout message. */
interface ProbeState {
  last: string | undefined;
}

/** Resolves once `url` answers with a status below 500; never settles after `signal` aborts. */
async function pollUrl(url: string, signal: AbortSignal, state: ProbeState): Promise<void> {
  while (!signal.aborted) {
    try {
      const response = await fetch(url, {
        redirect: 'manual',
        signal: AbortSignal.any([signal, AbortSignal.timeout(PROBE_TIMEOUT_MS)]),
      });
      await response.body?.cancel();
      state.last = `answered ${response.status}`;
      if (response.status < 500) return;
    } catch (err) {
      if (signal.aborted) break;
      state.last = describeProbeError(err);
    }
    await sleep(PROBE_INTERVAL_MS, signal);
  }
  return new Promise(() => {});
}

/** Resolves once 127.0.0.1:`port` accepts a TCP connection; never settles after `signal` aborts. */
async function pollPort(port: number, signal: AbortSignal, state: ProbeState): Promise<void> {
  while (!signal.aborted) {
    const error = await new Promise<Error | null>((settle) => {
      const socket = createConnection({ host: '127.0.0.1', port, timeout: PROBE_TIMEOUT_MS });
      socket.once('connect', () => {
        socket.destroy();
        settle(null);
      });
      socket.once('timeout', () => {
        socket.destroy();
        settle(new Error('connection timed out'));
      });
      socket.once('error', (err) => settle(err));
    });
    if (error === null) return;
    state.last = describeProbeError(error);
    await sleep(PROBE_INTERVAL_MS, signal);
  }
  return new Promise(() => {});
}

function describeProbeError(err: unknown): string {
  const cause = (err as { cause?: unknown }).cause;
  const code = (cause as NodeJS.ErrnoException | undefined)?.code ?? (err as NodeJS.ErrnoException).code;
  if (code !== undefined) return code;
  if ((err as Error).name === 'TimeoutError') return `no answer within ${PROBE_TIMEOUT_MS} ms`;
  return (err as Error).message ?? String(err);
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((settle) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      settle();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

/** The ParityError for a command that could not be spawned, with the likely fix. */
function spawnFailure(command: string, cwd: string, err: unknown): ParityError {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  let message: string;
  if (code === 'ENOENT') {
    message = command.includes('/')
      ? `service command ${command}: not found (or its #! interpreter is missing, or the directory ${cwd} does not exist); check start.command and start.cwd`
      : `service command ${command}: not found on PATH (or the directory ${cwd} does not exist); check start.command and start.cwd, or install it`;
  } else if (code === 'EACCES') {
    message = `service command ${command}: permission denied; make it executable (chmod +x) or run it through its interpreter, e.g. ["node", "${command}"]`;
  } else {
    message = `service command ${command} could not be started (${code ?? String(err)}); check start.command`;
  }
  return new ParityError('TARGET_FAILED', message, { cause: err });
}

/** An `AbortError` shaped like Node's own (name `AbortError`, code `ABORT_ERR`). */
function abortError(signal: AbortSignal): Error {
  return Object.assign(new Error('starting the service was aborted; it was stopped', { cause: signal.reason }), {
    name: 'AbortError',
    code: 'ABORT_ERR',
  });
}

// ---------------------------------------------------------------------------------------------
// { container }

/** The message of a container target where no container runtime exists (issue 3 §1). */
export const NO_CONTAINER_RUNTIME_MESSAGE =
  'container targets need a container runtime (Docker), and none is available here: run the service yourself and use { url }, or let paritykit start it with { start: { command, ready } }';

async function startContainerService(target: ContainerTarget, options: StartServiceOptions): Promise<RunningService> {
  const { image, port, env, wait } = target.container;
  if (typeof image !== 'string' || image === '') {
    throw new ParityError('CONFIG_INVALID', 'container.image of a service target is empty; give an image like "ghcr.io/acme/orders:1.4"');
  }
  if (!Number.isInteger(port) || port <= 0 || port > 65_535) {
    throw new ParityError(
      'CONFIG_INVALID',
      `container.port must be the TCP port the service listens on inside the container (got ${String(port)}); fix the service target`,
    );
  }
  const timeoutMs = wait?.timeoutMs ?? DEFAULT_READY_TIMEOUT_MS;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    throw new ParityError(
      'CONFIG_INVALID',
      `container.wait.timeoutMs must be a positive number of milliseconds (got ${String(timeoutMs)}); fix the service target`,
    );
  }
  let waitLog: RegExp | undefined;
  if (wait?.log !== undefined) {
    try {
      waitLog = new RegExp(wait.log, 'm');
    } catch (err) {
      throw new ParityError(
        'CONFIG_INVALID',
        `container.wait.log ${JSON.stringify(wait.log)} is not a valid regular expression (${(err as Error).message}); fix the service target`,
        { cause: err },
      );
    }
  }

  // Loaded here only: testcontainers takes about half a second to import.
  const { GenericContainer, Wait } = await import('testcontainers');
  const log = new ServiceLog(MAX_SERVICE_LOG_BYTES);
  let container = new GenericContainer(image)
    .withExposedPorts(port)
    .withEnvironment({ ...env, ...options.env })
    .withStartupTimeout(timeoutMs)
    .withLogConsumer((stream) => {
      stream.on('data', (chunk: Buffer | string) => log.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk)));
      stream.on('error', () => {});
    });
  const strategies = [];
  if (waitLog !== undefined) strategies.push(Wait.forLogMessage(waitLog));
  if (wait?.http !== undefined) strategies.push(Wait.forHttp(wait.http, port).forStatusCodeMatching((status) => status < 500));
  if (strategies.length === 1) container = container.withWaitStrategy(strategies[0]);
  if (strategies.length > 1) container = container.withWaitStrategy(Wait.forAll(strategies));

  let started: Awaited<ReturnType<typeof container.start>>;
  try {
    started = await container.start();
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    if (/container runtime strategy/i.test(message)) {
      throw new ParityError('TARGET_FAILED', NO_CONTAINER_RUNTIME_MESSAGE, { cause: err });
    }
    throw new ParityError(
      'TARGET_FAILED',
      `container ${image} could not be started or was not ready within ${timeoutMs} ms (${message}); check container.image, container.port and container.wait. ${lastLines(log.text(), FAILURE_LOG_LINES)}`,
      { cause: err },
    );
  }
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      options.signal?.removeEventListener('abort', onLateAbort);
      await started.stop();
    })();
    return stopping;
  };
  const onLateAbort = (): void => void stop().catch(() => {});
  if (options.signal?.aborted) {
    await stop();
    throw abortError(options.signal);
  }
  options.signal?.addEventListener('abort', onLateAbort, { once: true });
  return {
    baseUrl: `http://${started.getHost()}:${started.getMappedPort(port)}`,
    log: () => log.text(),
    exitStatus: () => null,
    stop,
  };
}
