/**
 * The process tree of one run, seen through Linux `/proc` (proc(5)): memory sampling for the
 * `timing` channel, and killing every process a run started, including grandchildren that
 * left the process group or session and processes that ignore SIGTERM.
 *
 * Everything here degrades quietly where `/proc` is missing (macOS): sampling reports
 * nothing, and killing falls back to signalling the process group.
 */
import { close, open, read } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';

/**
 * A process seen earlier: its pid plus its start time (`/proc/<pid>/stat` field 22, clock
 * ticks since boot). The pair identifies a process for good; the pid alone may be reused by
 * an unrelated process once the original is gone.
 */
export interface ProcessIdentity {
  pid: number;
  startTime: string;
}

/** The fields paritykit reads from `/proc/<pid>/stat` (proc(5)). */
export interface ProcStat {
  pid: number;
  /** State letter: `R`, `S`, `D`, `Z` (zombie: dead, waiting to be reaped), `T`, ... */
  state: string;
  ppid: number;
  /** Process group id. */
  pgrp: number;
  /** Session id. */
  session: number;
  /** Clock ticks since boot (kept as a string: only compared for equality). */
  startTime: string;
}

/**
 * Reads a small `/proc` file in three system calls (open, one read, close), where
 * `fs.promises.readFile` needs five (it also fstat()s, which reports size 0 for /proc files,
 * and reads again to see end-of-file). `/proc/<pid>/{stat,status,children}` files are
 * produced whole by the first read, so one read of up to `maxBytes` is the full content.
 *
 * @returns The text (latin1), or `null` when the file cannot be opened or read.
 */
function readProcFile(path: string, maxBytes = 4096): Promise<string | null> {
  return new Promise((settle) => {
    open(path, 'r', (openErr, fd) => {
      if (openErr) return settle(null);
      const buf = Buffer.allocUnsafe(maxBytes);
      read(fd, buf, 0, maxBytes, null, (readErr, bytes) => {
        close(fd, () => {});
        settle(readErr ? null : buf.toString('latin1', 0, bytes));
      });
    });
  });
}

/**
 * Reads `/proc/<pid>/stat`.
 *
 * The command name (field 2) is in parentheses and may itself contain spaces and `)`, so
 * fields are counted from the last `)` (the parsing rule proc(5) implies).
 *
 * @returns The fields, or `null` when the process does not exist (or `/proc` is missing).
 */
export async function readProcStat(pid: number): Promise<ProcStat | null> {
  const text = await readProcFile(`/proc/${pid}/stat`);
  if (text === null) return null;
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // rest[0] is field 3 (state); field n is rest[n - 3].
  if (rest.length < 20) return null;
  return {
    pid,
    state: rest[0],
    ppid: Number(rest[1]),
    pgrp: Number(rest[2]),
    session: Number(rest[3]),
    startTime: rest[19],
  };
}

/** True when `stat` describes a process that can still run (exists and is not a zombie). */
function isLive(stat: ProcStat | null): stat is ProcStat {
  return stat !== null && stat.state !== 'Z' && stat.state !== 'X';
}

/**
 * Direct children of `pid`, from `/proc/<pid>/task/<tid>/children` of every thread (a child
 * is listed under the thread that forked it). Needs a kernel with `CONFIG_PROC_CHILDREN`
 * (every mainstream distribution kernel since 4.2).
 *
 * @param threads Number of threads of the process when known (`Threads:` of its status):
 *   with 1, only the main thread's file is read, skipping the `task/` directory listing.
 * @returns Child pids; empty when the process is gone or `/proc` is missing.
 */
export async function listChildren(pid: number, threads?: number): Promise<number[]> {
  let tids: string[];
  if (threads === 1) {
    tids = [String(pid)];
  } else {
    try {
      tids = await readdir(`/proc/${pid}/task`);
    } catch {
      return [];
    }
  }
  const lists = await Promise.all(tids.map((tid) => readProcFile(`/proc/${pid}/task/${tid}/children`, 65536)));
  const children: number[] = [];
  for (const list of lists) {
    if (list === null) continue;
    for (const field of list.split(' ')) if (field.trim() !== '') children.push(Number(field));
  }
  return children;
}

