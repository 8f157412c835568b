/**
 * Load for service scenarios: an exchange scenario's requests replayed in a loop by several
 * connections, measuring throughput, latency, errors and the server's peak RSS.
 *
 * Two load generators, one result shape:
 * - `autocannon` (its `requests` array: each connection loops over the scenario's requests,
 *   values captured from responses kept in autocannon's per-connection `context`, which it
 *   resets at the start of each loop). Its latency histogram has 1 ms resolution
 *   (DESIGN.md pitfalls), fine for endpoints that take milliseconds.
 * - `direct`: for sub-millisecond endpoints, each connection replays the scenario with the
 *   exchange recorder (`runExchanges`), whose per-request `durationMs` comes from
 *   `performance.now()`; percentiles are then meaningful below 1 ms.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import autocannon, { type AutocannonRequest } from 'autocannon';
import { extractCapture, runExchanges } from '../../recorders/http.ts';
import { ProcessTreeSampler } from '../../recorders/process-tree.ts';
import { ParityError } from '../errors.ts';
import type { HttpRequestSpec, Scenario } from '../model.ts';
import type { LatencyDistribution, PerfMeasurement } from './model.ts';
import { mean, quantile } from './stats.ts';

/** Percentiles kept of every latency distribution (0–1). */
export const DISTRIBUTION_QUANTILES = [0.025, 0.5, 0.75, 0.9, 0.975, 0.99] as const;

/** Median latency (ms) below which `chooseLoadMode` picks direct timing: autocannon's 1 ms
 * histogram buckets would swallow the difference. */
export const DIRECT_TIMING_BELOW_MS = 2;

/** autocannon's sample interval (ms): also how late it notices the end of a measurement. */
export const AUTOCANNON_SAMPLE_MS = 20;

/** How often the server's process tree is sampled for RSS during load (ms). */
export const LOAD_RSS_INTERVAL_MS = 50;

/** How a measurement is bounded and shaped. */
export interface LoadOptions {
  connections: number;
  /** ms; used when `requests` is null. */
  durationMs: number | null;
  requests: number | null;
  /** Folder `body.file` paths are relative to (the config file's). */
  rootDir: string;
  /** Per-request time limit (ms). */
  timeoutMs: number;
}

/** `autocannon` or `direct` (see the module comment). */
export type LoadMode = 'autocannon' | 'direct';

const TEMPLATE_RE = /\{\{\s*([^{}\s]+)\s*\}\}/g;

function hasTemplate(text: string): boolean {
  TEMPLATE_RE.lastIndex = 0;
  return TEMPLATE_RE.test(text);
}

/** Fills `{{name}}` from the context; returns null when a name has not been captured. */
function fill(text: string, context: Record<string, string>, encode: (v: string) => string = (v) => v): string | null {
  let missing = false;
  const out = text.replace(TEMPLATE_RE, (_, name: string) => {
    const v = context[name];
    if (v === undefined) missing = true;
    return v === undefined ? '' : encode(v);
  });
  return missing ? null : out;
}

/** The path as runExchanges builds it: a template that is the whole path goes in as is (a
 * captured Location; an absolute URL keeps only its path and query), else values are encoded. */
function fillPath(template: string, query: HttpRequestSpec['query'], context: Record<string, string>): string | null {
  const whole = /^\{\{\s*([^{}\s]+)\s*\}\}$/.exec(template);
  let p: string | null;
  if (whole) {
    const v = context[whole[1]];
    if (v === undefined) return null;
    p = /^https?:\/\//i.test(v) ? (() => { const u = new URL(v); return u.pathname + u.search; })() : v;
  } else {
    p = fill(template, context, encodeURIComponent);
  }
  if (p === null) return null;
  const params = new URLSearchParams();
  for (const [k, value] of Object.entries(query ?? {})) {
    for (const one of Array.isArray(value) ? value : [value]) {
      const filled = fill(one, context);
      if (filled === null) return null;
      params.append(k, filled);
    }
  }
  const qs = params.toString();
  return qs ? `${p}${p.includes('?') ? '&' : '?'}${qs}` : p;
}

function fillJson(value: unknown, context: Record<string, string>): unknown {
  if (typeof value === 'string') return fill(value, context) ?? value;
  if (Array.isArray(value)) return value.map((v) => fillJson(v, context));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fillJson(v, context)]));
  return value;
}

/**
 * Builds autocannon's `requests` array from an exchange scenario. Requests that use captured
 * values get a `setupRequest` filling them from the connection's context (returning null,
 * which makes autocannon restart the sequence, when a value is missing because an earlier
 * response failed); requests with captures get an `onResponse` storing the values
 * (`extractCapture` of the exchange recorder, so the rules are the same).
 *
 * @throws ParityError `SCENARIO_INVALID` when a `body.file` cannot be read.
 */
