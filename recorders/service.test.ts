import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ParityError } from '../harness/errors.ts';
import type { ServiceTarget, StartTarget } from '../harness/http-model.ts';
import { readProcStat } from './process-tree.ts';
import { MAX_SERVICE_LOG_BYTES, NO_CONTAINER_RUNTIME_MESSAGE, startService } from './service.ts';
import type { RunningService, StartServiceOptions } from './service.ts';

const RECORDERS = import.meta.dirname;
const FIXTURES = resolve(RECORDERS, 'fixtures/service');
const NODE = process.execPath;
const HAS_SETSID = spawnSync('sh', ['-c', 'command -v setsid']).status === 0;

/** Services a test started; stopped after each test even when it failed half-way. */
const started: RunningService[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((s) => s.stop()));
});

async function start(target: ServiceTarget, options: Partial<StartServiceOptions> = {}): Promise<RunningService> {
  const service = await startService(target, { rootDir: FIXTURES, ...options });
  started.push(service);
  return service;
}

function serverTarget(ready: StartTarget['start']['ready'], env?: Record<string, string>, args: string[] = []): StartTarget {
  return { start: { command: [NODE, 'server.mjs', ...args], env, ready } };
}

/** A pid is gone when /proc no longer has it, or has it only as a zombie (dead, unreaped). */
async function isGone(pid: number): Promise<boolean> {
  const stat = await readProcStat(pid);
  return stat === null || stat.state === 'Z' || stat.state === 'X';
}

function pidsFrom(text: string, label: string): number[] {
  return [...text.matchAll(new RegExp(`^${label}:(\\d+)$`, 'gm'))].map((m) => Number(m[1]));
}

async function rejection(p: Promise<unknown>): Promise<Error & { code?: string }> {
  try {
    await p;
  } catch (err) {
    return err as Error & { code?: string };
  }
  throw new Error('expected a rejection');
}

async function getJson(url: string): Promise<unknown> {
  const response = await fetch(url);
  return response.json();
}

/** Pids of live processes whose command line mentions `fragment`. */
async function processesMentioning(fragment: string): Promise<number[]> {
  const found: number[] = [];
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const cmdline = (await readFile(`/proc/${name}/cmdline`)).toString().replaceAll('\0', ' ');
      if (cmdline.includes(fragment) && !(await isGone(Number(name)))) found.push(Number(name));
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

async function waitFor(condition: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await condition()) return;
    await new Promise((settle) => setTimeout(settle, 25));
  }
  throw new Error(`gave up waiting for ${what}`);
}

describe('startService: { url }', () => {
  it('uses the URL without trailing slash, starts nothing, and stops as a no-op', async () => {
    const server = createServer((req, res) => res.end('legacy'));
    await new Promise<void>((settle) => server.listen(0, '127.0.0.1', settle));
    const { port } = server.address() as AddressInfo;
    try {
      const service = await start({ url: `http://127.0.0.1:${port}//` });
      expect(service.baseUrl).toBe(`http://127.0.0.1:${port}`);
      expect(await (await fetch(`${service.baseUrl}/x`)).text()).toBe('legacy');
      expect(service.log()).toBe('');
      expect(service.exitStatus()).toBeNull();
      await service.stop();
      await service.stop();
      expect(await (await fetch(`${service.baseUrl}/x`)).text()).toBe('legacy'); // not ours to stop
    } finally {
      server.close();
    }
  });

  it('keeps a path prefix and does not contact the service', async () => {
    // Nothing listens on port 9: no check is made at start.
    const service = await start({ url: 'http://127.0.0.1:9/api/v1/' });
    expect(service.baseUrl).toBe('http://127.0.0.1:9/api/v1');
  });

  it('rejects a URL that is not http(s)', async () => {
    for (const url of ['127.0.0.1:8080', 'ftp://example.org/']) {
      const err = await rejection(start({ url }));
      expect(err).toBeInstanceOf(ParityError);
      expect(err.code).toBe('CONFIG_INVALID');
      expect(err.message).toContain('http://127.0.0.1:8080');
    }
  });
});

