/**
 * Benchmark: requests per second and added latency of paritykit's recording proxy
 * (`startRecordingProxy`, recorders/proxy.ts) against the same local JSON server reached
 * directly (issue 3 §7: target ratio ≥ 0.8).
 *
 * The JSON server and the recording proxy each run in a child process (this file, started with
 * `--serve` / `--proxy TARGET`), and autocannon (its programmatic API) loads them from this
 * process. A third child (`--forward TARGET`) runs a minimal forwarding proxy as a reference:
 * what one more HTTP hop costs on this machine, whatever the proxy does. Rounds alternate the
 * sides ABBA (direct, proxied, forwarder | forwarder, proxied, direct | …) so drift in machine
 * load hits all alike; each side gets a warm-up run before its measured run. Figures are
 * medians over rounds.
 *
 * Latency is reported three ways, because autocannon's latency histogram has 1 ms resolution
 * (DESIGN.md, known pitfalls) and a local endpoint answers in well under a millisecond:
 * - `directP50` … `addedP99Ms`: autocannon's histogram, as measured (whole milliseconds);
 * - `underLoad`: the same runs, from the per-response times autocannon emits (`response`
 *   event, `process.hrtime`, sub-microsecond resolution);
 * - `sequential`: N requests one after another over one keep-alive connection, each timed with
 *   `performance.now()` (no queueing: the proxy's own cost per request).
 *
 * Each process also reports the CPU time it spent per request (`cpuPerRequestUs`): on a machine
 * with few, shared cores the server, the proxy and the load generator compete for CPU, and
 * the proxied throughput is bounded by what a request costs in all three together.
 *
 * What the proxy captures stays in its memory and recorders/proxy.ts offers no way to discard
 * it, so the traffic is bounded instead: a fixed set of {@link REQUEST_PATHS} with one bearer
 * token, and responses that are the same for the same path (only the volatile `x-request-id`
 * and `date` headers change). Every request still goes through the whole capture path (body
 * copies, redaction, identity hash), but identical exchanges are stored once per scenario, so
 * the proxy holds at most `2 × REQUEST_PATHS.length` exchanges however long the run (autocannon
 * and node:http send their headers differently, so each path is stored once per client). The
 * proxy's child reports what it held at the end (`capture`).
 *
 * Run: `node_modules/.bin/node bench/proxy.ts` (prints JSON).
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { Agent, createServer, request as httpRequest } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { ParityError } from '../harness/errors.ts';

// ------------------------------------------------------------------------------------ API

/** Options of {@link benchProxy}; every field has the default shown. */
export interface ProxyBenchOptions {
  /** ABBA rounds; each round measures every side once. Default 4. */
  rounds?: number;
  /** Length of each measured autocannon run (s). Default 5. */
  durationS?: number;
  /** Length of the warm-up run before each measured run (s). Default 2. */
  warmupS?: number;
  /** Concurrent keep-alive connections autocannon opens. Default 10. */
  connections?: number;
  /** Requests timed one by one per side and round, over one keep-alive connection. Default 2,000. */
  sequentialRequests?: number;
  /** Also measure the reference forwarder (see {@link ProxyBenchResult.reference}). Default true. */
  reference?: boolean;
}

/** Latency percentiles of one measurement, direct and through the proxy (ms). */
export interface LatencyFigures {
  directP50Ms: number;
  directP99Ms: number;
  proxiedP50Ms: number;
  proxiedP99Ms: number;
  /** proxiedP50Ms − directP50Ms. */
  addedP50Ms: number;
  /** proxiedP99Ms − directP99Ms. */
  addedP99Ms: number;
}

/** Requests timed one after another over one keep-alive connection (see {@link ProxyBenchResult.sequential}). */
export interface SequentialFigures extends LatencyFigures {
  /** Requests timed per side and round (after 10 % more as warm-up). */
  requests: number;
  directMeanMs: number;
  proxiedMeanMs: number;
  /** proxiedMeanMs − directMeanMs: what the proxy adds to one request. */
  addedMeanMs: number;
}

