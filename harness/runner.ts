/**
 * The runner: one path to run a scenario on a target, and one path to compare two
 * observations channel by channel. `record` and `verify` (through vitest) both use it.
 */
import { isUtf8 } from 'node:buffer';
import { runCommand } from '../recorders/process.ts';
import { detectFormat } from '../recorders/format.ts';
import { compareContent, compareValue } from './compare/index.ts';
import { normalizeText, tolerancesFor, type NormalizeContext } from './normalize/index.ts';
import { createRedactor, redactHeaderList, type Redactor } from './redact.ts';
import picomatch from 'picomatch';
import type { ResolvedSuite } from './config.ts';
import { isCommandTarget, type ChannelResult, type ContentFormat, type Difference, type FileObservation, type HttpExchange, type NoiseRule, type Scenario, type ScenarioObservation, type Target } from './model.ts';
import { runServiceScenario } from './service-run.ts';
import { redactDbObservation } from '../recorders/db-capture.ts';
import { compareHttp } from './compare/http.ts';
import { compareDbChannels, resolveDbOptions } from './compare/db.ts';
import { applyNoise, noiseColumns, rulesFor } from './noise.ts';

/**
 * Runs one scenario on one target. A service target replays the scenario's requests (see
 * harness/service-run.ts). A command target runs `target.command + scenario.args` in a fresh
 * temporary working directory seeded with `scenario.files`, with `scenario.stdin` and
 * `target.env` + `scenario.env`. Time limit: scenario, else target, else suite `timeoutMs`.
 * A timeout is an observation (`exit.timedOut`), not an exception.
 *
 * @throws ParityError `TARGET_FAILED` when the command cannot be spawned at all.
 */
export function runScenario(
  target: Target,
  scenario: Scenario,
  suite: Pick<ResolvedSuite, 'timeoutMs'> & { rootDir?: string },
  signal?: AbortSignal,
  service?: { replayOutbound?: HttpExchange[]; redactText?: (text: string) => string },
): Promise<ScenarioObservation> {
  if (!isCommandTarget(target)) {
    return runServiceScenario(target, scenario, { rootDir: suite.rootDir ?? process.cwd(), timeoutMs: suite.timeoutMs, signal, ...service });
  }
  return runCommand({
    argv: [...target.command, ...(scenario.args ?? [])],
    cwd: target.cwd ?? process.cwd(),
    env: { ...target.env, ...scenario.env },
    stdin: scenario.stdin,
    files: scenario.files,
    timeoutMs: scenario.timeoutMs ?? target.timeoutMs ?? suite.timeoutMs,
    signal,
  });
}

/** The suite's redactor (record time, and applied to candidate output before compare and report). */
export function redactorFor(suite: Pick<ResolvedSuite, 'redact' | 'redactDefaults' | 'legacy' | 'candidate'>): Redactor {
  return createRedactor(suite.redact, { defaults: suite.redactDefaults, env: { ...process.env, ...targetEnv(suite.legacy), ...targetEnv(suite.candidate) } });
}

/** Environment variables a target is given by the config (for env-value redactions). */
function targetEnv(target: Target): Record<string, string> | undefined {
  if (isCommandTarget(target)) return target.env;
  if ('start' in target) return target.start.env;
  if ('container' in target) return target.container.env;
  return undefined;
}

/** Applies a redactor to every payload of an observation. */
export function redactObservation(o: ScenarioObservation, redactor: Redactor): ScenarioObservation {
  const http = o.http
    ? {
        ...o.http,
        exchanges: o.http.exchanges.map((x) => ({
          ...x,
          request: { ...x.request, url: redactor.redactText(x.request.url), headers: redactHeaderValues(x.request.headers, redactor), body: x.request.body && redactor.redactBuffer(x.request.body) },
          response: { ...x.response, headers: redactHeaderValues(x.response.headers, redactor), body: redactor.redactBuffer(x.response.body) },
          captures: Object.fromEntries(Object.entries(x.captures).map(([k, v]) => [k, redactor.redactText(v)])),
        })),
      }
    : undefined;
  if (!redactor.active) return http ? { ...o, http } : o;
  return {
    ...o,
    ...(http ? { http } : {}),
    stdout: redactor.redactBuffer(o.stdout),
    stderr: redactor.redactBuffer(o.stderr),
    files: o.files.map((f) => ({ ...f, path: redactor.redactText(f.path), content: f.content === null ? null : redactor.redactBuffer(f.content) })),
    ...(o.db ? { db: redactDbObservation(o.db, (t) => redactor.redactText(t)) } : {}),
  };
}

