/**
 * The exchange recorder: replays one exchange scenario (a sequence of HTTP requests) against a
 * service's base URL and observes the `http` channel: every request as sent and its response.
 *
 * Legacy and candidate go through the same function, so they get exactly the same requests,
 * apart from the values captured from their own earlier responses (`{{name}}`).
 *
 * Requests are sent with `node:http`/`node:https` rather than `fetch`: `fetch`'s `Headers`
 * sorts header names and folds repeated headers into one (`a, b`), and it decodes gzip/br
 * bodies silently. The model keeps header order, repeated headers and the wire encoding.
 */
import http from 'node:http';
import type { IncomingMessage } from 'node:http';
import https from 'node:https';
import { readFile } from 'node:fs/promises';
import { extname, resolve } from 'node:path';
import { decodeBody } from './content-encoding.ts';
import { ParityError } from '../harness/errors.ts';
import type {
  CaptureSpec,
  ExchangeScenario,
  HttpBodySpec,
  HttpExchange,
  HttpObservation,
  HttpRequestSpec,
} from '../harness/http-model.ts';
import { matchJsonPath, parseJsonPath, type JsonPathKey, type ParsedJsonPath } from '../harness/normalize/json-path.ts';
import { isRawJson, parseJsonText } from '../harness/normalize/json-text.ts';

/** Time limit of one request when neither the scenario nor the caller sets one (ms). */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

/**
 * Headers every request carries unless the scenario (or `options.headers`) sets them. They make
 * the request look like an ordinary HTTP client's, so a service that compresses does so
 * (`accept-encoding`) and the gzip/br path of the legacy is exercised. The user agent carries no
 * version, so upgrading paritykit does not change what is sent.
 */
export const DEFAULT_REQUEST_HEADERS: Readonly<Record<string, string>> = {
  accept: '*/*',
  'accept-encoding': 'gzip, deflate, br',
  'user-agent': 'paritykit',
};

/** `{{name}}` or `{{ name }}`: a value captured earlier in the scenario. */
const TEMPLATE_RE = /\{\{\s*([^{}\s]+)\s*\}\}/g;
/** Capture names: usable in `{{name}}` and safe in messages. */
const CAPTURE_NAME_RE = /^[A-Za-z_][A-Za-z0-9_.-]*$/;
/** An HTTP method token (RFC 9110 §9.1: a token). */
const METHOD_RE = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * Content types guessed from a body file's extension (lower case, with the dot) when the
 * scenario gives none. Anything else is `application/octet-stream`.
 */
const CONTENT_TYPE_BY_EXTENSION: Readonly<Record<string, string>> = {
  '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
  '.csv': 'text/csv; charset=utf-8',
  '.xml': 'application/xml',
  '.html': 'text/html; charset=utf-8',
  '.htm': 'text/html; charset=utf-8',
  '.yaml': 'application/yaml',
  '.yml': 'application/yaml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.svg': 'image/svg+xml',
  '.pdf': 'application/pdf',
  '.zip': 'application/zip',
  '.gz': 'application/gzip',
};

/** Options of {@link runExchanges}. */
export interface RunExchangesOptions {
  /** Time limit of each request (ms), from sending to the last byte of the body. The
   * scenario's own `timeoutMs` wins; default {@link DEFAULT_REQUEST_TIMEOUT_MS}. */
  timeoutMs?: number;
  /** Folder `body.file` paths are relative to (the scenario file's folder). Default: the
   * current working directory. */
  scenarioDir?: string;
  /** Aborting stops the scenario: the request in flight is cancelled and the call rejects. */
  signal?: AbortSignal;
  /** Headers sent with every request (under the request's own; `{{name}}` allowed), e.g. a
   * target-wide `authorization`. */
  headers?: Record<string, string>;
}