/** What the proxy held when it was closed: bounded by the request set, see the file comment. */
export interface CaptureFigures {
  /** Requests sent through the proxy in the whole run (warm-ups included). */
  requestsProxied: number;
  /** Scenarios the proxy grouped the traffic into. */
  scenarios: number;
  /** Exchanges it stored (after de-duplication). */
  exchangesStored: number;
  /** Exchanges it passed through without capturing them: `incomplete` ones, where autocannon
   * dropped its connections mid-request at the end of a run (up to `connections` per run). */
  notes: number;
  /** V8 heap in use in the proxy's process at the end, after a full garbage collection (bytes):
   * what the proxy holds. */
  proxyHeapUsedBytes: number;
  /** Resident set size of the proxy's process at the end (bytes): a high-water mark of the
   * allocator, not what is held (socket buffers and young-generation space included). */
  proxyRssBytes: number;
}

/** The recording proxy beside a minimal forwarding proxy, to tell the cost of one more HTTP hop
 * on this machine from the cost of paritykit's proxy (see {@link ProxyBenchResult.reference}). */
export interface ReferenceFigures {
  /** Requests per second through the reference forwarder. */
  forwarderRps: number;
  /** Median per-round forwarder ÷ direct: the best ratio any Node proxy process reaches here. */
  ratio: number;
  /** Median per-round recording proxy ÷ forwarder: paritykit's own share of the cost. */
  proxiedVsForwarder: number;
  /** Sequential mean of the forwarder − direct (ms): the added latency of one bare hop. */
  sequentialAddedMeanMs: number;
}

/**
 * Figures of one run. Throughput is `requests completed ÷ run duration` of each measured
 * autocannon run; latencies are ms; every figure is the median over `rounds`.
 */
export interface ProxyBenchResult {
  /** Requests per second straight to the server. */
  directRps: number;
  /** Requests per second through the recording proxy. */
  proxiedRps: number;
  /** Median of the per-round ratios proxied ÷ direct (each round's two runs are neighbours in
   * time, so pairing them cancels slow drift); target ≥ 0.8. Not exactly proxiedRps ÷ directRps. */
  ratio: number;
  /** Per-round ratios, in round order. */
  roundRatios: number[];
  /** autocannon's latency percentiles (ms, 1 ms resolution: whole milliseconds as measured). */
  directP50: number;
  directP99: number;
  proxiedP50: number;
  proxiedP99: number;
  /** proxiedP50 − directP50 (ms, 1 ms resolution). */
  addedP50Ms: number;
  /** proxiedP99 − directP99 (ms, 1 ms resolution). */
  addedP99Ms: number;
  /** The same measured runs' percentiles from each response's own time (`process.hrtime`). */
  underLoad: LatencyFigures;
  /** One request at a time over one keep-alive connection, timed with `performance.now()`. */
  sequential: SequentialFigures;
  /** True when a direct request takes under 1 ms (sequential mean): autocannon's whole-ms
   * percentiles then cannot show the added latency, read `underLoad` and `sequential`. */
  subMillisecond: boolean;
  /**
   * A minimal forwarding proxy (node:http, keep-alive upstream agent, no capture, no header
   * handling), measured the same way in its own child process in the same rounds. On a machine
   * with few cores the server, the proxy and the load generator compete for CPU, so a second
   * HTTP hop costs throughput whatever the proxy does; this shows how much. Absent when
   * `options.reference` is false.
   */
  reference?: ReferenceFigures;
  /**
   * CPU time (user + system, µs) each child process spent per request it handled, over the
   * whole run (warm-ups and sequential requests included): the cost of a request independent of
   * how the cores were shared. `loadGenerator` is this process (autocannon and the sequential
   * client). `forwarder` is absent when `options.reference` is false.
   */
  cpuPerRequestUs: { loadGenerator: number; server: number; proxy: number; forwarder?: number };
  /** Bytes of the JSON body of one order response. */
  responseBytes: number;
  capture: CaptureFigures;
  rounds: number;
  connections: number;
  durationS: number;
  warmupS: number;
  /** `os.availableParallelism()`: server, proxy and load generator share these cores. */
  cores: number;
}