/** Resident memory of one process (bytes). */
export interface ProcessMemory {
  /** Current resident set size (`VmRSS`). */
  rssBytes: number;
  /** Peak resident set size so far (`VmHWM`, the kernel's high-water mark). */
  hwmBytes: number;
  /** Number of threads (`Threads:`). */
  threads: number;
}

/**
 * Reads `VmRSS`, `VmHWM` (kB there; bytes here, ×1024) and `Threads` from `/proc/<pid>/status`.
 *
 * @returns `null` when the process is gone, is a zombie (no memory lines), or `/proc` is missing.
 */
export async function readProcessMemory(pid: number): Promise<ProcessMemory | null> {
  const text = await readProcFile(`/proc/${pid}/status`);
  if (text === null) return null;
  const rss = /^VmRSS:\s+(\d+) kB/m.exec(text);
  const hwm = /^VmHWM:\s+(\d+) kB/m.exec(text);
  const threads = /^Threads:\s+(\d+)/m.exec(text);
  if (rss === null || hwm === null) return null;
  return { rssBytes: Number(rss[1]) * 1024, hwmBytes: Number(hwm[1]) * 1024, threads: threads === null ? 0 : Number(threads[1]) };
}

/**
 * Samples a running process tree: peak memory, and the identity of every process seen in it
 * (so they can be killed later even after they were re-parented away from the root).
 *
 * Peak RSS is the larger of two lower bounds of the true peak of the tree:
 * - the highest sum of `VmRSS` over the tree at one sample (catches a wrapper script whose
 *   real work happens in a child; a single root `VmHWM` would miss it);
 * - the highest `VmHWM` of any one process (exact per process, and catches a spike between
 *   two samples).
 * Pages shared between processes (libc, copy-on-write after fork) count once per process in
 * the sum, so for a multi-process tree the figure leans high; for one process it is exact
 * at the sample.
 *
 * Cost: one sample reads `status` and the `children` file(s) of each process of the tree
 * (plus the `task/` listing of a multi-threaded one), and `stat` once per newly seen
 * descendant. Sampling stops as soon as
 * {@link ProcessTreeSampler.stop} is called (the owner calls it when the root exits), so a
 * finished run never touches `/proc` again.
 */
export class ProcessTreeSampler {
  /** Sampling period (ms). */
  readonly intervalMs: number;
  private readonly rootPid: number;
  private readonly seenByPid = new Map<number, ProcessIdentity>();
  private peak: number | null = null;
  private stopped = false;
  private loop: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private wake: (() => void) | undefined;

  /**
   * @param rootPid The process whose tree is sampled.
   * @param intervalMs Pause between the end of one sample and the start of the next (ms).
   */
  constructor(rootPid: number, intervalMs = 15) {
    this.rootPid = rootPid;
    this.intervalMs = intervalMs;
  }

  /** Starts sampling; the first sample is taken at once. */
  start(): void {
    this.loop = this.run();
  }

  /** Stops sampling and waits for a sample in flight to finish. Idempotent. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.wake?.();
    await this.loop;
  }

  /** Highest resident memory of the tree seen (bytes), or `null` when no sample found it alive. */
  get peakRssBytes(): number | null {
    return this.peak;
  }

  /** Every process seen in the tree so far, except the root (whose pid the caller knows). */
  get seen(): ProcessIdentity[] {
    return [...this.seenByPid.values()];
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      await this.sample();
      if (this.stopped) break;
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        this.timer = setTimeout(resolve, this.intervalMs);
      });
    }
  }

  private async sample(): Promise<void> {
    let rssSum = 0;
    let hwmMax = 0;
    let found = false;
    let level = [this.rootPid];
    const visited = new Set<number>();
    while (level.length > 0) {
      const next: number[] = [];
      await Promise.all(
        level.map(async (pid) => {
          if (visited.has(pid)) return;
          visited.add(pid);
          const memory = await readProcessMemory(pid);
          if (memory === null) return; // gone, or a zombie: it has no children to find either
          found = true;
          rssSum += memory.rssBytes;
          hwmMax = Math.max(hwmMax, memory.hwmBytes);
          const [children] = await Promise.all([listChildren(pid, memory.threads), this.remember(pid)]);
          next.push(...children);
        }),
      );
      level = next;
    }
    if (found) this.peak = Math.max(this.peak ?? 0, rssSum, hwmMax);
  }

  private async remember(pid: number): Promise<void> {
    // The root needs no start time: the kill scan finds it (and all that stayed in its
    // session) by session id, so one read per run is saved.
    if (pid === this.rootPid || this.seenByPid.has(pid)) return;
    const stat = await readProcStat(pid);
    if (stat !== null) this.seenByPid.set(pid, { pid, startTime: stat.startTime });
  }
}