/**
 * Replays an exchange scenario against a service: the requests in order, each after the
 * previous response has been read in full, on one keep-alive connection pool that is closed
 * before the call returns.
 *
 * Per request:
 * 1. `{{name}}` in the path, query values, header values and body strings (JSON string leaves,
 *    text, form values) is replaced by the value captured under that name earlier in this
 *    scenario. In the path, a value that makes up the whole path is inserted as is (a captured
 *    `Location`; an absolute `http(s)://` URL is then requested as such), otherwise
 *    percent-encoded as a path segment (`encodeURIComponent`). Query values are form-encoded.
 *    A name nothing has captured yet ends the scenario before the request is sent, with
 *    `error` naming the scenario, the request (`#n`, 1-based) and the name.
 * 2. The request goes to `baseUrl` + path (+ query; `string[]` values repeat the key), with
 *    {@link DEFAULT_REQUEST_HEADERS}, then `options.headers`, then the request's headers (later
 *    wins; names are case-insensitive). Bodies: `json` → `application/json`, `text` →
 *    `contentType` or `text/plain; charset=utf-8`, `form` → `application/x-www-form-urlencoded`,
 *    `file` → its bytes with `contentType` or a type guessed from the extension. A
 *    `content-type` header in the request wins over all of these.
 * 3. Redirects are not followed: a 302 is an observation like any other.
 * 4. The response body is decoded (`gzip`, `x-gzip`, `deflate`, `br`, `zstd`, also stacked) and
 *    the wire encoding kept in `response.encoding`.
 * 5. Captures: `json` (the first value the JSONPath selects, in document order; strings as
 *    they are, numbers as written in the body, other values as JSON), `header` (its value;
 *    repeated headers joined with `, `, except `set-cookie`: the first), `regex` (on the body
 *    as UTF-8 text: group 1, or the whole match when the regex has no group 1 or it did not
 *    take part). A capture that finds nothing ends the scenario: the exchange is kept and
 *    `error` names the scenario, the request and the capture.
 *
 * A service that cannot be reached (connection refused, reset, DNS), a request past its time
 * limit, or a body whose `content-encoding` does not decode ends the scenario with `error`
 * (the exchanges before it are kept): that is an observation, not an exception.
 *
 * `request.url` is the path and query relative to `baseUrl` (so legacy and candidate served
 * under different prefixes record the same), or the absolute URL when a captured absolute URL
 * was requested. Header names are lower-case, in wire order, repeated headers kept.
 * `durationMs` is wall time from sending the request to the end of the response body.
 *
 * @param baseUrl `http://` or `https://` URL the scenario's paths are appended to; a path
 *   prefix (`http://127.0.0.1:8080/api`) is kept.
 * @throws ParityError `SCENARIO_INVALID` when the scenario is malformed (see
 *   {@link checkExchangeScenario}) or its `timeoutMs` is not a positive number (nothing is sent
 *   then), or when a `body.file` cannot be read (it is read when its request's turn comes, so
 *   earlier requests have been sent); `CONFIG_INVALID` when `baseUrl` is not an http(s) URL or
 *   `options.timeoutMs` is not a positive number.
 * @throws An `Error` named `AbortError` (code `ABORT_ERR`, `cause` = the signal's reason) when
 *   `options.signal` aborts.
 *
 * @example
 * const obs = await runExchanges('http://127.0.0.1:8080', {
 *   id: 'create-and-read',
 *   requests: [
 *     { method: 'POST', path: '/orders', body: { json: { sku: 'A1' } }, capture: { orderId: { json: '$.id' } } },
 *     { path: '/orders/{{orderId}}' },
 *   ],
 * });
 * obs.error; obs.exchanges.map((x) => x.response.status); // [201, 200]
 */