function redactHeaderValues(headers: Array<[string, string]>, redactor: Redactor): Array<[string, string]> {
  return redactHeaderList(headers, (t) => redactor.redactText(t));
}

/** Format used to compare a stream: detected on the legacy's bytes (the reference). */
function streamFormat(legacy: Buffer, candidate: Buffer): ContentFormat {
  return detectFormat(null, legacy.length > 0 ? legacy : candidate);
}

function isTextFormat(format: ContentFormat): boolean {
  return format !== 'binary' && format !== 'image';
}

function csvKeyFor(suite: Pick<ResolvedSuite, 'csvKeys'>, filePath: string): string | undefined {
  for (const [pattern, key] of Object.entries(suite.csvKeys)) {
    if (picomatch.isMatch(filePath, pattern, { dot: true })) return key;
  }
  return undefined;
}

/** Masks learned noise, normalizes, then compares one payload pair in a given format. */
function comparePayload(
  suite: Pick<ResolvedSuite, 'normalize' | 'csvKeys'>,
  ctx: NormalizeContext,
  legacy: Buffer,
  candidate: Buffer,
  format: ContentFormat,
  noise: NoiseRule[],
): Difference | null {
  if (isTextFormat(format) && isUtf8(legacy) && isUtf8(candidate)) {
    // Noise was learned on raw legacy output, so it is masked before the normalizers run.
    const l = normalizeText(applyNoise(legacy.toString('utf8'), format, noise), format, suite.normalize, ctx);
    const c = normalizeText(applyNoise(candidate.toString('utf8'), format, noise), format, suite.normalize, ctx);
    return compareContent(l, c, format, {
      tolerances: tolerancesFor(suite.normalize, ctx),
      csvKey: ctx.path ? csvKeyFor(suite, ctx.path) : undefined,
      label: ctx.path ?? ctx.channel,
    });
  }
  return compareContent(legacy, candidate, format, { label: ctx.path ?? ctx.channel });
}

function result(channel: ChannelResult['channel'], difference: Difference | null, extra: { path?: string; format?: ContentFormat } = {}): ChannelResult {
  return difference ? { channel, ...extra, verdict: 'diff', difference } : { channel, ...extra, verdict: 'pass' };
}

function compareFiles(suite: Pick<ResolvedSuite, 'normalize' | 'csvKeys'>, scenario: Scenario, legacy: FileObservation[], candidate: FileObservation[], noise?: NoiseRule[]): ChannelResult[] {
  const byPath = (list: FileObservation[]) => new Map(list.map((f) => [f.path, f]));
  const l = byPath(legacy);
  const c = byPath(candidate);
  const paths = [...new Set([...l.keys(), ...c.keys()])].sort();
  return paths.map((p) => {
    const lf = l.get(p);
    const cf = c.get(p);
    if (!lf || !cf) {
      const present = (lf ?? cf)!;
      const who = lf ? 'legacy' : 'candidate';
      const other = lf ? 'candidate' : 'legacy';
      return result('files', {
        kind: 'value',
        summary: `${p} ${present.change} by ${who} only`,
        unified: `${who} ${present.change} ${p}; ${other} left it untouched`,
        legacy: lf ? lf.change : null,
        candidate: cf ? cf.change : null,
      }, { path: p, format: present.format });
    }
    if (lf.change !== cf.change || lf.content === null || cf.content === null) {
      const diff = lf.change === cf.change ? null : compareValue(`${p} change`, lf.change, cf.change);
      return result('files', diff, { path: p, format: lf.format });
    }
    const ctx: NormalizeContext = { channel: 'files', path: p, scenarioId: scenario.id, tags: scenario.tags ?? [] };
    return result('files', comparePayload(suite, ctx, lf.content, cf.content, lf.format, rulesFor(noise, 'files', p)), { path: p, format: lf.format });
  });
}

