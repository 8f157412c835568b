/**
 * The process recorder: runs one scenario of a command target and observes the `stdout`,
 * `stderr`, `exit`, `files` and `timing` channels.
 *
 * Every run is hermetic: a fresh temporary working directory, a minimal fixed environment,
 * and no process of the run outlives the call. Legacy and candidate go through the same
 * function, so they get exactly the same treatment.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readdir, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, posix, resolve } from 'node:path';
import { ParityError } from '../harness/errors.ts';
import type { ExitObservation, ScenarioObservation } from '../harness/model.ts';
import { diffSnapshots, snapshotDir } from './files.ts';
import { killProcessTree, mayHaveLiveProcesses, ProcessTreeSampler } from './process-tree.ts';
import type { ProcessTreeScope } from './process-tree.ts';

/** Default cap on the bytes kept of each of stdout and stderr (256 MiB). */
export const MAX_STREAM_BYTES = 256 * 1024 * 1024;
/** Time a SIGTERM'ed process tree gets before SIGKILL (ms). */
export const KILL_GRACE_MS = 500;
/** Pause between two memory samples of a running process tree (ms). */
export const RSS_SAMPLE_INTERVAL_MS = 15;
/** PATH used when paritykit's own environment has none. */
const FALLBACK_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
/** After the tree is killed, how long stdout/stderr get to reach end-of-file before they are
 *  closed from our side (ms); covers a pipe inherited by a process no scan could find. */
const STDIO_CLOSE_AFTER_KILL_MS = 1_000;
/** Prefix of the per-run temporary working directory (under `os.tmpdir()`). */
const WORK_DIR_PREFIX = 'paritykit-run-';

/** Input of {@link runCommand}. */
export interface RunCommandOptions {
  /** argv: target.command followed by scenario.args. See {@link resolveCommandArgv} for how
   *  relative paths in it are resolved; argv[0] without a `/` is looked up on the run's PATH. */
  argv: string[];
  /** Directory relative argv paths are resolved against (the config dir). The process itself
   *  runs in a fresh temporary working directory. */
  cwd: string;
  /** Environment variables merged over the minimal environment ({@link buildRunEnvironment}). */
  env?: Record<string, string>;
  /** Bytes (a string is UTF-8) written to stdin, which is then closed. Absent: empty, closed. */
  stdin?: string | Buffer;
  /** Files (relative path → UTF-8 content) created in the working directory before the run. */
  files?: Record<string, string>;
  /** Time limit (ms), counted from spawn. Then the whole process tree is killed. */
  timeoutMs: number;
  /** Aborting kills the process tree and rejects the call with an `AbortError`. */
  signal?: AbortSignal;
  /** Cap on the bytes kept of stdout and of stderr each; default {@link MAX_STREAM_BYTES}. */
  maxStreamBytes?: number;
}