export async function runExchanges(
  baseUrl: string,
  scenario: ExchangeScenario,
  options: RunExchangesOptions = {},
): Promise<HttpObservation> {
  const base = parseBaseUrl(baseUrl);
  const timeoutMs = scenario.timeoutMs ?? options.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  if (typeof timeoutMs !== 'number' || !(timeoutMs > 0) || !Number.isFinite(timeoutMs)) {
    const owner = scenario.timeoutMs !== undefined ? `scenario "${scenario.id}": timeoutMs` : 'target timeoutMs';
    throw new ParityError(
      scenario.timeoutMs !== undefined ? 'SCENARIO_INVALID' : 'CONFIG_INVALID',
      `${owner} ${JSON.stringify(timeoutMs)} is not a positive number of milliseconds; set e.g. timeoutMs: 30000`,
    );
  }
  checkExchangeScenario(scenario);
  if (options.signal?.aborted) throw abortError(options.signal);

  const captured: Record<string, string> = {};
  const exchanges: HttpExchange[] = [];
  const agents = { http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true }) };
  try {
    for (const [index, spec] of scenario.requests.entries()) {
      const where = `scenario "${scenario.id}", request #${index + 1} (${requestLabel(spec)})`;
      const prepared = await prepareRequest(base, spec, captured, options, where);
      if ('unknown' in prepared) {
        const known = Object.keys(captured);
        return {
          exchanges,
          error:
            `${where}: {{${prepared.unknown}}} is not a value captured by an earlier request ` +
            `(captured so far: ${known.length === 0 ? 'none' : known.join(', ')}); the request was not sent. ` +
            `Add a capture named "${prepared.unknown}" to an earlier request, or fix the name.`,
        };
      }
      const started = performance.now();
      let response: RawResponse;
      try {
        response = await send(prepared, agents, timeoutMs, options.signal);
      } catch (error) {
        if (isAbortError(error)) throw error;
        return { exchanges, error: `${where}: ${prepared.method} ${prepared.target.href} failed: ${describeNetworkError(error, timeoutMs)}` };
      }
      const durationMs = performance.now() - started;
      const decoded = await decodeResponseBody(response.body, response.headers, prepared.method, response.status);
      const exchange: HttpExchange = {
        request: { method: prepared.method, url: prepared.url, headers: prepared.headers, body: prepared.body },
        response: {
          status: response.status,
          statusText: response.statusText,
          headers: response.headers,
          body: decoded.body,
          ...(decoded.encoding !== undefined ? { encoding: decoded.encoding } : {}),
        },
        captures: {},
        durationMs,
      };
      exchanges.push(exchange);
      if (decoded.error !== undefined) {
        return { exchanges, error: `${where}: the response body could not be decoded: ${decoded.error}; it is kept as received` };
      }
      for (const [name, capture] of Object.entries(spec.capture ?? {})) {
        const value = extractCapture(capture, exchange.response);
        if (!value.ok) {
          return { exchanges, error: `${where}: capture "${name}" (${describeCapture(capture)}) found nothing: ${value.why}` };
        }
        exchange.captures[name] = value.value;
        captured[name] = value.value;
      }
    }
    return { exchanges };
  } finally {
    agents.http.destroy();
    agents.https.destroy();
  }
}

/**
 * Checks the shape of an exchange scenario before anything is sent: at least one request;
 * each with a string `path`, a method token, string header values, string (or string list)
 * query values, at most one body kind with the right value types, and captures with a valid
 * name and exactly one of `json` (a JSONPath of the supported subset), `header`, `regex` (a
 * valid JavaScript regex).
 *
 * `{{name}}` references are not checked here: a name captured by no earlier request is an
 * observation error of {@link runExchanges}.
 *
 * @throws ParityError `SCENARIO_INVALID` naming the scenario, the request (`#n`), the field and
 *   the fix.
 */
export function checkExchangeScenario(scenario: ExchangeScenario): void {
  const id = typeof scenario?.id === 'string' ? scenario.id : '(no id)';
  const fail = (what: string): never => {
    throw new ParityError('SCENARIO_INVALID', `scenario "${id}": ${what}`);
  };
  if (!Array.isArray(scenario.requests) || scenario.requests.length === 0) {
    fail('requests must be a non-empty list of requests ({ method, path, … })');
  }
  for (const [index, spec] of scenario.requests.entries()) {
    const at = `request #${index + 1}`;
    if (typeof spec !== 'object' || spec === null) fail(`${at} must be an object with at least a path`);
    if (typeof spec.path !== 'string' || spec.path === '') fail(`${at}: path must be a non-empty string such as "/orders"`);
    if (spec.method !== undefined && (typeof spec.method !== 'string' || !METHOD_RE.test(spec.method))) {
      fail(`${at}: method ${JSON.stringify(spec.method)} is not an HTTP method; use GET, POST, PUT, PATCH, DELETE, …`);
    }
    for (const [name, value] of Object.entries(spec.headers ?? {})) {
      if (typeof value !== 'string') fail(`${at}: header "${name}" must be a string (quote numbers)`);
    }
    for (const [name, value] of Object.entries(spec.query ?? {})) {
      const ok = typeof value === 'string' || (Array.isArray(value) && value.every((v) => typeof v === 'string'));
      if (!ok) fail(`${at}: query "${name}" must be a string or a list of strings (quote numbers)`);
    }
    if (spec.body !== undefined) checkBody(spec.body, `${at}: body`, fail);
    for (const [name, capture] of Object.entries(spec.capture ?? {})) {
      checkCapture(name, capture, `${at}: capture "${name}"`, fail);
    }
  }
}

