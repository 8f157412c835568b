/**
 * Running one exchange scenario on a service target: a fresh database cloned from the
 * target's fixture template (when it owns one), the service started with that database
 * (`DATABASE_URL`) on a free port, the requests replayed, then everything stopped and dropped.
 * Every scenario gets its own database and its own service process, so scenarios running in
 * parallel never share state, and legacy and candidate start from the same state.
 */
import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { glob } from 'tinyglobby';
import { startDatabaseProvider, type DatabaseProvider } from '../recorders/postgres.ts';
import { runExchanges } from '../recorders/http.ts';
import { startService, type RunningService } from '../recorders/service.ts';
import { startOutboundRecorder, startOutboundReplayer, type OutboundProxy } from '../recorders/outbound.ts';
import { startDbCapture, type DbCapture } from '../recorders/db-capture.ts';
import { captureSchema } from '../recorders/db-schema.ts';
import { ParityError } from './errors.ts';
import type { DatabaseSpec, DbObservation, ExchangeScenario, HttpExchange, HttpObservation, Scenario, ScenarioObservation, ServiceTarget } from './model.ts';

const providers = new Map<string, Promise<DatabaseProvider>>();
const templates = new Map<string, Promise<string>>();

function providerKey(spec: DatabaseSpec): string {
  return JSON.stringify([spec.provider ?? 'embedded', spec.url ?? null]);
}

/** One database server per provider kind per process (the embedded server starts once per run). */
function providerFor(spec: DatabaseSpec, rootDir: string): Promise<DatabaseProvider> {
  const key = providerKey(spec);
  let p = providers.get(key);
  if (!p) {
    p = startDatabaseProvider(spec, { rootDir });
    providers.set(key, p);
    p.catch(() => providers.delete(key));
  }
  return p;
}

/** The template database for a fixture list, created once per provider and fixture set. */
async function templateFor(provider: DatabaseProvider, spec: DatabaseSpec, rootDir: string): Promise<string> {
  const files = (await glob(spec.fixtures ?? [], { cwd: rootDir, absolute: true, expandDirectories: false })).sort();
  if ((spec.fixtures ?? []).length > 0 && files.length === 0) {
    throw new ParityError('CONFIG_INVALID', `database.fixtures ${JSON.stringify(spec.fixtures)} matched no SQL files under ${rootDir}; check the globs`);
  }
  const name = `pk_tpl_${createHash('sha256').update(JSON.stringify([providerKey(spec), files])).digest('hex').slice(0, 12)}`;
  let t = templates.get(name);
  if (!t) {
    t = provider.prepareTemplate(name, files).then(() => name);
    templates.set(name, t);
    t.catch(() => templates.delete(name));
  }
  return t;
}

/** A fresh clone of the target's fixture template, its URL set in `env` (`DATABASE_URL` or the
 * spec's `env`): the one way a service gets its database, for scenarios and for perf. */
async function cloneFor(spec: DatabaseSpec, rootDir: string, env: Record<string, string>): Promise<{ url: string; drop(): Promise<void> }> {
  const provider = await providerFor(spec, rootDir);
  const template = await templateFor(provider, spec, rootDir);
  const db = await provider.cloneDatabase(template, 'pk');
  env[spec.env ?? 'DATABASE_URL'] = db.url;
  return db;
}

/** Stops every database server this process started (end of a record or verify run). */
export async function stopDatabaseProviders(): Promise<void> {
  const all = [...providers.values()];
  providers.clear();
  templates.clear();
  await Promise.all(all.map(async (p) => (await p.catch(() => null))?.stop()));
}

const EMPTY = Buffer.alloc(0);

/** Wraps an http observation as a scenario observation (process channels empty, not compared). */
function observationOf(http: HttpObservation, durationMs: number): ScenarioObservation {
  return { stdout: EMPTY, stderr: EMPTY, exit: { code: null, signal: null, timedOut: false }, files: [], timing: { durationMs, peakRssBytes: null }, http };
}

/**
 * Runs an exchange scenario on a service target. A service that cannot start, a database that
 * cannot be provisioned, or a request that cannot be sent is an observation with `http.error`
 * (the verdict `error`, with the service's log), never an exception — except configuration
 * mistakes (ParityError `CONFIG_INVALID`), which stop the run.
 *
 * @param options.rootDir the config file's directory (fixtures, `start.cwd`, `body.file`).
 * @param options.timeoutMs per-request time limit (ms).
 */