/**
 * Runs a command once, in a fresh working directory, and observes what it did.
 *
 * Steps: validate the input; create a temporary working directory
 * (`os.tmpdir()/paritykit-run-XXXXXX`); write `files` into it; snapshot it; spawn the command
 * there with the minimal environment ({@link buildRunEnvironment}) as a new session and
 * process group; write `stdin` and close it; collect stdout and stderr as raw bytes; sample
 * the memory of the process tree; wait for the end; kill whatever is left; snapshot the
 * directory again and diff (created / modified / deleted files; seeded files left unchanged
 * are not observations); remove the directory (always, also on error).
 *
 * When the run ends:
 * - normally, when the process has exited and stdout and stderr reached end-of-file. A
 *   background process that still holds stdout or stderr keeps the run going (its later
 *   output is part of the observation) until the time limit.
 * - at `timeoutMs` after spawn: the whole tree (grandchildren included, also ones that
 *   called `setsid` and ones ignoring SIGTERM) gets SIGTERM, then after {@link KILL_GRACE_MS}
 *   SIGKILL (see `killProcessTree`). The observation has `exit.timedOut: true` and the exit
 *   status of the root (the signal that ended it; or its own exit code when it had already
 *   exited and only a background process was left). A timeout is an observation, not an error.
 * - on `signal` abort: the tree is killed the same way and the call rejects.
 * After a normal end, processes of the run that are still alive (e.g. a daemon started in
 * the background with its output redirected) are killed too: nothing outlives the call.
 *
 * Output: stdout and stderr are kept byte for byte (non-UTF-8 and binary preserved), up to
 * `maxStreamBytes` each (default 256 MiB). Beyond the cap the stream is still read (so the
 * process never blocks on a full pipe) but the excess bytes are dropped, silently: the
 * observation has no truncation flag, so a stream exactly `maxStreamBytes` long may have been
 * cut.
 *
 * Timing: `durationMs` is wall time from just before spawn to the root's exit
 * (`performance.now()`). `peakRssBytes` is the highest resident memory of the tree, sampled
 * from `/proc` every {@link RSS_SAMPLE_INTERVAL_MS} ms from right after spawn (see
 * `ProcessTreeSampler` for the exact rule), in bytes; `null` when the process ended before
 * the first sample or `/proc` is missing.
 *
 * Host process: when paritykit itself calls `process.exit()` mid-run, an `exit` hook kills
 * the live runs' process groups and removes their directories. A paritykit that is
 * SIGKILLed leaves its run directories (and any detached process trees) behind. Platforms:
 * Linux fully; without `/proc` (macOS) only the process group can be killed and no memory is
 * measured; Windows is not supported (process groups).
 *
 * @returns The observation; `files` sorted by path.
 * @throws ParityError `CONFIG_INVALID` when `argv` is empty or `timeoutMs` is not a positive
 *   number; `SCENARIO_INVALID` when a `files` path is absolute, escapes the working directory
 *   or cannot be created; `TARGET_FAILED` when the command cannot be started (not found, not
 *   executable).
 * @throws An `Error` named `AbortError` (code `ABORT_ERR`, `cause` = the signal's reason) when
 *   `signal` aborts; the process tree is dead and the directory removed by then.
 *
 * @example
 * const obs = await runCommand({ argv: ['python3', 'legacy/ledger.py', 'report'], cwd: configDir,
 *   stdin: 'a,b\n', files: { 'ledger.csv': 'id,amount\n1,10\n' }, timeoutMs: 10_000 });
 * obs.exit.code; obs.stdout.toString('utf8'); obs.files.map((f) => `${f.change} ${f.path}`);
 */
export async function runCommand(opts: RunCommandOptions): Promise<ScenarioObservation> {
  validateOptions(opts);
  const seeds = validateSeedFiles(opts.files);
  if (opts.signal?.aborted) throw abortError(opts.signal);
  const workDir = await mkdtemp(join(tmpdir(), WORK_DIR_PREFIX));
  const live: LiveRun = { workDir, pid: undefined };
  trackLiveRun(live);
  let leftEmpty = false;
  try {
    await seedFiles(workDir, seeds);
    const argv = await resolveCommandArgv(opts.argv, resolve(opts.cwd), seeds.length > 0 ? workDir : null);
    // A fresh directory with nothing seeded is empty: no need to read it.
    const before = seeds.length > 0 ? await snapshotDir(workDir) : new Map();
    const run = await runProcess(argv, {
      workDir,
      env: buildRunEnvironment(workDir, opts.env),
      stdin: opts.stdin,
      timeoutMs: opts.timeoutMs,
      signal: opts.signal,
      maxStreamBytes: opts.maxStreamBytes ?? MAX_STREAM_BYTES,
      onSpawn: (pid) => {
        live.pid = pid;
      },
    });
    const after = await snapshotDir(workDir);
    const files = await diffSnapshots(before, after, workDir);
    leftEmpty = after.size === 0;
    return { stdout: run.stdout, stderr: run.stderr, exit: run.exit, files, timing: run.timing };
  } finally {
    await removeWorkDir(workDir, leftEmpty);
    liveRuns.delete(live);
  }
}

/** A run in progress: its directory, and its root pid once spawned. */
interface LiveRun {
  workDir: string;
  pid: number | undefined;
}

/** Runs in progress in this process, for the exit safety net below. */
const liveRuns = new Set<LiveRun>();
let exitHookInstalled = false;

/**
 * Safety net for `process.exit()` called while runs are in progress (a fail-fast CLI, a test
 * runner tearing down): the `finally` of those runs never executes, and their process trees,
 * being detached, would outlive paritykit. On `exit` each live run's process group gets
 * SIGKILL and its directory is removed, synchronously (nothing async runs at `exit`).
 * SIGINT/SIGTERM to paritykit do not emit `exit`: callers should turn them into an abort
 * (`signal`) or a `process.exit`. Nothing can clean up after SIGKILL.
 */