function checkBody(body: HttpBodySpec, at: string, fail: (what: string) => never): void {
  if (typeof body !== 'object' || body === null) fail(`${at} must be one of { json }, { text }, { form }, { file }`);
  const kinds = ['json', 'text', 'form', 'file'].filter((k) => k in body);
  if (kinds.length !== 1) {
    fail(`${at} must have exactly one of json, text, form, file (found ${kinds.length === 0 ? 'none' : kinds.join(', ')})`);
  }
  if ('text' in body && typeof body.text !== 'string') fail(`${at}.text must be a string`);
  if ('file' in body && (typeof body.file !== 'string' || body.file === '')) fail(`${at}.file must be a file path`);
  if ('form' in body) {
    const form: unknown = body.form;
    if (typeof form !== 'object' || form === null || Array.isArray(form)) fail(`${at}.form must map field names to strings`);
    for (const [name, value] of Object.entries(form as Record<string, unknown>)) {
      if (typeof value !== 'string') fail(`${at}.form.${name} must be a string (quote numbers)`);
    }
  }
  const contentType: unknown = (body as { contentType?: unknown }).contentType;
  if (contentType !== undefined && typeof contentType !== 'string') fail(`${at}.contentType must be a string`);
}

function checkCapture(name: string, capture: CaptureSpec, at: string, fail: (what: string) => never): void {
  if (!CAPTURE_NAME_RE.test(name)) {
    fail(`${at}: a capture name is letters, digits, _ . - and starts with a letter or _`);
  }
  if (typeof capture !== 'object' || capture === null) fail(`${at} must be { json }, { header } or { regex }`);
  const kinds = (['json', 'header', 'regex'] as const).filter((k) => capture[k] !== undefined);
  if (kinds.length !== 1) {
    fail(`${at} must have exactly one of json, header, regex (found ${kinds.length === 0 ? 'none' : kinds.join(', ')})`);
  }
  const kind = kinds[0];
  const source = capture[kind];
  if (typeof source !== 'string' || source === '') fail(`${at}.${kind} must be a non-empty string`);
  if (kind === 'json') {
    try {
      parseJsonPath(source as string);
    } catch (error) {
      fail(`${at}: ${(error as Error).message}`);
    }
  }
  if (kind === 'regex') {
    try {
      new RegExp(source as string);
    } catch (error) {
      fail(`${at}: invalid regex: ${(error as Error).message}`);
    }
  }
}

/** A request ready to send. */
interface PreparedRequest {
  method: string;
  target: URL;
  /** Path and query relative to the base URL (or the absolute URL), as recorded. */
  url: string;
  headers: Array<[string, string]>;
  body: Buffer | null;
}