/** What {@link killProcessTree} kills. */
export interface ProcessTreeScope {
  /** The run's root process. It was spawned as a session and group leader (`detached`), so
   *  its pid is also the session id and process group id of everything that stayed inside. */
  rootPid: number;
  /** Processes seen in the tree while it ran (from {@link ProcessTreeSampler.seen}). */
  seen: readonly ProcessIdentity[];
  /** The run's HOME directory: a process whose initial environment holds exactly
   *  `HOME=<homeDir>` belongs to the run (it is unique per run). */
  homeDir?: string;
}

/** Options of {@link killProcessTree}. */
export interface KillOptions {
  /** Time SIGTERM'ed processes get to exit before SIGKILL (ms). Default 500. */
  graceMs?: number;
}

const POLL_MS = 20;
/** How long to wait for SIGKILL'ed processes to disappear (ms) before a new round. */
const SIGKILL_SETTLE_MS = 2_000;
const SIGKILL_ROUNDS = 3;

/**
 * Kills every process that belongs to a run: SIGTERM, a grace period, then SIGKILL for
 * whatever is left, and returns once they are all gone (or zombies, which are dead and only
 * wait for their new parent to reap them).
 *
 * A process belongs to the run when, in a scan of all of `/proc`, it
 * - is in the root's session or process group (children and grandchildren that stayed), or
 * - is a process the sampler saw in the tree (same pid and start time: left via `setsid`), or
 * - has `HOME=<homeDir>` in its initial environment (left via `setsid` before any sample), or
 * - descends from any of the above.
 * The process group is also signalled directly, which catches a fork between scan and
 * signal. SIGKILL is repeated (up to 3 rounds, rescanning each time) while new processes
 * appear. A process that changed its session, its environment and was never sampled cannot
 * be found; that is the documented limit.
 *
 * Without `/proc` only the process group is signalled.
 *
 * Never throws: signalling a process that is already gone or not ours is ignored.
 */
export async function killProcessTree(scope: ProcessTreeScope, options: KillOptions = {}): Promise<void> {
  const graceMs = options.graceMs ?? 500;
  let targets = await findRunProcesses(scope);
  if (targets === null) {
    // No /proc: the process group is all that can be reached.
    trySignal(-scope.rootPid, 'SIGTERM');
    await waitForEmptyGroup(scope.rootPid, graceMs);
    trySignal(-scope.rootPid, 'SIGKILL');
    await waitForEmptyGroup(scope.rootPid, SIGKILL_SETTLE_MS);
    return;
  }
  if (targets.length === 0) {
    // Nothing alive (only zombies left in the group, say): one SIGKILL to the group covers a
    // process forked since the scan, and there is nothing to wait for.
    trySignal(-scope.rootPid, 'SIGKILL');
    return;
  }
  signalAll(scope.rootPid, targets, 'SIGTERM');
  await waitUntilGone(targets, graceMs);
  for (let round = 0; round < SIGKILL_ROUNDS; round++) {
    targets = (await findRunProcesses(scope)) ?? [];
    if (targets.length === 0 && round > 0) return;
    signalAll(scope.rootPid, targets, 'SIGKILL');
    await waitUntilGone(targets, SIGKILL_SETTLE_MS);
  }
}

/**
 * Cheap check, for after a run ended normally: may any process of the run still be alive?
 * True when the root's process group has members (zombies count: the kernel cannot tell
 * them apart here) or a sampled process is still alive. Costs one `kill(-pgid, 0)` and a
 * `stat` read per sampled descendant; no `/proc` scan.
 */
export async function mayHaveLiveProcesses(scope: ProcessTreeScope): Promise<boolean> {
  try {
    process.kill(-scope.rootPid, 0);
    return true;
  } catch {
    // ESRCH: the group is empty. EPERM cannot happen for our own children's group.
  }
  const others = scope.seen.filter((p) => p.pid !== scope.rootPid);
  const stats = await Promise.all(others.map((p) => readProcStat(p.pid)));
  return stats.some((stat, i) => isLive(stat) && stat.startTime === others[i].startTime);
}