function trackLiveRun(run: LiveRun): void {
  liveRuns.add(run);
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const { workDir, pid } of liveRuns) {
      if (pid !== undefined) {
        try {
          process.kill(-pid, 'SIGKILL');
        } catch {
          // group already empty
        }
      }
      try {
        rmSync(workDir, { recursive: true, force: true });
      } catch {
        // best effort at exit
      }
    }
  });
}

/**
 * The environment of a run: minimal and the same on every machine, so legacy and candidate
 * see identical input and nothing of the developer's shell leaks in.
 *
 * - `PATH`: paritykit's own PATH (needed to find interpreters), or a standard one when unset;
 * - `HOME`: the run's temporary working directory (a program writing `~/.cache/x` shows up
 *   in the `files` channel instead of touching the real home);
 * - `LANG=C.UTF-8`, `TZ=UTC`;
 * - then `env` (target env merged with scenario env), which wins over all of the above.
 *
 * Nothing else is inherited: in particular `NODE_OPTIONS` (vitest and IDEs set it; it would
 * change a Node program's behaviour), `LC_*`, `TMPDIR` and credentials are absent unless
 * given in `env`.
 */
export function buildRunEnvironment(home: string, env?: Record<string, string>): Record<string, string> {
  return {
    PATH: process.env.PATH ?? FALLBACK_PATH,
    HOME: home,
    LANG: 'C.UTF-8',
    TZ: 'UTC',
    ...env,
  };
}

/**
 * Resolves the relative paths of a command line, because the process runs in a temporary
 * directory, not in `cwd`. The rule:
 *
 * - `argv[0]`: relative and containing a `/` (`./legacy.py`, `bin/tool`) → resolved against
 *   `cwd`. A bare name (`python3`) is left for the PATH lookup; an absolute path is kept.
 * - every other argument: kept as given, except a relative argument that names an existing
 *   regular file relative to `cwd` (`legacy/ledger.py` in `['python3', 'legacy/ledger.py']`),
 *   which becomes absolute. Not resolved: arguments starting with `-` (options, also
 *   `--file=x`), directories, and names that exist in the working directory after the
 *   scenario's files were written (a seeded `input.csv` stays `input.csv`, so the process
 *   reads the seeded copy).
 *
 * @param argv The command line; not modified.
 * @param cwd Absolute directory to resolve against.
 * @param workDir The run's working directory (already seeded), or `null` when nothing was
 *   seeded (it is empty then, and not looked at).
 * @returns A new argv.
 */
export async function resolveCommandArgv(argv: readonly string[], cwd: string, workDir: string | null): Promise<string[]> {
  return Promise.all(
    argv.map(async (arg, i) => {
      if (i === 0) return arg.includes('/') && !isAbsolute(arg) ? resolve(cwd, arg) : arg;
      if (arg === '' || arg.startsWith('-') || isAbsolute(arg)) return arg;
      if (workDir !== null && (await isRegularFile(resolve(workDir, arg)))) return arg;
      const candidate = resolve(cwd, arg);
      return (await isRegularFile(candidate)) ? candidate : arg;
    }),
  );
}

async function isRegularFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

function validateOptions(opts: RunCommandOptions): void {
  if (opts.argv.length === 0 || opts.argv[0] === '') {
    throw new ParityError(
      'CONFIG_INVALID',
      'the target command is empty; set suites[].legacy.command / suites[].candidate.command to an argv like ["python3", "ledger.py"]',
    );
  }
  if (!Number.isFinite(opts.timeoutMs) || opts.timeoutMs <= 0) {
    throw new ParityError(
      'CONFIG_INVALID',
      `timeoutMs must be a positive number of milliseconds (got ${String(opts.timeoutMs)}); fix the scenario's, target's or suite's timeoutMs`,
    );
  }
}

/**
 * Checks the paths of the scenario's `files` before anything is written.
 * @returns [normalized relative path, content] pairs.
 */
function validateSeedFiles(files: Record<string, string> | undefined): Array<[string, string]> {
  if (files === undefined) return [];
  return Object.entries(files).map(([path, content]): [string, string] => {
    const normalized = posix.normalize(path);
    const escapes = normalized === '..' || normalized.startsWith('../');
    if (path === '' || path.includes('\0') || isAbsolute(path) || escapes || normalized === '.' || path.endsWith('/')) {
      throw new ParityError(
        'SCENARIO_INVALID',
        `scenario file path ${JSON.stringify(path)} is not a file path inside the working directory; use a relative path like "data/input.csv" (no leading "/", no "..", no trailing "/")`,
      );
    }
    return [normalized, content];
  });
}