/**
 * Compares the legacy's observation with the candidate's for every compared channel:
 * `exit` (code, signal, timedOut), `stdout`, `stderr` (format detected on the legacy's bytes:
 * JSON structurally, CSV by cell, text by line), and `files` (one result per path created,
 * modified or deleted by either side). Learned noise (see harness/noise.ts) is masked and the
 * normalizers applied on both sides; `timing` is not compared. An exchange scenario compares
 * `http` (one result per exchange), then `db` and `schema` when the legacy's observation has them
 * (harness/compare/db.ts `compareDbChannels`, with the suite's `db` option).
 *
 * @param noise the scenario's learned noise rules (from the baseline), if any.
 * @returns one ChannelResult per comparison, in the order exit, stdout, stderr, files.
 */
export function compareObservations(
  suite: Pick<ResolvedSuite, 'normalize' | 'csvKeys'> & Partial<Pick<ResolvedSuite, 'db'>>,
  scenario: Scenario,
  legacy: ScenarioObservation,
  candidate: ScenarioObservation,
  noise?: NoiseRule[],
): ChannelResult[] {
  const tags = scenario.tags ?? [];
  if (scenario.requests) {
    // Exchange scenarios: only the http channel carries behaviour.
    const empty = { exchanges: [] };
    // Response bodies: learned noise masked first (rules of exchange #n), then the normalizers.
    const unmatched = candidate.http?.unmatchedOutbound ?? [];
    const outboundResult: ChannelResult[] = unmatched.length
      ? [
          result('http', {
            kind: 'value',
            summary: `${unmatched.length} outbound call(s) the legacy never made`,
            unified: unmatched.map((u) => `+ ${u.method} ${u.url}: ${u.reason}`).join('\n'),
            legacy: null,
            candidate: unmatched.map((u) => `${u.method} ${u.url}`),
          }, { path: 'outbound calls' }),
        ]
      : [];
    return [...outboundResult, ...compareHttp(legacy.http ?? empty, candidate.http ?? empty, {
      tolerances: tolerancesFor(suite.normalize, { channel: 'stdout', scenarioId: scenario.id, tags }),
      normalize: (text, format, ctx) =>
        normalizeText(applyNoise(text, format, rulesFor(noise, 'http', `#${ctx.exchange + 1}`)), format, suite.normalize, { channel: 'stdout', scenarioId: scenario.id, tags }),
    }), ...compareDbChannels(withNoiseColumns(suite.db, noise), legacy, candidate)];
  }
  const out: ChannelResult[] = [];
  out.push(result('exit', compareValue('exit', legacy.exit, candidate.exit)));
  for (const channel of ['stdout', 'stderr'] as const) {
    const format = streamFormat(legacy[channel], candidate[channel]);
    const diff = comparePayload(suite, { channel, scenarioId: scenario.id, tags }, legacy[channel], candidate[channel], format, rulesFor(noise, channel));
    out.push(result(channel, diff, { format }));
  }
  out.push(...compareFiles(suite, scenario, legacy.files, candidate.files, noise));
  return out;
}

/** The suite's db options plus the columns learned as noise (they vary between legacy runs). */
function withNoiseColumns(options: ResolvedSuite['db'] | undefined, noise: NoiseRule[] | undefined): ResolvedSuite['db'] | undefined {
  const columns = noiseColumns(noise);
  if (columns.length === 0) return options;
  const base = options ?? resolveDbOptions(undefined);
  return { ...base, ignoreColumns: [...base.ignoreColumns, ...columns] };
}

/** `diff` when any channel differs unexplained, `accepted` when every difference is explained
 * by a deviation, else `pass`. */
export function verdictOf(channels: ChannelResult[]): 'pass' | 'diff' | 'accepted' {
  if (channels.some((c) => c.verdict === 'diff')) return 'diff';
  return channels.some((c) => c.verdict === 'accepted') ? 'accepted' : 'pass';
}

/**
 * Runs `fn` over `items` with at most `limit` in flight; results keep input order.
 * Rejects with the first error after in-flight work settles.
 */
export async function mapPool<T, R>(items: T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failed: unknown;
  const worker = async () => {
    while (next < items.length && failed === undefined) {
      const i = next++;
      try {
        results[i] = await fn(items[i], i);
      } catch (err) {
        failed ??= err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  if (failed !== undefined) throw failed;
  return results;
}