/** The first order id requested. */
const FIRST_ORDER_ID = 1001;

/**
 * Paths the load generator cycles through (each autocannon connection in order; the sequential
 * timing round-robin): 16 order documents and 4 list pages, all about 1 KB of JSON.
 */
export const REQUEST_PATHS: readonly string[] = [
  ...Array.from({ length: 16 }, (_, i) => `/api/orders/${FIRST_ORDER_ID + i}`),
  ...Array.from({ length: 4 }, (_, i) => `/api/orders?page=${i + 1}`),
];

/** Request headers of every request: what an API client sends, a bearer token included (so
 * redaction runs on every captured exchange, as it would on real traffic). */
const REQUEST_HEADERS: Readonly<Record<string, string>> = {
  accept: 'application/json',
  'user-agent': 'paritykit-bench/1',
  authorization: 'Bearer bench-7f3c9a1e5b2d4c6f8a0e',
};

/**
 * Runs the benchmark: starts the JSON server, the recording proxy and (unless
 * `options.reference` is false) the reference forwarder in child processes, then per round
 * loads each side with autocannon (warm-up, then the measured run) and times
 * `sequentialRequests` single requests on it, the sides in ABBA order. Every child is stopped
 * when it returns or throws. Takes about `rounds × sides × (warmupS + durationS + 1)` s.
 *
 * @throws ParityError `USAGE` when an option is not a positive whole number.
 * @throws Error when a child process does not start, or a run saw errors, timeouts or non-2xx
 * responses (the figures would be meaningless).
 */