async function seedFiles(workDir: string, seeds: Array<[string, string]>): Promise<void> {
  await Promise.all(
    seeds.map(async ([path, content]) => {
      const target = join(workDir, ...path.split('/'));
      try {
        await mkdir(dirname(target), { recursive: true });
        await writeFile(target, content, 'utf8');
      } catch (err) {
        throw new ParityError(
          'SCENARIO_INVALID',
          `scenario file ${JSON.stringify(path)} could not be created (${(err as NodeJS.ErrnoException).code ?? String(err)}); a path cannot be both a file and a directory in files`,
          { cause: err },
        );
      }
    }),
  );
}

/** Removes the working directory; when a process made part of it unwritable, fixes the
 *  permissions and tries again. A failure then is a warning, not an error: it must not hide
 *  the run's result. `probablyEmpty`: try a single rmdir first (the common case of a run
 *  that wrote no file; one system call instead of a recursive walk). */
async function removeWorkDir(workDir: string, probablyEmpty: boolean): Promise<void> {
  if (probablyEmpty) {
    try {
      await rmdir(workDir);
      return;
    } catch {
      // ENOTEMPTY: empty subdirectories were left behind; remove recursively.
    }
  }
  try {
    await rm(workDir, { recursive: true, force: true, maxRetries: 3 });
    return;
  } catch {
    // EACCES/EPERM below: fall through.
  }
  try {
    const dirs = (await readdir(workDir, { recursive: true, withFileTypes: true })).filter((d) => d.isDirectory());
    await Promise.all([workDir, ...dirs.map((d) => join(d.parentPath, d.name))].map((d) => chmod(d, 0o700).catch(() => {})));
    await rm(workDir, { recursive: true, force: true, maxRetries: 3 });
  } catch (err) {
    process.emitWarning(`paritykit: could not remove the run directory ${workDir}: ${String(err)}`);
  }
}

interface ProcessRunOptions {
  workDir: string;
  env: Record<string, string>;
  stdin: string | Buffer | undefined;
  timeoutMs: number;
  signal: AbortSignal | undefined;
  maxStreamBytes: number;
  /** Called with the root pid right after a successful spawn. */
  onSpawn: (pid: number) => void;
}

interface ProcessRun {
  stdout: Buffer;
  stderr: Buffer;
  exit: ExitObservation;
  timing: { durationMs: number; peakRssBytes: number | null };
}

/** Collects a stream's chunks up to a byte cap; the rest is read and dropped. */
class CappedBuffer {
  private readonly chunks: Buffer[] = [];
  private bytes = 0;
  private readonly limit: number;

  constructor(limit: number) {
    this.limit = limit;
  }

  push(chunk: Buffer): void {
    const room = this.limit - this.bytes;
    if (room <= 0) return;
    const kept = chunk.length <= room ? chunk : chunk.subarray(0, room);
    this.chunks.push(kept);
    this.bytes += kept.length;
  }

  toBuffer(): Buffer {
    return Buffer.concat(this.chunks, this.bytes);
  }
}