describe('startService: { start }', () => {
  it('waits until ready.url answers below 500, passing the port it picked as PORT', async () => {
    // The server answers 503 on /health for its first 600 ms: ready means past that.
    const service = await start(serverTarget({ url: '/health' }, { UNHEALTHY_MS: '600' }));
    expect(service.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const health = await fetch(`${service.baseUrl}/health`);
    expect(health.status).toBe(200);
    const port = service.baseUrl.split(':')[2];
    expect(await getJson(`${service.baseUrl}/env?name=PORT`)).toEqual({ value: port });
    expect(service.log()).toContain(`listening on ${port}`);
    expect(service.exitStatus()).toBeNull();
  });

  it('accepts an absolute ready.url', async () => {
    // The absolute URL points at a server that is already up; readiness is then immediate,
    // whatever the service does (here it listens after 300 ms).
    const other = createServer((req, res) => res.end('up'));
    await new Promise<void>((settle) => other.listen(0, '127.0.0.1', settle));
    try {
      const { port } = other.address() as AddressInfo;
      const service = await start(serverTarget({ url: `http://127.0.0.1:${port}/ping` }, { SLOW_START_MS: '300' }));
      expect(service.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    } finally {
      other.close();
    }
  });

  it('waits for a ready.log line (multiline regex) when no URL is given', async () => {
    const service = await start(serverTarget({ log: '^listening on \\d+$' }, { SLOW_START_MS: '300' }));
    // The log line is printed once the server listens, so a request works at once.
    expect(await (await fetch(`${service.baseUrl}/health`)).text()).toBe('ok');
    expect(service.log()).toMatch(/^pid:\d+\nlistening on \d+\n$/);
  });

  it('waits for both ready.url and ready.log when both are given', async () => {
    const service = await start(serverTarget({ url: '/health', log: 'listening' }, { UNHEALTHY_MS: '300' }));
    expect((await fetch(`${service.baseUrl}/health`)).status).toBe(200);
    expect(service.log()).toContain('listening on');
  });

  it('without ready.url and ready.log, waits until the port accepts connections', async () => {
    const service = await start(serverTarget({}, { SLOW_START_MS: '300', QUIET: '1' }));
    expect(await (await fetch(`${service.baseUrl}/health`)).text()).toBe('ok');
    expect(service.log()).toBe('');
  });

  it('passes start.env and options.env over the minimal environment, options.env winning', async () => {
    const previous = process.env.PARITYKIT_LEAK_CHECK;
    process.env.PARITYKIT_LEAK_CHECK = 'from the host';
    try {
      const service = await start(serverTarget({ url: '/health' }, { GREETING: 'hello', DATABASE_URL: 'postgres://start-env' }), {
        env: { DATABASE_URL: 'postgres://127.0.0.1:5432/scenario_1' },
      });
      const env = async (name: string) => ((await getJson(`${service.baseUrl}/env?name=${name}`)) as { value: unknown }).value;
      expect(await env('GREETING')).toBe('hello');
      expect(await env('DATABASE_URL')).toBe('postgres://127.0.0.1:5432/scenario_1');
      expect(await env('TZ')).toBe('UTC');
      expect(await env('LANG')).toBe('C.UTF-8');
      expect(await env('PARITYKIT_LEAK_CHECK')).toBeNull();
      expect(await env('NODE_OPTIONS')).toBeNull();
      const home = (await env('HOME')) as string;
      expect(home).toMatch(/paritykit-service-/);
      expect(existsSync(home)).toBe(true);
      await service.stop();
      expect(existsSync(home)).toBe(false);
    } finally {
      if (previous === undefined) delete process.env.PARITYKIT_LEAK_CHECK;
      else process.env.PARITYKIT_LEAK_CHECK = previous;
    }
  });

  it('runs in cwd resolved against rootDir, with relative file arguments made absolute', async () => {
    const service = await start(
      { start: { command: ['node', 'server.mjs', 'never-ready.mjs', '--flag', 'not-a-file'], cwd: 'fixtures/service', ready: { url: '/health' } } },
      { rootDir: RECORDERS },
    );
    expect(await getJson(`${service.baseUrl}/argv`)).toEqual([resolve(FIXTURES, 'never-ready.mjs'), '--flag', 'not-a-file']);
  });

  it('fails with TARGET_FAILED quoting the last 50 lines of output when never ready, and kills it', async () => {
    const target: StartTarget = { start: { command: [NODE, 'never-ready.mjs'], ready: { url: '/health', timeoutMs: 1500 } } };
    const err = await rejection(start(target));
    expect(err).toBeInstanceOf(ParityError);
    expect(err.code).toBe('TARGET_FAILED');
    expect(err.message).toContain('not ready within 1500 ms');
    expect(err.message).toMatch(/waited for GET http:\/\/127\.0\.0\.1:\d+\/health to answer below 500; last probe: ECONNREFUSED/);
    expect(err.message).toContain(JSON.stringify([NODE, resolve(FIXTURES, 'never-ready.mjs')]));
    expect(err.message).toContain('raise start.ready.timeoutMs');
    expect(err.message).toContain('Last 50 of 62 lines of its output:');
    expect(err.message).toContain('  | still waiting for the message broker');
    expect(err.message).toContain('  | booting step 13\n');
    expect(err.message).not.toContain('booting step 12\n');
    const [pid] = pidsFrom(err.message.replaceAll('  | ', ''), 'pid');
    expect(await isGone(pid)).toBe(true);
  });

  it('fails with TARGET_FAILED naming a ready.log regex that never matched', async () => {
    const err = await rejection(start(serverTarget({ log: '^Started Application', timeoutMs: 1000 })));
    expect(err.code).toBe('TARGET_FAILED');
    expect(err.message).toContain('waited for a line matching /^Started Application/ in its output');
    expect(err.message).toMatch(/\| listening on \d+/);
  });

  it('says so when a service that was not ready printed nothing', async () => {
    const err = await rejection(start(serverTarget({ log: 'never printed', timeoutMs: 800 }, { QUIET: '1' })));
    expect(err.code).toBe('TARGET_FAILED');
    expect(err.message).toMatch(/raise start\.ready\.timeoutMs\. It printed nothing\.$/);
  });

  it('fails with TARGET_FAILED and the exit code when it exits before it is ready', async () => {
    const target: StartTarget = { start: { command: [NODE, 'exits-early.mjs'], ready: { url: '/health' } } };
    const err = await rejection(start(target));
    expect(err).toBeInstanceOf(ParityError);
    expect(err.code).toBe('TARGET_FAILED');
    expect(err.message).toContain('the service exited with code 3 before it was ready');
    // stdout and stderr are two pipes: their relative order is not guaranteed.
    expect(err.message).toContain('Its output:\n  | ');
    expect(err.message).toContain('\n  | reading configuration');
    expect(err.message).toContain('\n  | fatal: DATABASE_URL is not set');
    expect(err.message).toContain('exits-early.mjs');
  });

  it('fails with TARGET_FAILED when the command does not exist', async () => {
    const err = await rejection(start({ start: { command: ['no-such-service-binary'], ready: {} } }));
    expect(err.code).toBe('TARGET_FAILED');
    expect(err.message).toContain('no-such-service-binary: not found on PATH');
  });

  it('rejects invalid start targets with CONFIG_INVALID', async () => {
    const cases: Array<[ServiceTarget, string]> = [
      [{ start: { command: [], ready: {} } }, 'start.command of a service target is empty'],
      [{ start: { command: ['node'], env: { PORT: '80' }, ready: {} } }, 'start.env.PORT is set'],
      [{ start: { command: ['node'], ready: { log: '(unclosed' } } }, 'start.ready.log "(unclosed" is not a valid regular expression'],
      [{ start: { command: ['node'], ready: { timeoutMs: 0 } } }, 'start.ready.timeoutMs must be a positive number'],
      [{ start: { command: ['node'], ready: { url: 'ftp://x/' } } }, 'is not an http(s) URL'],
      [{} as ServiceTarget, 'exactly one of url'],
    ];
    for (const [target, text] of cases) {
      const err = await rejection(start(target));
      expect(err.code).toBe('CONFIG_INVALID');
      expect(err.message).toContain(text);
    }
  });

  it.runIf(HAS_SETSID)('stop() kills a tree that ignores SIGTERM, grandchildren included, and is idempotent', async () => {
    const service = await start({ start: { command: [NODE, 'stubborn.mjs'], ready: { log: '^listening on' } } });
    await waitFor(() => pidsFrom(service.log(), 'escaped').length === 1, 'the escaped grandchild');
    const pids = [...pidsFrom(service.log(), 'pid'), ...pidsFrom(service.log(), 'grandchild'), ...pidsFrom(service.log(), 'escaped')];
    expect(pids).toHaveLength(3);
    for (const pid of pids) expect(await isGone(pid)).toBe(false);
    const first = service.stop();
    expect(service.stop()).toBe(first);
    await first;
    for (const pid of pids) expect(await isGone(pid)).toBe(true);
    expect(service.log()).toContain('ignoring SIGTERM'); // it got SIGTERM first, then SIGKILL
    await expect(fetch(`${service.baseUrl}/`)).rejects.toThrow();
  }, 30_000);

  it('keeps the first and the most recent half of a log beyond 1 MiB', async () => {
    const service = await start(serverTarget({ url: '/health' }));
    // 20,000 lines of 100 bytes: about 2 MB.
    await fetch(`${service.baseUrl}/flood?lines=20000`);
    await waitFor(() => service.log().includes('flood line 00020000'), 'the last flood line');
    const log = service.log();
    expect(log.startsWith('pid:')).toBe(true);
    expect(log).toMatch(/\n\[… \d+ bytes of output not kept …\]\n/);
    expect(Buffer.byteLength(log)).toBeLessThanOrEqual(MAX_SERVICE_LOG_BYTES + 100);
    expect(Buffer.byteLength(log)).toBeGreaterThan(MAX_SERVICE_LOG_BYTES - 100);
    expect(log.endsWith(`flood line 00020000 ${'x'.repeat(80)}\n`)).toBe(true);
  });

  it('reports a crash after it was ready in exitStatus(), and null after stop()', async () => {
    const crashing = await start(serverTarget({ url: '/health' }));
    await fetch(`${crashing.baseUrl}/exit?code=7`);
    await waitFor(() => crashing.exitStatus() !== null, 'the crash');
    expect(crashing.exitStatus()).toEqual({ code: 7, signal: null });

    const stopped = await start(serverTarget({ url: '/health' }));
    await stopped.stop();
    expect(stopped.exitStatus()).toBeNull();
  });

  it('aborting during start kills the service and rejects with an AbortError', async () => {
    const controller = new AbortController();
    const script = resolve(FIXTURES, 'never-ready.mjs');
    const pending = start({ start: { command: [NODE, script, 'abort-test'], ready: { url: '/health' } } }, { signal: controller.signal });
    await waitFor(async () => (await processesMentioning(`${script} abort-test`)).length === 1, 'the service to run');
    controller.abort(new Error('Ctrl-C'));
    const err = await rejection(pending);
    expect(err.name).toBe('AbortError');
    expect(err.code).toBe('ABORT_ERR');
    expect((err.cause as Error).message).toBe('Ctrl-C');
    expect(await processesMentioning(`${script} abort-test`)).toEqual([]);
  });

  it('aborting after start stops the service', async () => {
    const controller = new AbortController();
    const service = await start(serverTarget({ url: '/health' }), { signal: controller.signal });
    const [pid] = pidsFrom(service.log(), 'pid');
    controller.abort();
    await waitFor(() => isGone(pid), 'the service to stop');
    await service.stop();
  });

  it('rejects at once when the signal is already aborted', async () => {
    const err = await rejection(start(serverTarget({ url: '/health' }), { signal: AbortSignal.abort() }));
    expect(err.name).toBe('AbortError');
  });
});

describe('startService: services left running when paritykit ends', () => {
  /** Runs fixtures/service/host.mjs (it starts server.mjs) until it printed the service's pid. */
  async function host(mode: 'exit' | 'wait'): Promise<{ servicePid: number; ended: Promise<{ code: number | null; signal: string | null }>; kill: (s: NodeJS.Signals) => void }> {
    const child = spawn(NODE, [resolve(FIXTURES, 'host.mjs'), mode], { stdio: ['ignore', 'pipe', 'inherit'] });
    const ended = new Promise<{ code: number | null; signal: string | null }>((settle) =>
      child.once('exit', (code, signal) => settle({ code, signal })),
    );
    let out = '';
    const servicePid = await new Promise<number>((settle, fail) => {
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const match = /service-pid:(\d+)/.exec(out);
        if (match !== null) settle(Number(match[1]));
      });
      void ended.then(() => fail(new Error(`host ended before the service was up: ${out}`)));
    });
    return { servicePid, ended, kill: (s) => child.kill(s) };
  }

  it('kills them on process.exit()', async () => {
    const { servicePid, ended } = await host('exit');
    expect(await ended).toEqual({ code: 0, signal: null });
    await waitFor(() => isGone(servicePid), 'the service to be killed');
  });

  it('kills them on SIGINT (Ctrl-C) and still ends by that signal', async () => {
    const { servicePid, ended, kill } = await host('wait');
    expect(await isGone(servicePid)).toBe(false);
    kill('SIGINT');
    expect(await ended).toEqual({ code: null, signal: 'SIGINT' });
    await waitFor(() => isGone(servicePid), 'the service to be killed');
  });
});

describe('startService: { container }', () => {
  it('fails fast with TARGET_FAILED and the clear message when there is no container runtime', async () => {
    // No Docker runs here; testcontainers' runtime probe fails within milliseconds. The test's
    // own time limit (15 s, including loading testcontainers) is the "fast" bound.
    const err = await rejection(start({ container: { image: 'nginx:alpine', port: 80, wait: { http: '/' } } }));
    expect(err).toBeInstanceOf(ParityError);
    expect(err.code).toBe('TARGET_FAILED');
    expect(err.message).toBe(NO_CONTAINER_RUNTIME_MESSAGE);
    expect(err.message).toBe(
      'container targets need a container runtime (Docker), and none is available here: run the service yourself and use { url }, or let paritykit start it with { start: { command, ready } }',
    );
  }, 15_000);

  it('rejects an invalid container target with CONFIG_INVALID before looking for a runtime', async () => {
    const err = await rejection(start({ container: { image: 'nginx:alpine', port: 0 } }));
    expect(err.code).toBe('CONFIG_INVALID');
    expect(err.message).toContain('container.port');
  });
});