/** Scans `/proc` for the live processes of the run (see {@link killProcessTree}); `null`
 *  when there is no `/proc`. */
async function findRunProcesses(scope: ProcessTreeScope): Promise<ProcStat[] | null> {
  const all = await scanAllProcesses();
  if (all === null) return null;
  const seen = new Map(scope.seen.map((p) => [p.pid, p.startTime]));
  const homeEntry = scope.homeDir === undefined ? undefined : Buffer.from(`HOME=${scope.homeDir}\0`);
  const selected = new Map<number, ProcStat>();
  const isExcluded = (pid: number): boolean => pid === process.pid || pid === 1;
  const byPid = new Map(all.map((s) => [s.pid, s]));

  await Promise.all(
    all.map(async (stat) => {
      if (isExcluded(stat.pid)) return;
      const member =
        stat.session === scope.rootPid ||
        stat.pgrp === scope.rootPid ||
        seen.get(stat.pid) === stat.startTime ||
        (homeEntry !== undefined && (await environContains(stat.pid, homeEntry)));
      if (member) selected.set(stat.pid, stat);
    }),
  );
  // Close over descendants: any process whose parent chain reaches a selected one.
  for (const stat of all) {
    if (selected.has(stat.pid) || isExcluded(stat.pid)) continue;
    const chain: ProcStat[] = [];
    let cursor: ProcStat | undefined = stat;
    while (cursor !== undefined && !selected.has(cursor.pid) && cursor.ppid > 1 && chain.length < 64) {
      chain.push(cursor);
      cursor = byPid.get(cursor.ppid);
    }
    if (cursor !== undefined && selected.has(cursor.pid)) {
      for (const s of chain) if (!isExcluded(s.pid)) selected.set(s.pid, s);
    }
  }
  return [...selected.values()].filter(isLive);
}

async function scanAllProcesses(): Promise<ProcStat[] | null> {
  let names: string[];
  try {
    names = await readdir('/proc');
  } catch {
    return null;
  }
  const pids = names.filter((n) => /^\d+$/.test(n)).map(Number);
  const stats: ProcStat[] = [];
  // Batches bound the open file descriptors on a host with thousands of processes.
  for (let i = 0; i < pids.length; i += 64) {
    const batch = await Promise.all(pids.slice(i, i + 64).map((pid) => readProcStat(pid)));
    for (const s of batch) if (s !== null) stats.push(s);
  }
  return stats;
}

async function environContains(pid: number, entry: Buffer): Promise<boolean> {
  try {
    const environ = await readFile(`/proc/${pid}/environ`);
    // Entries are NUL-terminated; match at the start or right after a NUL.
    return environ.subarray(0, entry.length).equals(entry) || environ.includes(Buffer.concat([Buffer.from([0]), entry]));
  } catch {
    return false;
  }
}

function signalAll(rootPid: number, targets: readonly ProcStat[], signal: NodeJS.Signals): void {
  trySignal(-rootPid, signal);
  for (const t of targets) trySignal(t.pid, signal);
}

function trySignal(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // ESRCH (already gone) or EPERM (not ours): nothing to do.
  }
}

/** Polls `kill(-pgid, 0)` until the group is empty or `limitMs` passed (ms). */
async function waitForEmptyGroup(pgid: number, limitMs: number): Promise<void> {
  const deadline = performance.now() + limitMs;
  while (performance.now() < deadline) {
    try {
      process.kill(-pgid, 0);
    } catch {
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/** Polls until every target is gone or a zombie, or `limitMs` passed (ms). */
async function waitUntilGone(targets: readonly ProcStat[], limitMs: number): Promise<void> {
  const deadline = performance.now() + limitMs;
  let remaining = [...targets];
  while (remaining.length > 0) {
    const stats = await Promise.all(remaining.map((t) => readProcStat(t.pid)));
    remaining = remaining.filter((t, i) => {
      const s = stats[i];
      return isLive(s) && s.startTime === t.startTime;
    });
    if (remaining.length === 0 || performance.now() >= deadline) return;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}