export async function benchProxy(options: ProxyBenchOptions = {}): Promise<ProxyBenchResult> {
  const rounds = positive(options.rounds ?? 4, 'rounds');
  const durationS = positive(options.durationS ?? 5, 'durationS');
  const warmupS = positive(options.warmupS ?? 2, 'warmupS');
  const connections = positive(options.connections ?? 10, 'connections');
  const sequentialRequests = positive(options.sequentialRequests ?? 2000, 'sequentialRequests');
  const sequentialWarmup = Math.ceil(sequentialRequests / 10);
  const withReference = options.reference ?? true;

  const children: Child[] = [];
  try {
    const server = await startChild(['--serve'], 'JSON server');
    children.push(server);
    // --expose-gc: the proxy's heap is measured after a full collection (see CaptureFigures).
    const proxy = await startChild(['--proxy', server.url], 'recording proxy', ['--expose-gc']);
    children.push(proxy);
    const urls: Partial<Record<Side, string>> = { direct: server.url, proxied: proxy.url };
    if (withReference) {
      const forwarder = await startChild(['--forward', server.url], 'reference forwarder');
      children.push(forwarder);
      urls.forwarder = forwarder.url;
    }
    const sides = Object.keys(urls) as Side[];
    const load: Record<Side, LoadRun[]> = { direct: [], proxied: [], forwarder: [] };
    const single: Record<Side, number[][]> = { direct: [], proxied: [], forwarder: [] };
    /** Requests completed per side, warm-ups included. */
    const sent: Record<Side, number> = { direct: 0, proxied: 0, forwarder: 0 };
    const cpuBefore = await Promise.all(children.map((child) => child.cpuMicros()));
    const ownCpuBefore = process.cpuUsage();
    for (let round = 0; round < rounds; round++) {
      for (const side of round % 2 === 0 ? sides : [...sides].reverse()) {
        const url = urls[side]!;
        const warm = await runLoad(url, connections, warmupS, false);
        const measured = await runLoad(url, connections, durationS, true);
        load[side].push(measured);
        const times = await timeSequential(url, sequentialWarmup + sequentialRequests);
        single[side].push(times.slice(sequentialWarmup));
        sent[side] += warm.completed + measured.completed + times.length;
      }
    }
    const ownCpu = process.cpuUsage(ownCpuBefore);
    const cpuAfter = await Promise.all(children.map((child) => child.cpuMicros()));
    const cpuPer = (index: number, requests: number): number => (cpuAfter[index] - cpuBefore[index]) / requests;
    const summary = await proxy.close();

    const pairedRatios = (a: Side, b: Side): number[] => load[a].map((run, i) => run.rps / load[b][i].rps);
    const ac = (side: Side, pick: (r: LoadRun) => number): number => median(load[side].map(pick));
    const precise = (side: Side, p: number): number => median(load[side].map((r) => percentile(r.times, p)));
    const seq = (side: Side, f: (xs: number[]) => number): number => median(single[side].map(f));
    const p50 = (xs: number[]): number => percentile(xs, 50);
    const p99 = (xs: number[]): number => percentile(xs, 99);
    const roundRatios = pairedRatios('proxied', 'direct');
    const sequential: SequentialFigures = {
      requests: sequentialRequests,
      directMeanMs: seq('direct', mean),
      proxiedMeanMs: seq('proxied', mean),
      addedMeanMs: seq('proxied', mean) - seq('direct', mean),
      ...latencyFigures(seq('direct', p50), seq('direct', p99), seq('proxied', p50), seq('proxied', p99)),
    };
    const directP50 = ac('direct', (r) => r.p50);
    const directP99 = ac('direct', (r) => r.p99);
    const proxiedP50 = ac('proxied', (r) => r.p50);
    const proxiedP99 = ac('proxied', (r) => r.p99);
    return {
      directRps: ac('direct', (r) => r.rps),
      proxiedRps: ac('proxied', (r) => r.rps),
      ratio: median(roundRatios),
      roundRatios,
      directP50,
      directP99,
      proxiedP50,
      proxiedP99,
      addedP50Ms: proxiedP50 - directP50,
      addedP99Ms: proxiedP99 - directP99,
      underLoad: latencyFigures(precise('direct', 50), precise('direct', 99), precise('proxied', 50), precise('proxied', 99)),
      sequential,
      subMillisecond: sequential.directMeanMs < 1,
      ...(withReference
        ? {
            reference: {
              forwarderRps: ac('forwarder', (r) => r.rps),
              ratio: median(pairedRatios('forwarder', 'direct')),
              proxiedVsForwarder: median(pairedRatios('proxied', 'forwarder')),
              sequentialAddedMeanMs: seq('forwarder', mean) - seq('direct', mean),
            },
          }
        : {}),
      cpuPerRequestUs: {
        loadGenerator: (ownCpu.user + ownCpu.system) / (sent.direct + sent.proxied + sent.forwarder),
        server: cpuPer(0, sent.direct + sent.proxied + sent.forwarder),
        proxy: cpuPer(1, sent.proxied),
        ...(withReference ? { forwarder: cpuPer(2, sent.forwarder) } : {}),
      },
      responseBytes: Buffer.byteLength(orderJson(FIRST_ORDER_ID)),
      capture: {
        requestsProxied: sent.proxied,
        scenarios: summary.scenarios,
        exchangesStored: summary.exchanges,
        notes: summary.notes,
        proxyHeapUsedBytes: summary.heapUsedBytes,
        proxyRssBytes: summary.rssBytes,
      },
      rounds,
      connections,
      durationS,
      warmupS,
      cores: availableParallelism(),
    };
  } finally {
    for (const child of children.reverse()) await child.stop();
  }
}

// ------------------------------------------------------------------------- measurement

/** `direct`: the JSON server; `proxied`: through the recording proxy; `forwarder`: through the reference forwarder. */
type Side = 'direct' | 'proxied' | 'forwarder';

/** One measured autocannon run. */
interface LoadRun {
  /** Requests completed. */
  completed: number;
  /** Requests per second over the run. */
  rps: number;
  /** autocannon's histogram percentiles (ms, whole milliseconds). */
  p50: number;
  p99: number;
  /** Each response's time (ms, from autocannon's `response` event); empty when not recorded. */
  times: number[];
}

/** The part of autocannon's results this benchmark reads (autocannon ships no types). */
interface AutocannonResult {
  requests: { total: number };
  latency: { p50: number; p99: number };
  /** Seconds. */
  duration: number;
  errors: number;
  timeouts: number;
  non2xx: number;
}