export async function runServiceScenario(
  target: ServiceTarget,
  scenario: Scenario,
  options: { rootDir: string; timeoutMs: number; signal?: AbortSignal; replayOutbound?: HttpExchange[]; redactText?: (text: string) => string },
): Promise<ScenarioObservation> {
  const t0 = performance.now();
  let db: { url: string; drop(): Promise<void> } | undefined;
  let service: RunningService | undefined;
  let outbound: OutboundProxy | undefined;
  let capture: DbCapture | undefined;
  let captureError: string | undefined;
  try {
    const env: Record<string, string> = {};
    // Third-party calls go through paritykit's forward proxy: recorded from the legacy,
    // answered from that recording for the candidate (so both see the same responses).
    if (!('url' in target)) {
      outbound = options.replayOutbound
        ? await startOutboundReplayer(options.replayOutbound, { redactText: options.redactText, matchOrigin: false })
        : await startOutboundRecorder({ redactText: options.redactText });
      // Only the conventional variables: NODE_USE_ENV_PROXY would change how Node's own http
      // client behaves inside the system under test (it rejects a hand-set Host header).
      Object.assign(env, { HTTP_PROXY: outbound.url, http_proxy: outbound.url });
    }
    // A `url` target is run by someone else: paritykit cannot hand it a database.
    if (target.database && !('url' in target)) {
      db = await cloneFor(target.database, options.rootDir, env);
      // The db channel starts before the service, so it sees every write (docs/database.md).
      const method = target.database.capture ?? 'auto';
      if (method !== 'off') {
        capture = await startDbCapture(db.url, { method }).catch((err: unknown) => {
          captureError = err instanceof Error ? err.message : String(err);
          return undefined;
        });
      }
    }
    service = await startService(target, { rootDir: options.rootDir, env, signal: options.signal });
    const exchange: ExchangeScenario = { id: scenario.id, requests: scenario.requests ?? [], ...(scenario.tags ? { tags: scenario.tags } : {}) };
    const http = await runExchanges(service.baseUrl, exchange, {
      timeoutMs: scenario.timeoutMs ?? target.timeoutMs ?? options.timeoutMs,
      scenarioDir: options.rootDir,
      signal: options.signal,
    });
    if (http.error) http.error = `${http.error}\n--- service log (last lines) ---\n${tail(service.log())}`;
    if (outbound) {
      await service.stop();
      const calls = outbound.calls();
      if (calls.length > 0) http.outbound = calls;
      const unmatched = options.replayOutbound ? outbound.unmatched() : [];
      if (unmatched.length > 0) http.unmatchedOutbound = unmatched;
    }
    const observation = observationOf(http, performance.now() - t0);
    if (db && (capture || captureError)) {
      // Stopped first: a write the service makes after its last response is still captured.
      await service.stop();
      Object.assign(observation, await finishDbChannels(capture, captureError, db.url, target.database?.capture));
    }
    return observation;
  } catch (err) {
    if (err instanceof ParityError && err.code === 'CONFIG_INVALID') throw err;
    const message = err instanceof Error ? err.message : String(err);
    return observationOf({ exchanges: [], error: message }, performance.now() - t0);
  } finally {
    await service?.stop().catch(() => undefined);
    await capture?.abort();
    await outbound?.close().catch(() => undefined);
    await db?.drop().catch(() => undefined);
  }
}

/** The `db` and `schema` observations after the service stopped. A capture that failed is a
 * `db.error` (verdict `error`), never an exception; a schema that cannot be read is reported
 * there too (the schema channel is then absent). */
async function finishDbChannels(
  capture: DbCapture | undefined,
  startError: string | undefined,
  url: string,
  requested: DatabaseSpec['capture'],
): Promise<Pick<ScenarioObservation, 'db' | 'schema'>> {
  let db: DbObservation;
  if (!capture) {
    db = { method: requested === 'snapshot' ? 'snapshot' : 'logical', changes: [], error: `db capture could not start: ${startError}` };
  } else {
    db = await capture.finish().catch((err: unknown) => ({
      method: capture.method,
      ...(capture.reason ? { reason: capture.reason } : {}),
      changes: [],
      error: err instanceof Error ? err.message : String(err),
    }));
  }
  try {
    return { db, schema: await captureSchema(url) };
  } catch (err) {
    const message = `schema capture failed: ${err instanceof Error ? err.message : String(err)}`;
    return { db: { ...db, error: db.error ? `${db.error}\n${message}` : message } };
  }
}

function tail(text: string, lines = 40): string {
  return text.split('\n').slice(-lines).join('\n');
}

/**
 * Starts a service target the way {@link runServiceScenario} does (a fresh database cloned
 * from the target's fixture template, the service on a free port) but leaves it running, for
 * callers that send many requests to it (harness/perf). No outbound proxy is put in front of
 * it: the service talks to its real dependencies. `stop()` stops the service and drops the
 * database; it never throws.
 *
 * @param options.rootDir the config file's directory (fixtures, `start.cwd`).
 * @throws ParityError `CONFIG_INVALID` for bad fixtures globs; `TARGET_FAILED` (from
 *   startService) when the service cannot start.
 */
export async function startServiceWithDatabase(
  target: ServiceTarget,
  options: { rootDir: string; signal?: AbortSignal },
): Promise<{ service: RunningService; stop(): Promise<void> }> {
  let db: { url: string; drop(): Promise<void> } | undefined;
  const env: Record<string, string> = {};
  if (target.database && !('url' in target)) db = await cloneFor(target.database, options.rootDir, env);
  let service: RunningService;
  try {
    service = await startService(target, { rootDir: options.rootDir, env, signal: options.signal });
  } catch (err) {
    await db?.drop().catch(() => undefined);
    throw err;
  }
  return {
    service,
    stop: async () => {
      await service.stop().catch(() => undefined);
      await db?.drop().catch(() => undefined);
    },
  };
}