/** Fills the templates of one request; `{ unknown }` when a `{{name}}` has no captured value. */
async function prepareRequest(
  base: URL,
  spec: HttpRequestSpec,
  captured: Readonly<Record<string, string>>,
  options: RunExchangesOptions,
  where: string,
): Promise<PreparedRequest | { unknown: string }> {
  try {
    const method = (spec.method ?? 'GET').toUpperCase();
    const path = fillPath(spec.path, captured);
    const query = new URLSearchParams();
    for (const [key, value] of Object.entries(spec.query ?? {})) {
      for (const one of Array.isArray(value) ? value : [value]) query.append(key, fillTemplate(one, captured));
    }
    const search = query.toString();
    const absolute = /^https?:\/\//i.test(path);
    const rooted = absolute || path.startsWith('/') ? path : `/${path}`;
    const url = search === '' ? rooted : `${rooted}${rooted.includes('?') ? '&' : '?'}${search}`;
    const target = absolute ? new URL(url) : joinBase(base, url);

    const headers = new Map<string, [string, string]>();
    const set = (name: string, value: string) => headers.set(name.toLowerCase(), [name.toLowerCase(), value]);
    for (const [name, value] of Object.entries(DEFAULT_REQUEST_HEADERS)) set(name, value);
    for (const [name, value] of Object.entries(options.headers ?? {})) set(name, fillTemplate(value, captured));
    const body = spec.body === undefined ? null : await buildBody(spec.body, captured, options.scenarioDir, where);
    if (body !== null && body.contentType !== null) set('content-type', body.contentType);
    for (const [name, value] of Object.entries(spec.headers ?? {})) set(name, fillTemplate(value, captured));
    if (body !== null) set('content-length', String(body.bytes.length));
    return { method, target, url, headers: [...headers.values()], body: body?.bytes ?? null };
  } catch (error) {
    if (error instanceof UnknownCapture) return { unknown: error.captureName };
    throw error;
  }
}

/** Thrown inside template filling, caught by {@link prepareRequest}. */
class UnknownCapture extends Error {
  readonly captureName: string;
  constructor(name: string) {
    super(`unknown capture ${name}`);
    this.captureName = name;
  }
}

/** Replaces every `{{name}}` in `text` with its captured value. */
function fillTemplate(text: string, captured: Readonly<Record<string, string>>, encode?: (value: string) => string): string {
  return text.replace(TEMPLATE_RE, (_match, name: string) => {
    if (!Object.hasOwn(captured, name)) throw new UnknownCapture(name);
    return encode ? encode(captured[name]) : captured[name];
  });
}

/** A path that is exactly one `{{name}}` takes the value as is; elsewhere values are encoded. */
function fillPath(path: string, captured: Readonly<Record<string, string>>): string {
  const whole = /^\{\{\s*([^{}\s]+)\s*\}\}$/.exec(path);
  if (whole) return fillTemplate(path, captured);
  return fillTemplate(path, captured, encodeURIComponent);
}

/** Replaces templates in every string leaf of a JSON body (keys are left alone). */
function fillJson(value: unknown, captured: Readonly<Record<string, string>>): unknown {
  if (typeof value === 'string') return fillTemplate(value, captured);
  if (Array.isArray(value)) return value.map((item) => fillJson(item, captured));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fillJson(v, captured)]));
  }
  return value;
}

async function buildBody(
  body: HttpBodySpec,
  captured: Readonly<Record<string, string>>,
  scenarioDir: string | undefined,
  where: string,
): Promise<{ bytes: Buffer; contentType: string | null }> {
  if ('json' in body) {
    return { bytes: Buffer.from(JSON.stringify(fillJson(body.json, captured)) ?? 'null', 'utf8'), contentType: 'application/json' };
  }
  if ('text' in body) {
    return { bytes: Buffer.from(fillTemplate(body.text, captured), 'utf8'), contentType: body.contentType ?? 'text/plain; charset=utf-8' };
  }
  if ('form' in body) {
    const form = new URLSearchParams();
    for (const [name, value] of Object.entries(body.form)) form.append(name, fillTemplate(value, captured));
    return { bytes: Buffer.from(form.toString(), 'utf8'), contentType: 'application/x-www-form-urlencoded' };
  }
  const file = resolve(scenarioDir ?? process.cwd(), body.file);
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (error) {
    throw new ParityError(
      'SCENARIO_INVALID',
      `${where}: body file ${file} cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); ` +
        'paths are relative to the scenario file; fix body.file',
      { file, cause: error },
    );
  }
  return { bytes, contentType: body.contentType ?? guessContentType(body.file) };
}

/**
 * The content type of a body file, guessed from its extension (case-insensitive):
 * `.json` → `application/json`, `.png` → `image/png`, … ; unknown → `application/octet-stream`.
 */
export function guessContentType(file: string): string {
  const ext = extname(file).toLowerCase();
  return Object.hasOwn(CONTENT_TYPE_BY_EXTENSION, ext) ? CONTENT_TYPE_BY_EXTENSION[ext] : 'application/octet-stream';
}