/** A running autocannon instance: an event emitter that is also a promise of its results. */
interface AutocannonInstance extends PromiseLike<AutocannonResult> {
  on(event: 'response', listener: (client: unknown, statusCode: number, resBytes: number, responseTime: number) => void): this;
}

type Autocannon = (options: {
  url: string;
  connections: number;
  duration: number;
  requests: Array<{ method: string; path: string; headers: Record<string, string> }>;
}) => AutocannonInstance;

let autocannonFn: Autocannon | undefined;

/** autocannon, loaded on first use (the child processes of this file never need it). */
function autocannon(): Autocannon {
  autocannonFn ??= createRequire(import.meta.url)('autocannon') as Autocannon;
  return autocannonFn;
}

/** Loads `baseUrl` with `connections` keep-alive connections for `durationS` s, each cycling through {@link REQUEST_PATHS}. */
async function runLoad(baseUrl: string, connections: number, durationS: number, recordTimes: boolean): Promise<LoadRun> {
  const times: number[] = [];
  const instance = autocannon()({
    url: baseUrl,
    connections,
    duration: durationS,
    requests: REQUEST_PATHS.map((path) => ({ method: 'GET', path, headers: { ...REQUEST_HEADERS } })),
  });
  if (recordTimes) instance.on('response', (_client, _status, _bytes, responseTime) => times.push(responseTime));
  const result = await instance;
  if (result.errors > 0 || result.timeouts > 0 || result.non2xx > 0) {
    throw new Error(
      `bench/proxy: load on ${baseUrl} saw ${result.errors} errors, ${result.timeouts} timeouts, ${result.non2xx} non-2xx responses; figures would be meaningless`,
    );
  }
  return {
    completed: result.requests.total,
    rps: result.requests.total / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    times,
  };
}

/** Sends `count` GET requests one after another over one keep-alive connection, cycling
 * through {@link REQUEST_PATHS}; resolves with each one's time (ms, request start to body end). */
async function timeSequential(baseUrl: string, count: number): Promise<number[]> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const times: number[] = [];
    for (let i = 0; i < count; i++) {
      const started = performance.now();
      await new Promise<void>((resolve, reject) => {
        const req = httpRequest(`${baseUrl}${REQUEST_PATHS[i % REQUEST_PATHS.length]}`, { agent, headers: REQUEST_HEADERS }, (res) => {
          if (res.statusCode !== 200) reject(new Error(`bench/proxy: ${baseUrl} answered ${res.statusCode} to a sequential request`));
          res.resume();
          res.on('end', resolve);
          res.on('error', reject);
        });
        req.on('error', reject);
        req.end();
      });
      times.push(performance.now() - started);
    }
    return times;
  } finally {
    agent.destroy();
  }
}

function latencyFigures(directP50Ms: number, directP99Ms: number, proxiedP50Ms: number, proxiedP99Ms: number): LatencyFigures {
  return {
    directP50Ms,
    directP99Ms,
    proxiedP50Ms,
    proxiedP99Ms,
    addedP50Ms: proxiedP50Ms - directP50Ms,
    addedP99Ms: proxiedP99Ms - directP99Ms,
  };
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function mean(xs: readonly number[]): number {
  return xs.reduce((sum, x) => sum + x, 0) / xs.length;
}

/** Nearest-rank percentile (`p` in 0–100) of a non-empty list. */
function percentile(xs: readonly number[], p: number): number {
  const s = Float64Array.from(xs).sort();
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}

function positive(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 1) {
    throw new ParityError('USAGE', `bench/proxy: ${name} must be a whole number ≥ 1; got ${JSON.stringify(value)}`);
  }
  return value;
}

// ----------------------------------------------------------------------- child processes

/** What the proxy's child prints when told to `close`. */
interface CaptureSummary {
  scenarios: number;
  exchanges: number;
  notes: number;
  heapUsedBytes: number;
  rssBytes: number;
}

/** A child process running this file in one of its modes. */
interface Child {
  url: string;
  /** Proxy mode only: closes the proxy (flushing what it captured) and returns its summary. */
  close(): Promise<CaptureSummary>;
  /** CPU time the child has used so far, user + system (µs). */
  cpuMicros(): Promise<number>;
  /** Ends the child: closes its stdin, then kills it if it has not exited within 5 s. */
  stop(): Promise<void>;
}