export async function buildLoadRequests(scenario: Scenario, rootDir: string): Promise<AutocannonRequest[]> {
  const out: AutocannonRequest[] = [];
  for (const [i, spec] of (scenario.requests ?? []).entries()) {
    const headers: Record<string, string> = { accept: '*/*', 'user-agent': 'paritykit' };
    let body: string | Buffer | undefined;
    let dynamicBody: ((ctx: Record<string, string>) => string) | undefined;
    if (spec.body && 'json' in spec.body) {
      headers['content-type'] = 'application/json';
      const json = spec.body.json;
      body = JSON.stringify(json);
      if (hasTemplate(body)) dynamicBody = (ctx) => JSON.stringify(fillJson(json, ctx));
    } else if (spec.body && 'text' in spec.body) {
      headers['content-type'] = spec.body.contentType ?? 'text/plain; charset=utf-8';
      const text = spec.body.text;
      body = text;
      if (hasTemplate(text)) dynamicBody = (ctx) => fill(text, ctx) ?? text;
    } else if (spec.body && 'form' in spec.body) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      const form = spec.body.form;
      body = new URLSearchParams(form).toString();
      if (hasTemplate(Object.values(form).join(''))) dynamicBody = (ctx) => new URLSearchParams(Object.fromEntries(Object.entries(form).map(([k, v]) => [k, fill(v, ctx) ?? v]))).toString();
    } else if (spec.body && 'file' in spec.body) {
      const file = path.resolve(rootDir, spec.body.file);
      body = await readFile(file).catch((err: Error) => {
        throw new ParityError('SCENARIO_INVALID', `scenario "${scenario.id}", request #${i + 1}: body.file ${file} cannot be read (${err.message}); fix the path`);
      });
      headers['content-type'] = spec.body.contentType ?? 'application/octet-stream';
    }
    for (const [k, v] of Object.entries(spec.headers ?? {})) headers[k.toLowerCase()] = v;
    const method = (spec.method ?? 'GET').toUpperCase();
    const staticPath = fillPath(spec.path, spec.query, {});
    const needsSetup = staticPath === null || dynamicBody !== undefined || Object.values(spec.headers ?? {}).some(hasTemplate);
    const request: AutocannonRequest = { method, path: staticPath ?? '/', headers, ...(body !== undefined ? { body } : {}) };
    if (needsSetup) {
      request.setupRequest = (req, ctx) => {
        const p = fillPath(spec.path, spec.query, ctx);
        if (p === null) return null;
        const h: Record<string, string> = { ...headers };
        for (const [k, v] of Object.entries(spec.headers ?? {})) {
          const filled = fill(v, ctx);
          if (filled === null) return null;
          h[k.toLowerCase()] = filled;
        }
        return { ...req, path: p, headers: h, ...(dynamicBody ? { body: dynamicBody(ctx) } : {}) };
      };
    }
    const captures = Object.entries(spec.capture ?? {});
    if (captures.length > 0) {
      request.onResponse = (_status, text, ctx, raw) => {
        const pairs: Array<[string, string]> = [];
        for (const [k, v] of Object.entries(raw)) for (const one of Array.isArray(v) ? v : [v]) pairs.push([k.toLowerCase(), String(one)]);
        const response = { headers: pairs, body: Buffer.from(text ?? '', 'utf8') };
        for (const [name, capture] of captures) {
          const r = extractCapture(capture, response);
          if (r.ok) ctx[name] = r.value;
          else delete ctx[name];
        }
      };
    }
    out.push(request);
  }
  return out;
}

function distributionOf(latenciesMs: number[], source: LatencyDistribution['source']): LatencyDistribution {
  return { source, points: DISTRIBUTION_QUANTILES.map((q) => ({ q, ms: quantile(latenciesMs, q) })) };
}

/** Runs `fn` while sampling the peak RSS of the process tree rooted at `pid` (bytes, or null). */
async function withRss<T>(pid: number | undefined, fn: () => Promise<T>): Promise<{ value: T; peakRssBytes: number | null }> {
  const sampler = pid !== undefined ? new ProcessTreeSampler(pid, LOAD_RSS_INTERVAL_MS) : undefined;
  sampler?.start();
  try {
    const value = await fn();
    return { value, peakRssBytes: sampler?.peakRssBytes ?? null };
  } finally {
    await sampler?.stop();
  }
}