function parseBaseUrl(baseUrl: string): URL {
  let url: URL | null = null;
  try {
    url = new URL(baseUrl);
  } catch {
    url = null;
  }
  if (url === null || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new ParityError(
      'CONFIG_INVALID',
      `target url ${JSON.stringify(baseUrl)} is not an http(s) URL; write it like http://127.0.0.1:8080 or https://api.example.test/v1`,
    );
  }
  return url;
}

/** `base` + `pathAndQuery`, keeping a path prefix of the base (`/api` + `/orders`). */
function joinBase(base: URL, pathAndQuery: string): URL {
  const prefix = base.pathname.replace(/\/+$/, '');
  const rest = pathAndQuery.startsWith('/') ? pathAndQuery : `/${pathAndQuery}`;
  return new URL(`${base.origin}${prefix}${rest}`);
}

/** The response as it came off the wire. */
interface RawResponse {
  status: number;
  statusText: string;
  headers: Array<[string, string]>;
  body: Buffer;
}

class RequestTimeout extends Error {}

/** Sends one request and reads the whole response body, within `timeoutMs`. */
function send(
  request: PreparedRequest,
  agents: { http: http.Agent; https: https.Agent },
  timeoutMs: number,
  signal: AbortSignal | undefined,
): Promise<RawResponse> {
  const secure = request.target.protocol === 'https:';
  const headers = Object.fromEntries(request.headers);
  if (signal?.aborted) return Promise.reject(abortError(signal));
  return new Promise<RawResponse>((resolvePromise, reject) => {
    let settled = false;
    const finish = (error: Error | null, response?: RawResponse) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      if (error) {
        req.destroy();
        reject(error);
      } else resolvePromise(response!);
    };
    const onAbort = () => finish(abortError(signal!));
    const options = { method: request.method, headers, agent: secure ? agents.https : agents.http };
    const req = secure ? https.request(request.target, options) : http.request(request.target, options);
    const timer = setTimeout(() => finish(new RequestTimeout(`timed out after ${timeoutMs} ms`)), timeoutMs);
    signal?.addEventListener('abort', onAbort, { once: true });
    req.on('error', (error) => finish(error));
    req.on('response', (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', (error) => finish(error));
      res.on('close', () => {
        if (!res.complete) finish(new Error('the connection closed before the response body ended'));
      });
      res.on('end', () =>
        finish(null, {
          status: res.statusCode ?? 0,
          statusText: res.statusMessage ?? '',
          headers: headerPairs(res.rawHeaders),
          body: Buffer.concat(chunks),
        }),
      );
    });
    req.end(request.body ?? undefined);
  });
}

/** `rawHeaders` (`[name, value, name, value, …]`) as lower-case pairs in wire order. */
function headerPairs(raw: readonly string[]): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  for (let i = 0; i + 1 < raw.length; i += 2) pairs.push([raw[i].toLowerCase(), raw[i + 1]]);
  return pairs;
}

function describeNetworkError(error: unknown, timeoutMs: number): string {
  if (error instanceof RequestTimeout) return `${error.message} (raise timeoutMs if the service is just slow)`;
  const e = error as NodeJS.ErrnoException;
  if (e?.code === 'ECONNREFUSED') return `${e.message} (nothing listens there: is the service running?)`;
  if (e?.code !== undefined) return `${e.message} (${e.code})`;
  return error instanceof Error ? error.message : String(error);
}

/**
 * Decodes a response body by its `content-encoding` (recorders/content-encoding.ts). Bodies of
 * HEAD, 1xx, 204 and 304 responses are empty whatever the header says. `encoding` is the
 * header as declared.
 */
async function decodeResponseBody(
  body: Buffer,
  headers: ReadonlyArray<[string, string]>,
  method: string,
  status: number,
): Promise<{ body: Buffer; encoding?: string; error?: string }> {
  const declared = headers
    .filter(([name]) => name === 'content-encoding')
    .map(([, value]) => value.trim())
    .filter((v) => v !== '')
    .join(', ');
  if (declared.split(',').every((c) => ['', 'identity'].includes(c.trim().toLowerCase()))) return { body };
  if (body.length === 0 || method === 'HEAD' || status === 204 || status === 304 || status < 200) return { body, encoding: declared };
  const decoded = await decodeBody(body, declared);
  return decoded.problem !== undefined ? { body, encoding: declared, error: decoded.problem } : { body: decoded.body, encoding: declared };
}