const thisFile = fileURLToPath(import.meta.url);

/** Starts this file with `args` (Node options `nodeArgs`) and waits for its `{"url": …}` line. */
async function startChild(args: string[], what: string, nodeArgs: string[] = []): Promise<Child> {
  const child: ChildProcess = spawn(process.execPath, [...nodeArgs, thisFile, ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
  const exited = once(child, 'exit');
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const nextLine = async (): Promise<string> => {
    const line = await Promise.race([lines.next(), exited.then(() => ({ done: true as const, value: undefined }))]);
    if (line.done) throw new Error(`bench/proxy: the ${what} process exited (code ${child.exitCode}, signal ${child.signalCode}) before answering`);
    return line.value;
  };
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.stdin!.end();
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  };
  try {
    const { url } = JSON.parse(await nextLine()) as { url: string };
    return {
      url,
      close: async () => {
        child.stdin!.write('close\n');
        return JSON.parse(await nextLine()) as CaptureSummary;
      },
      cpuMicros: async () => {
        child.stdin!.write('cpu\n');
        return (JSON.parse(await nextLine()) as { cpuMicros: number }).cpuMicros;
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/**
 * Answers the parent's commands, one per stdin line, each with one JSON line on stdout: `cpu`
 * (CPU time used so far), plus `extra` ones; exits when the parent closes stdin (or dies), so
 * no child outlives a run.
 */
function answerParent(extra: Record<string, () => Promise<unknown>> = {}): void {
  const commands: Record<string, () => Promise<unknown>> = {
    cpu: async () => {
      const { user, system } = process.cpuUsage();
      return { cpuMicros: user + system };
    },
    ...extra,
  };
  process.stdin.setEncoding('utf8');
  const input = createInterface({ input: process.stdin });
  input.on('line', (line) => {
    const command = commands[line.trim()];
    if (command) void command().then((answer) => process.stdout.write(`${JSON.stringify(answer)}\n`));
  });
  input.on('close', () => process.exit(0));
}

// --------------------------------------------------------------------------- JSON server

const STATUSES = ['paid', 'shipped', 'open', 'refunded'];
const PAGE_SIZE = 9;

/** A deterministic order document of about 1 KB (the same id always gives the same bytes). */
function orderJson(id: number): string {
  const items = [0, 1, 2].map((k) => {
    const quantity = 1 + ((id + k) % 4);
    const unitPrice = 4.99 + ((id * 7 + k * 13) % 50);
    return {
      sku: `SKU-${(id * 31 + k * 17) % 10000}`.padEnd(10, '0'),
      name: ['Espresso beans 1 kg', 'Ceramic pour-over dripper', 'Paper filters (100)'][k],
      quantity,
      unitPrice: Number(unitPrice.toFixed(2)),
      lineTotal: Number((unitPrice * quantity).toFixed(2)),
    };
  });
  const subtotal = items.reduce((sum, item) => sum + item.lineTotal, 0);
  const tax = subtotal * 0.2;
  return JSON.stringify({
    id,
    number: `SO-2024-${String(id).padStart(6, '0')}`,
    status: STATUSES[id % STATUSES.length],
    customer: { id: 5000 + (id % 97), name: 'Ada Lovelace', email: `customer${id % 97}@example.com` },
    currency: 'EUR',
    items,
    shippingAddress: { line1: '12 Analytical Engine Way', city: 'London', postalCode: 'N1 9GU', country: 'GB' },
    billingAddress: { line1: '12 Analytical Engine Way', city: 'London', postalCode: 'N1 9GU', country: 'GB' },
    payment: { method: 'card', brand: 'visa', last4: String(4000 + (id % 1000)).slice(-4), status: 'captured' },
    tags: ['web', id % 2 === 0 ? 'repeat-customer' : 'first-order'],
    totals: {
      subtotal: Number(subtotal.toFixed(2)),
      tax: Number(tax.toFixed(2)),
      shipping: 4.5,
      total: Number((subtotal + tax + 4.5).toFixed(2)),
    },
    createdAt: `2024-03-${String(1 + (id % 28)).padStart(2, '0')}T09:15:00.000Z`,
    updatedAt: `2024-04-${String(1 + (id % 28)).padStart(2, '0')}T16:42:10.000Z`,
  });
}

/** A deterministic page of order summaries of about 1 KB. */
function orderPageJson(page: number): string {
  const orders = Array.from({ length: PAGE_SIZE }, (_, i) => {
    const id = 1000 + (page - 1) * PAGE_SIZE + i + 1;
    return {
      id,
      number: `SO-2024-${String(id).padStart(6, '0')}`,
      status: STATUSES[id % STATUSES.length],
      total: 40 + ((id * 37) % 400) + 0.5,
      createdAt: `2024-03-${String(1 + (id % 28)).padStart(2, '0')}T09:15:00.000Z`,
    };
  });
  return JSON.stringify({ page, pageSize: PAGE_SIZE, total: 200, orders });
}

/** The legacy stand-in: `GET /api/orders/:id` and `GET /api/orders?page=N`, keep-alive, JSON. */
function handleApi(req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const one = /^\/api\/orders\/(\d+)$/.exec(url.pathname);
  let status = 200;
  let body: string;
  if (req.method === 'GET' && one) body = orderJson(Number(one[1]));
  else if (req.method === 'GET' && url.pathname === '/api/orders') body = orderPageJson(Math.max(1, Number(url.searchParams.get('page') ?? 1) || 1));
  else {
    status = 404;
    body = JSON.stringify({ error: 'not_found', message: `no route for ${req.method} ${url.pathname}` });
  }
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
    // Volatile (recorders/proxy.ts VOLATILE_RESPONSE_HEADERS): it does not defeat de-duplication.
    'x-request-id': randomUUID(),
  });
  res.end(body);
}

async function serve(): Promise<void> {
  const server = createServer({ keepAliveTimeout: 30_000 }, handleApi);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${port}` })}\n`);
  answerParent();
}

// ------------------------------------------------------------------------- recording proxy

/** Runs the recording proxy in front of `target`, as recorders/fixtures/proxy/run-proxy.ts does. */
async function runProxy(target: string): Promise<void> {
  const { startRecordingProxy } = await import('../recorders/proxy.ts');
  const proxy = await startRecordingProxy({ target, port: 0 });
  process.stdout.write(`${JSON.stringify({ url: proxy.url })}\n`);
  answerParent({
    close: async (): Promise<CaptureSummary> => {
      await proxy.close();
      const scenarios = proxy.scenarios();
      return {
        scenarios: scenarios.length,
        exchanges: scenarios.reduce((sum, s) => sum + s.exchanges.length, 0),
        notes: proxy.notes().length,
        heapUsedBytes: heapAfterGc(),
        rssBytes: process.memoryUsage.rss(),
      };
    },
  });
}

/** V8 heap in use after a full collection (bytes); needs `--expose-gc`, else the heap as it is. */
function heapAfterGc(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  return process.memoryUsage().heapUsed;
}

// ---------------------------------------------------------------------- reference forwarder

/**
 * The reference: the least a Node reverse proxy does — forward the request (method, path,
 * headers as parsed) over a keep-alive agent and pipe the response back — with no capture,
 * no raw-header handling, no error pages. Not a usable proxy; a floor for the cost of a hop.
 */
async function runForwarder(target: string): Promise<void> {
  const upstream = new URL(target);
  const agent = new Agent({ keepAlive: true });
  const server = createServer((req, res) => {
    const forwarded = httpRequest(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers, agent },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forwarded.on('error', () => res.destroy());
    req.pipe(forwarded);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${port}` })}\n`);
  answerParent();
}

// ------------------------------------------------------------------------------ entry

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [mode, arg] = process.argv.slice(2);
  if (mode === '--serve') await serve();
  else if (mode === '--proxy') await runProxy(arg);
  else if (mode === '--forward') await runForwarder(arg);
  else console.log(JSON.stringify(await benchProxy(), null, 2));
}