/** Spawns the command and waits for the end of the run (see {@link runCommand}). */
async function runProcess(argv: string[], o: ProcessRunOptions): Promise<ProcessRun> {
  const started = performance.now();
  let child: ChildProcess;
  try {
    child = spawn(argv[0], argv.slice(1), { cwd: o.workDir, env: o.env, detached: true, stdio: 'pipe' });
  } catch (err) {
    // Synchronous failures are invalid arguments (e.g. a NUL byte in an argument).
    throw spawnFailure(argv[0], err, o.env.PATH);
  }
  const sampler = child.pid === undefined ? undefined : new ProcessTreeSampler(child.pid, RSS_SAMPLE_INTERVAL_MS);
  sampler?.start();
  if (child.pid !== undefined) o.onSpawn(child.pid);

  const stdout = new CappedBuffer(o.maxStreamBytes);
  const stderr = new CappedBuffer(o.maxStreamBytes);
  child.stdout!.on('data', (chunk: Buffer) => stdout.push(chunk));
  child.stderr!.on('data', (chunk: Buffer) => stderr.push(chunk));
  // EPIPE when the program exits without reading its stdin: not an error of the run.
  child.stdin!.on('error', () => {});
  child.stdin!.end(o.stdin ?? '');

  const spawnError = await new Promise<Error | null>((settle) => {
    child.once('spawn', () => settle(null));
    child.once('error', (err) => settle(err));
  });
  if (spawnError !== null || child.pid === undefined || sampler === undefined) {
    await sampler?.stop();
    child.stdout!.destroy();
    child.stderr!.destroy();
    throw spawnFailure(argv[0], spawnError, o.env.PATH);
  }
  const pid = child.pid;
  child.on('error', () => {}); // later errors (a failed kill) are handled by killProcessTree

  let exit: { code: number | null; signal: string | null } | null = null;
  let exitedAt = 0;
  const exited = new Promise<void>((settle) =>
    child.once('exit', (code, signal) => {
      exit = { code, signal };
      exitedAt = performance.now();
      void sampler.stop();
      settle();
    }),
  );
  const closed = new Promise<'closed'>((settle) => child.once('close', () => settle('closed')));

  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const outcome = await new Promise<'closed' | 'timeout' | 'abort'>((settle) => {
    void closed.then(settle);
    timer = setTimeout(() => settle('timeout'), Math.max(0, o.timeoutMs - (performance.now() - started)));
    onAbort = () => settle('abort');
    o.signal?.addEventListener('abort', onAbort, { once: true });
    if (o.signal?.aborted) settle('abort'); // aborted while the directory was being prepared
  });
  clearTimeout(timer);
  if (onAbort !== undefined) o.signal?.removeEventListener('abort', onAbort);

  const scope = (): ProcessTreeScope => ({ rootPid: pid, seen: sampler.seen, homeDir: o.workDir });
  if (outcome === 'closed') {
    if (await mayHaveLiveProcesses(scope())) await killProcessTree(scope(), { graceMs: KILL_GRACE_MS });
  } else {
    await sampler.stop();
    await killProcessTree(scope(), { graceMs: KILL_GRACE_MS });
    if (!(await settlesWithin(closed, STDIO_CLOSE_AFTER_KILL_MS))) {
      child.stdout!.destroy();
      child.stderr!.destroy();
      await settlesWithin(exited, STDIO_CLOSE_AFTER_KILL_MS);
    }
  }
  await sampler.stop();
  if (outcome === 'abort') throw abortError(o.signal!);

  const ended: { code: number | null; signal: string | null } = exit ?? { code: null, signal: null };
  return {
    stdout: stdout.toBuffer(),
    stderr: stderr.toBuffer(),
    exit: { code: ended.code, signal: ended.signal, timedOut: outcome === 'timeout' },
    timing: {
      durationMs: (exit === null ? performance.now() : exitedAt) - started,
      peakRssBytes: sampler.peakRssBytes,
    },
  };
}

/** Waits for `promise` at most `ms` milliseconds; true when it settled in time. The timer is
 *  cleared either way, so it never holds the event loop open. */
export async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((settle) => {
    timer = setTimeout(() => settle(false), ms);
  });
  try {
    return await Promise.race([promise.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** The ParityError for a command that could not be started, with the likely fix. */
function spawnFailure(command: string, err: unknown, path: string | undefined): ParityError {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  const where = 'check suites[].legacy.command / suites[].candidate.command';
  let message: string;
  if (code === 'ENOENT') {
    message = command.includes('/')
      ? `${command}: not found (or its #! interpreter is missing); ${where}`
      : `${command}: not found on PATH (${path ?? ''}); ${where}, or install it`;
  } else if (code === 'EACCES') {
    message = `${command}: permission denied; make it executable (chmod +x) or run it through its interpreter, e.g. ["python3", "${command}"]; ${where}`;
  } else {
    message = `${command}: could not be started (${code ?? String(err)}); ${where}`;
  }
  return new ParityError('TARGET_FAILED', message, { cause: err });
}

/** An `AbortError` shaped like Node's own (name `AbortError`, code `ABORT_ERR`). */
function abortError(signal: AbortSignal): Error {
  return Object.assign(new Error('the run was aborted; its process tree was killed', { cause: signal.reason }), {
    name: 'AbortError',
    code: 'ABORT_ERR',
  });
}
