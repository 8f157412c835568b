import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ParityError } from '../harness/errors.ts';
import { buildRunEnvironment, MAX_STREAM_BYTES, resolveCommandArgv, runCommand } from './process.ts';
import { readProcStat } from './process-tree.ts';

const FIXTURES = resolve(import.meta.dirname, 'fixtures');
const NODE = process.execPath;
const HAS_SETSID = spawnSync('sh', ['-c', 'command -v setsid']).status === 0;

/** A pid is gone when /proc no longer has it, or has it only as a zombie (dead, unreaped). */
async function isGone(pid: number): Promise<boolean> {
  const stat = await readProcStat(pid);
  return stat === null || stat.state === 'Z' || stat.state === 'X';
}

/** A SIGKILL sent from an exit hook is delivered asynchronously: on a loaded machine the
 * process can still be listed for a moment. Polls up to 3 s. */
async function becomesGone(pid: number): Promise<boolean> {
  for (let i = 0; i < 60; i++) {
    if (await isGone(pid)) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

function pidsFrom(stderr: Buffer, label: string): number[] {
  return [...stderr.toString().matchAll(new RegExp(`${label}:(\\d+)`, 'g'))].map((m) => Number(m[1]));
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

describe('runCommand: arguments, stdin, output, exit', () => {
  it('passes arguments and stdin, resolving relative paths against cwd', async () => {
    const obs = await runCommand({
      argv: ['./echo-args.sh', 'sample-input.txt', 'no-such-file', '--flag=sample-input.txt', 'fixtures'],
      cwd: FIXTURES,
      stdin: 'hello\n',
      timeoutMs: 10_000,
    });
    expect(obs.stdout.toString()).toBe(
      [
        `arg:${join(FIXTURES, 'sample-input.txt')}`,
        'arg:no-such-file',
        'arg:--flag=sample-input.txt',
        'arg:fixtures',
        'stdin:hello',
        '',
      ].join('\n'),
    );
    expect(obs.stderr.length).toBe(0);
    expect(obs.exit).toEqual({ code: 0, signal: null, timedOut: false });
    expect(obs.files).toEqual([]);
    expect(obs.timing.durationMs).toBeGreaterThan(0);
  });

  it('leaves an argument naming a seeded file relative, so the seeded copy is read', async () => {
    const obs = await runCommand({
      argv: ['sh', '-c', 'cat "$0"', 'sample-input.txt'],
      cwd: FIXTURES,
      files: { 'sample-input.txt': 'seeded copy\n' },
      timeoutMs: 10_000,
    });
    expect(obs.stdout.toString()).toBe('seeded copy\n');
    expect(obs.files).toEqual([]); // the seeded file is unchanged: not an observation
  });

  it('gives an empty, closed stdin when none is given, and passes binary stdin intact', async () => {
    const empty = await runCommand({ argv: ['cat'], cwd: FIXTURES, timeoutMs: 10_000 });
    expect(empty.stdout.length).toBe(0);
    expect(empty.exit.code).toBe(0);
    const bytes = Buffer.from([0xff, 0x00, 0xfe, 0x0a, 0x80]);
    const echoed = await runCommand({ argv: ['cat'], cwd: FIXTURES, stdin: bytes, timeoutMs: 10_000 });
    expect(echoed.stdout).toEqual(bytes);
  });

  it('keeps non-UTF-8 stdout byte for byte, stderr apart, and the exit code', async () => {
    const obs = await runCommand({ argv: ['sh', 'bytes.sh'], cwd: FIXTURES, timeoutMs: 10_000 });
    expect(obs.stdout).toEqual(Buffer.from([0xff, 0xfe, 0x00, 0x01, 0x80]));
    expect(obs.stderr.toString()).toBe('warning: bytes written\n');
    expect(obs.exit).toEqual({ code: 3, signal: null, timedOut: false });
  });

  it('reports the exit code a program chose', async () => {
    const obs = await runCommand({ argv: ['./echo-args.sh'], cwd: FIXTURES, env: { EXIT_CODE: '7' }, timeoutMs: 10_000 });
    expect(obs.exit).toEqual({ code: 7, signal: null, timedOut: false });
  });

  it('reports the signal that ended a program, with a null code', async () => {
    const obs = await runCommand({ argv: ['sh', '-c', 'kill -USR1 $$'], cwd: FIXTURES, timeoutMs: 10_000 });
    expect(obs.exit).toEqual({ code: null, signal: 'SIGUSR1', timedOut: false });
  });

  it('does not block on a large output and keeps all of it', async () => {
    const size = 5 * 1024 * 1024;
    const obs = await runCommand({ argv: ['head', '-c', String(size), '/dev/zero'], cwd: FIXTURES, timeoutMs: 30_000 });
    expect(obs.stdout.length).toBe(size);
    expect(obs.exit.code).toBe(0);
  });

  it('caps a stream at maxStreamBytes and still lets the program finish', async () => {
    expect(MAX_STREAM_BYTES).toBe(256 * 1024 * 1024);
    const obs = await runCommand({
      argv: ['head', '-c', '100000', '/dev/zero'],
      cwd: FIXTURES,
      timeoutMs: 30_000,
      maxStreamBytes: 1000,
    });
    expect(obs.stdout.length).toBe(1000);
    expect(obs.exit).toEqual({ code: 0, signal: null, timedOut: false });
  });

  it('keeps concurrent runs apart', async () => {
    const runs = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        runCommand({ argv: ['./echo-args.sh', `run-${i}`], cwd: FIXTURES, stdin: `input-${i}`, timeoutMs: 30_000 }),
      ),
    );
    runs.forEach((obs, i) => expect(obs.stdout.toString()).toBe(`arg:run-${i}\nstdin:input-${i}`));
  });
});

describe('runCommand: working directory and files', () => {
  it('reports created, modified and deleted files but not unchanged seeded ones', async () => {
    const obs = await runCommand({
      argv: ['sh', 'files.sh'],
      cwd: FIXTURES,
      files: { 'input.txt': 'line\n', 'old.txt': 'old', 'keep.txt': 'keep', 'rewritten.txt': 'same\n', 'sub/dir/x.csv': 'a\n' },
      timeoutMs: 10_000,
    });
    expect(obs.exit.code).toBe(0);
    expect(obs.files.map((f) => [f.path, f.change, f.format, f.content?.toString() ?? null])).toEqual([
      ['input.txt', 'modified', 'text', 'line\nappended\n'],
      ['old.txt', 'deleted', 'text', null],
      ['out/result.json', 'created', 'json', '{"total": 42}\n'],
    ]);
  });

  it('runs in a fresh temporary directory that is HOME and is removed afterwards', async () => {
    const script = 'console.log(JSON.stringify({ cwd: process.cwd(), home: process.env.HOME }))';
    const [a, b] = await Promise.all(
      [1, 2].map(() => runCommand({ argv: [NODE, '-e', script], cwd: FIXTURES, timeoutMs: 10_000 })),
    );
    const first = JSON.parse(a.stdout.toString()) as { cwd: string; home: string };
    const second = JSON.parse(b.stdout.toString()) as { cwd: string; home: string };
    expect(first.home).toBe(first.cwd);
    expect(first.cwd).toContain('paritykit-run-');
    expect(first.cwd).not.toBe(second.cwd);
    expect(existsSync(first.cwd)).toBe(false);
    expect(existsSync(second.cwd)).toBe(false);
  });

  it('rejects seeded paths that are absolute or escape the directory', async () => {
    for (const bad of ['/etc/passwd', '../outside.txt', 'a/../../outside.txt', '', 'dir/']) {
      const err = await rejection(runCommand({ argv: ['true'], cwd: FIXTURES, files: { [bad]: 'x' }, timeoutMs: 10_000 }));
      expect(err).toBeInstanceOf(ParityError);
      expect((err as ParityError).code).toBe('SCENARIO_INVALID');
      expect((err as ParityError).message).toContain(JSON.stringify(bad));
    }
  });

  it('rejects a seeded path that is both a file and a directory', async () => {
    const err = await rejection(
      runCommand({ argv: ['true'], cwd: FIXTURES, files: { a: 'file', 'a/b': 'nested' }, timeoutMs: 10_000 }),
    );
    expect((err as ParityError).code).toBe('SCENARIO_INVALID');
  });
});

describe('runCommand: environment', () => {
  const saved = process.env.NODE_OPTIONS;
  afterEach(() => {
    if (saved === undefined) delete process.env.NODE_OPTIONS;
    else process.env.NODE_OPTIONS = saved;
  });

  it('gives the minimal deterministic environment plus the given variables', async () => {
    process.env.NODE_OPTIONS = '--max-old-space-size=123';
    process.env.PARITYKIT_TEST_LEAK = 'leak';
    try {
      const script = 'console.log(JSON.stringify({ env: process.env, cwd: process.cwd() }))';
      const obs = await runCommand({ argv: [NODE, '-e', script], cwd: FIXTURES, env: { EXTRA: '1', TZ: 'Europe/Paris' }, timeoutMs: 10_000 });
      const { env, cwd } = JSON.parse(obs.stdout.toString()) as { env: Record<string, string>; cwd: string };
      expect(Object.keys(env).sort()).toEqual(['EXTRA', 'HOME', 'LANG', 'PATH', 'TZ']);
      expect(env).toMatchObject({ EXTRA: '1', HOME: cwd, LANG: 'C.UTF-8', TZ: 'Europe/Paris', PATH: process.env.PATH });
    } finally {
      delete process.env.PARITYKIT_TEST_LEAK;
    }
  });

  it('buildRunEnvironment is PATH, HOME, LANG, TZ with the extra variables winning', () => {
    expect(buildRunEnvironment('/tmp/h', { LANG: 'fr_FR.UTF-8' })).toEqual({
      PATH: process.env.PATH,
      HOME: '/tmp/h',
      LANG: 'fr_FR.UTF-8',
      TZ: 'UTC',
    });
  });
});

describe('resolveCommandArgv', () => {
  it('resolves argv[0] with a slash and existing relative files; keeps the rest', async () => {
    const argv = await resolveCommandArgv(
      ['bin/tool', 'sample-input.txt', '-o', 'out.txt', '/abs/path', 'fixtures', ''],
      FIXTURES,
      null,
    );
    expect(argv).toEqual([join(FIXTURES, 'bin/tool'), join(FIXTURES, 'sample-input.txt'), '-o', 'out.txt', '/abs/path', 'fixtures', '']);
    expect(await resolveCommandArgv(['python3', 'x'], FIXTURES, null)).toEqual(['python3', 'x']);
  });
});

describe('runCommand: failures to start', () => {
  it('throws TARGET_FAILED naming a command that is not on PATH', async () => {
    const err = await rejection(runCommand({ argv: ['paritykit-no-such-command'], cwd: FIXTURES, timeoutMs: 10_000 }));
    expect(err).toBeInstanceOf(ParityError);
    expect((err as ParityError).code).toBe('TARGET_FAILED');
    expect((err as ParityError).message).toContain('paritykit-no-such-command: not found on PATH');
    expect((err as ParityError).message).toContain('suites[].legacy.command');
  });

  it('throws TARGET_FAILED for a missing relative script and a non-executable file', async () => {
    const missing = await rejection(runCommand({ argv: ['./missing.sh'], cwd: FIXTURES, timeoutMs: 10_000 }));
    expect((missing as ParityError).code).toBe('TARGET_FAILED');
    expect((missing as ParityError).message).toContain(join(FIXTURES, 'missing.sh'));
    const notExec = await rejection(runCommand({ argv: ['./sample-input.txt'], cwd: FIXTURES, timeoutMs: 10_000 }));
    expect((notExec as ParityError).code).toBe('TARGET_FAILED');
    expect((notExec as ParityError).message).toContain('chmod +x');
  });

  it('throws CONFIG_INVALID for an empty command or a bad time limit', async () => {
    expect(((await rejection(runCommand({ argv: [], cwd: FIXTURES, timeoutMs: 1000 }))) as ParityError).code).toBe('CONFIG_INVALID');
    expect(((await rejection(runCommand({ argv: ['true'], cwd: FIXTURES, timeoutMs: 0 }))) as ParityError).code).toBe('CONFIG_INVALID');
  });
});

describe('runCommand: time limit and process tree', () => {
  it('kills the whole tree on timeout, grandchildren ignoring SIGTERM and setsid ones too', async () => {
    const obs = await runCommand({ argv: ['sh', 'stubborn-tree.sh'], cwd: FIXTURES, timeoutMs: 1000 });
    expect(obs.exit.timedOut).toBe(true);
    expect(obs.exit.code).toBeNull();
    expect(obs.exit.signal).toBe('SIGKILL'); // the root ignored SIGTERM too
    const grandchildren = [...pidsFrom(obs.stderr, 'grandchild'), ...pidsFrom(obs.stderr, 'escaped')];
    expect(pidsFrom(obs.stderr, 'grandchild')).toHaveLength(1);
    for (const pid of grandchildren) expect(await isGone(pid)).toBe(true);
  });

  it('ends a run whose background grandchild holds stdout at the time limit', async () => {
    const obs = await runCommand({ argv: ['sh', 'background.sh'], cwd: FIXTURES, timeoutMs: 1000 });
    expect(obs.stdout.toString()).toBe('done\n');
    // The root exited by itself; the run still hit its limit waiting for stdout to end.
    expect(obs.exit).toEqual({ code: 0, signal: null, timedOut: true });
    const [bg] = pidsFrom(obs.stderr, 'bg');
    expect(await isGone(bg)).toBe(true);
  }, 20_000);

  it.runIf(HAS_SETSID)('returns even when a process holding stdout escaped every way of finding it', async () => {
    // Double-forked into its own session with another HOME: the documented limit of the
    // tree kill. The run must still end (stdout is closed from our side), not hang.
    const script = `(setsid env HOME=/nonexistent sh -c 'echo "hidden:$$" >&2; exec sleep 100' &); echo started`;
    const obs = await runCommand({ argv: ['sh', '-c', script], cwd: FIXTURES, timeoutMs: 1000 });
    const hidden = pidsFrom(obs.stderr, 'hidden');
    for (const pid of hidden) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // the tree kill found it after all (the sampler saw it): fine
      }
    }
    expect(obs.stdout.toString()).toBe('started\n');
    expect(obs.exit).toEqual({ code: 0, signal: null, timedOut: true });
  }, 20_000);

  it('ends at once when the background process let go of stdout, and still kills it', async () => {
    const obs = await runCommand({ argv: ['sh', 'background.sh', 'quiet'], cwd: FIXTURES, timeoutMs: 60_000 });
    expect(obs.exit).toEqual({ code: 0, signal: null, timedOut: false });
    const [bg] = pidsFrom(obs.stderr, 'bg');
    expect(await isGone(bg)).toBe(true);
  });

  it('rejects with an AbortError and kills the tree when the signal aborts', async () => {
    const controller = new AbortController();
    const pidDir = await mkdtemp(join(tmpdir(), 'paritykit-abort-test-'));
    try {
      const pidFile = join(pidDir, 'pid');
      const run = runCommand({
        argv: ['sh', '-c', 'trap "" TERM; echo $$ > "$0"; sleep 100', pidFile],
        cwd: FIXTURES,
        timeoutMs: 60_000,
        signal: controller.signal,
      });
      while (!existsSync(pidFile)) await new Promise((r) => setTimeout(r, 10));
      controller.abort();
      const err = await rejection(run);
      expect((err as Error).name).toBe('AbortError');
      const pid = Number((await readFile(pidFile, 'utf8')).trim());
      expect(await isGone(pid)).toBe(true);
    } finally {
      await rm(pidDir, { recursive: true, force: true });
    }
  });

  it('kills live runs and removes their directories when the process exits mid-run', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'paritykit-exit-test-'));
    try {
      const pidFile = join(dir, 'pid');
      const script = `
        const { runCommand } = await import(${JSON.stringify(join(import.meta.dirname, 'process.ts'))});
        const { existsSync } = await import('node:fs');
        void runCommand({ argv: ['sh', '-c', 'echo $$ "$HOME" > "$0"; exec sleep 100', ${JSON.stringify(pidFile)}], cwd: '/', timeoutMs: 60000 });
        while (!existsSync(${JSON.stringify(pidFile)})) await new Promise((r) => setTimeout(r, 10));
        await new Promise((r) => setTimeout(r, 50));
        process.exit(0);`;
      const exited = spawnSync(NODE, ['--input-type=module', '-e', script], { timeout: 30_000 });
      expect(exited.status).toBe(0);
      const [pid, home] = (await readFile(pidFile, 'utf8')).trim().split(' ');
      expect(await becomesGone(Number(pid))).toBe(true);
      expect(home).toContain('paritykit-run-');
      expect(existsSync(home)).toBe(false);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('rejects at once when the signal is already aborted', async () => {
    const err = await rejection(runCommand({ argv: ['true'], cwd: FIXTURES, timeoutMs: 1000, signal: AbortSignal.abort() }));
    expect((err as Error).name).toBe('AbortError');
  });
});

describe('runCommand: peak memory', () => {
  it('measures the peak RSS of a process that holds ~50 MB', async () => {
    const obs = await runCommand({
      argv: [NODE, '-e', 'const b = Buffer.alloc(50e6, 1); setTimeout(() => b.length, 300)'],
      cwd: FIXTURES,
      timeoutMs: 30_000,
    });
    expect(obs.exit.code).toBe(0);
    expect(obs.timing.peakRssBytes).not.toBeNull();
    expect(obs.timing.peakRssBytes!).toBeGreaterThanOrEqual(40e6);
  });

  it('counts memory of a child behind a wrapper shell', async () => {
    const obs = await runCommand({
      argv: ['sh', '-c', `"${NODE}" -e 'const b = Buffer.alloc(50e6, 1); setTimeout(() => b.length, 300)'; echo done`],
      cwd: FIXTURES,
      timeoutMs: 30_000,
    });
    expect(obs.stdout.toString()).toBe('done\n');
    expect(obs.timing.peakRssBytes!).toBeGreaterThanOrEqual(40e6);
  });
});