/**
 * One measurement with autocannon: `connections` connections loop over the scenario's
 * requests for `durationMs` (or until `requests` responses). Throughput is responses ÷ the
 * run's duration (requests/s); latency percentiles and mean come from autocannon's histogram
 * (ms, 1 ms resolution); `errors` counts connection errors and timeouts; `non2xx` responses
 * whose status is not 2xx.
 */
export async function measureWithAutocannon(baseUrl: string, requests: AutocannonRequest[], options: LoadOptions, pid?: number): Promise<PerfMeasurement> {
  const { value: r, peakRssBytes } = await withRss(pid, async () =>
    autocannon({
      url: baseUrl,
      connections: options.connections,
      ...(options.requests !== null ? { amount: options.requests } : { duration: (options.durationMs ?? 1000) / 1000 }),
      timeout: Math.max(1, Math.ceil(options.timeoutMs / 1000)),
      // autocannon notices the end of `duration` only at its next sample tick (default every
      // second): sample often so a measurement lasts what was asked.
      sampleInt: AUTOCANNON_SAMPLE_MS,
      requests,
    }),
  );
  const responses = r['2xx'] + r.non2xx;
  const distribution: LatencyDistribution = {
    source: 'autocannon',
    points: [
      { q: 0.025, ms: r.latency.p2_5 },
      { q: 0.5, ms: r.latency.p50 },
      { q: 0.75, ms: r.latency.p75 },
      { q: 0.9, ms: r.latency.p90 },
      { q: 0.975, ms: r.latency.p97_5 },
      { q: 0.99, ms: r.latency.p99 },
    ],
  };
  return {
    sample: {
      throughput: responses / Math.max(r.duration, 1e-3),
      meanMs: r.latency.mean ?? r.latency.average,
      p50Ms: r.latency.p50,
      p90Ms: r.latency.p90,
      p99Ms: r.latency.p99,
      errors: r.errors,
      non2xx: r.non2xx,
      ...(peakRssBytes !== null ? { peakRssBytes } : {}),
    },
    distribution,
  };
}

/**
 * One measurement timing each request directly: `connections` loops, each replaying the
 * scenario with `runExchanges` (one keep-alive connection per replay) until `durationMs` has
 * passed (or `requests` requests were sent in total). Latencies are each exchange's
 * `durationMs` (`performance.now()`, sub-millisecond); throughput is requests ÷ elapsed time.
 */
export async function measureDirect(baseUrl: string, scenario: Scenario, options: LoadOptions, pid?: number): Promise<PerfMeasurement> {
  const latencies: number[] = [];
  let errors = 0;
  let non2xx = 0;
  const t0 = performance.now();
  const deadline = t0 + (options.durationMs ?? 1000);
  const budget = options.requests ?? Number.POSITIVE_INFINITY;
  const exchange = { id: scenario.id, requests: scenario.requests ?? [] };
  const { peakRssBytes } = await withRss(pid, async () => {
    const worker = async () => {
      while (latencies.length < budget && (options.requests !== null || performance.now() < deadline)) {
        const obs = await runExchanges(baseUrl, exchange, { timeoutMs: options.timeoutMs, scenarioDir: options.rootDir });
        for (const x of obs.exchanges) {
          latencies.push(x.durationMs);
          if (x.response.status < 200 || x.response.status > 299) non2xx++;
        }
        if (obs.error) {
          errors++;
          if (obs.exchanges.length === 0) await new Promise((r) => setTimeout(r, 5));
        }
      }
    };
    await Promise.all(Array.from({ length: options.connections }, worker));
  });
  const elapsedS = (performance.now() - t0) / 1000;
  return {
    sample: {
      throughput: latencies.length / Math.max(elapsedS, 1e-3),
      meanMs: mean(latencies),
      p50Ms: quantile(latencies, 0.5),
      p90Ms: quantile(latencies, 0.9),
      p99Ms: quantile(latencies, 0.99),
      errors,
      non2xx,
      ...(peakRssBytes !== null ? { peakRssBytes } : {}),
    },
    distribution: distributionOf(latencies, 'direct'),
  };
}

/** Picks the load generator from a warm-up measurement: `direct` when its median latency
 * (autocannon's p50, whole milliseconds) is below {@link DIRECT_TIMING_BELOW_MS} ms — most
 * requests then fall into autocannon's first one or two 1 ms buckets — else `autocannon`. */
export function chooseLoadMode(warmupP50Ms: number): LoadMode {
  return warmupP50Ms < DIRECT_TIMING_BELOW_MS ? 'direct' : 'autocannon';
}

/** Wall-time distribution of CLI runs, for the report's chart. */
export function spawnDistribution(wallMs: number[]): LatencyDistribution {
  return distributionOf(wallMs, 'spawn');
}