/** Result of {@link extractCapture}. */
export type CaptureResult = { ok: true; value: string } | { ok: false; why: string };

/**
 * Takes one captured value from a response (see {@link runExchanges} for the rules).
 *
 * @param response The response, its body already decoded.
 * @returns The value as a string, or `{ ok: false, why }` saying what was missing. Never throws
 *   for a valid {@link CaptureSpec} (see {@link checkExchangeScenario}).
 */
export function extractCapture(
  capture: CaptureSpec,
  response: { headers: ReadonlyArray<[string, string]>; body: Buffer },
): CaptureResult {
  if (capture.json !== undefined) {
    const parsed = parseJsonText(response.body.toString('utf8'));
    if (!parsed.ok) return { ok: false, why: `the response body is not JSON (${describeBody(response.body)})` };
    const found = selectFirst(parsed.value, parseJsonPath(capture.json));
    if (!found.found) return { ok: false, why: `the JSONPath selects nothing in the response body (${describeBody(response.body)})` };
    return { ok: true, value: captureText(found.value) };
  }
  if (capture.header !== undefined) {
    const name = capture.header.toLowerCase();
    const values = response.headers.filter(([n]) => n === name).map(([, v]) => v);
    if (values.length === 0) {
      const names = [...new Set(response.headers.map(([n]) => n))];
      return { ok: false, why: `the response has no "${name}" header (it has: ${names.join(', ') || 'none'})` };
    }
    return { ok: true, value: name === 'set-cookie' ? values[0] : values.join(', ') };
  }
  const match = new RegExp(capture.regex ?? '').exec(response.body.toString('utf8'));
  if (!match) return { ok: false, why: `the regex does not match the response body (${describeBody(response.body)})` };
  return { ok: true, value: match[1] ?? match[0] };
}

/** The first value a JSONPath selects, in document order (pre-order, keys in object order). */
function selectFirst(root: unknown, path: ParsedJsonPath): { found: true; value: unknown } | { found: false } {
  const visit = (node: unknown, trail: JsonPathKey[]): { found: true; value: unknown } | null => {
    if (matchJsonPath(path, trail)) return { found: true, value: node };
    if (isRawJson(node) || typeof node !== 'object' || node === null) return null;
    const entries: Array<[JsonPathKey, unknown]> = Array.isArray(node) ? node.map((v, i) => [i, v]) : Object.entries(node);
    for (const [key, child] of entries) {
      const hit = visit(child, [...trail, key]);
      if (hit) return hit;
    }
    return null;
  };
  return visit(root, []) ?? { found: false };
}

/** A captured JSON value as text: strings bare, numbers as written (precise ones kept), others as JSON. */
function captureText(value: unknown): string {
  if (typeof value === 'string') return value;
  return JSON.stringify(value) ?? String(value);
}

function describeBody(body: Buffer): string {
  if (body.length === 0) return 'the body is empty';
  const text = body.toString('utf8').replace(/\s+/g, ' ');
  return `body starts ${JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}…` : text)}`;
}

function describeCapture(capture: CaptureSpec): string {
  if (capture.json !== undefined) return `json ${capture.json}`;
  if (capture.header !== undefined) return `header ${capture.header}`;
  return `regex /${capture.regex}/`;
}

/** `METHOD path` of a request as written in the scenario (templates unfilled), or its name. */
function requestLabel(spec: HttpRequestSpec): string {
  const method = typeof spec.method === 'string' ? spec.method.toUpperCase() : 'GET';
  return spec.name ?? `${method} ${spec.path}`;
}

function abortError(signal: AbortSignal): Error {
  return Object.assign(new Error('the exchange scenario was aborted', { cause: signal.reason }), {
    name: 'AbortError',
    code: 'ABORT_ERR',
  });
}

function isAbortError(error: unknown): boolean {
  return error instanceof Error && error.name === 'AbortError' && (error as { code?: string }).code === 'ABORT_ERR';
}
