/**
 * `paritykit/msw`: msw request handlers that answer with the legacy's recorded responses, so
 * the consumers of a legacy HTTP API (a front end, another service) can run their own tests
 * against the legacy's behaviour, straight from a paritykit baseline.
 *
 * Matching is literal on what the baseline stores (`request.url` is the concrete path and query
 * that was sent, captured values already substituted): method, path, query (order-insensitive),
 * and optionally the body. Repeated identical requests replay in recorded order. A request
 * nothing recorded fails with an error that lists the nearest recorded requests (Polly.js's
 * lesson: "recording not found" must say what was looked for and what was near).
 *
 * Node only: the baseline is read from disk. See docs/msw.md.
 *
 * @example
 * import { setupServer } from 'msw/node';
 * import { handlersFromBaseline } from 'paritykit/msw';
 *
 * const server = setupServer(...(await handlersFromBaseline('baselines/orders')));
 * beforeAll(() => server.listen());
 * afterEach(() => server.resetHandlers()); // also restarts every recorded sequence
 * afterAll(() => server.close());
 *
 * @see https://github.com/mswjs/msw (msw 3: `HttpHandler`, `setupServer`)
 */
import { isUtf8 } from 'node:buffer';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { HttpHandler, type RequestHandler } from 'msw';
import { sha256Hex } from '../baselines/format.ts';
import { loadBaseline, type Baseline } from '../baselines/store.ts';
import { ParityError } from '../harness/errors.ts';
import type { HttpExchange } from '../harness/http-model.ts';
import { isRawJson, parseJsonText } from '../harness/normalize/json-text.ts';

/** Where the baseline comes from: a path to a suite's baseline folder (the one holding
 * `manifest.json`, e.g. `baselines/orders`), or a baseline dir and a suite name. Relative
 * paths are resolved against `process.cwd()`. */
export type BaselineSource = string | { /** Default `baselines`. */ baselineDir?: string; suite: string };

/** Options of {@link handlersFromBaseline}. */
export interface BaselineHandlersOptions {
  /** Also match the request body: JSON bodies structurally (key order and whitespace do not
   * matter), any other body byte for byte. Default `false`: method, path and query only. */
  matchBody?: boolean;
  /** What a request no recording matches gets. `'error'` (default): the handler list ends with a
   * catch-all that fails the request with an error listing the 3 nearest recorded requests.
   * `'bypass'`: no catch-all; the request goes on to later handlers and msw's own
   * `onUnhandledFrame` strategy. */
  onUnhandled?: 'error' | 'bypass';
  /** Only requests to this origin are answered (and caught by the catch-all); a path in it
   * (`http://api.test/v1`) is put in front of every recorded path, as the recorder does with a
   * target URL. Default: any origin, recorded paths as they are. */
  baseUrl?: string;
}

/**
 * Builds msw handlers that answer with a baseline's recorded legacy responses: status,
 * statusText, headers (lower-case, repeated ones kept; hop-by-hop headers, `content-length` and
 * `content-encoding` left out, since bodies are stored decoded) and the body bytes.
 *
 * - One handler per distinct recorded request: method + path + query (parameters compared as a
 *   multiset of decoded name/value pairs: `?b=2&a=1` matches `?a=1&b=2`; values of a repeated
 *   name keep their order) + the body with `matchBody`. Recordings are taken in scenario id order,
 *   then exchange order.
 * - Repeated identical requests replay in that recorded order: the first call gets the first
 *   recorded response, the next call the next one; after the last, the last keeps answering.
 *   `server.resetHandlers()` starts every sequence again from its first response.
 * - A recorded absolute URL (a captured absolute `Location` the recorder followed) matches that
 *   exact origin and path, whatever `baseUrl` says.
 * - With `onUnhandled: 'error'`, the last handler catches every other request (of `baseUrl`'s
 *   origin, or of any origin) and fails it with a `ParityError` (code `BASELINE_MISSING`) whose
 *   message lists the 3 nearest recorded requests (same method first, then by Levenshtein
 *   distance on the path, then on the query). The error reaches the test author three ways:
 *   `fetch` rejects with `TypeError: fetch failed` whose `cause` is the error (`node:http`
 *   clients get it as their `'error'` event), msw prints it to stderr, and msw emits it as
 *   `server.events` `'unhandledException'`. Put these handlers last (or add your own with
 *   `server.use()`, which prepends), since the catch-all shadows anything after it.
 *
 * Matching is literal: captured-value templates (`{{orderId}}`) are not in a baseline's
 * `request.url`, and a value redacted at record time is matched as its placeholder.
 *
 * @param suiteOrPath a suite's baseline folder (`'baselines/orders'`); a bare name with no
 *   folder of that name in the working directory is looked up as `baselines/<name>`; or
 *   `{ baselineDir?, suite }`.
 * @returns the handlers, to spread into `setupServer(...)` or `server.use(...)`.
 * @throws ParityError `BASELINE_MISSING` when no baseline is recorded there or it holds no HTTP
 *   exchanges; `BASELINE_FORMAT`/`BASELINE_CORRUPT` from the store (see `loadBaseline`); `USAGE`
 *   for an invalid `onUnhandled` or `baseUrl`.
 *
 * @example
 * const handlers = await handlersFromBaseline({ suite: 'orders' }, { matchBody: true, baseUrl: 'http://orders.internal' });
 * const server = setupServer(...handlers);
 */
export async function handlersFromBaseline(
  suiteOrPath: BaselineSource,
  options: BaselineHandlersOptions = {},
): Promise<RequestHandler[]> {
  const onUnhandled = options.onUnhandled ?? 'error';
  if (onUnhandled !== 'error' && onUnhandled !== 'bypass') {
    throw new ParityError('USAGE', `handlersFromBaseline: onUnhandled ${JSON.stringify(onUnhandled)} is not 'error' or 'bypass'; use one of those`);
  }
  const base = options.baseUrl === undefined ? null : parseBaseUrl(options.baseUrl);
  const matchBody = options.matchBody === true;
  const { baselineDir, suite } = await resolveSource(suiteOrPath);
  const baseline = await loadBaseline(baselineDir, suite);
  const suiteDir = path.join(baselineDir, suite);
  if (baseline === null) {
    throw new ParityError(
      'BASELINE_MISSING',
      `${displayPath(suiteDir)}: no baseline recorded there (no manifest.json); record it with \`paritykit record --suite ${suite}\`, or pass the folder that holds manifest.json`,
      { file: suiteDir },
    );
  }
  const recorded = recordedRequests(baseline, base, matchBody);
  if (recorded.length === 0) {
    throw new ParityError(
      'BASELINE_MISSING',
      `${displayPath(suiteDir)}: baseline ${suite} holds no HTTP exchanges (was it recorded from a command target?); pass the baseline of a service suite`,
      { file: suiteDir },
    );
  }
  const bodies = new WeakMap<Request, Promise<string>>();
  const bodyKeyOfRequest = (request: Request): Promise<string> => {
    let key = bodies.get(request);
    if (key === undefined) {
      key = request.clone().arrayBuffer().then((data) => bodyKeyOf(new Uint8Array(data)));
      bodies.set(request, key);
    }
    return key;
  };

  const groups = new Map<string, RecordedRequest[]>();
  for (const r of recorded) {
    const key = `${r.method} ${r.origin ?? ''}${r.pathname}?${r.queryKey}${matchBody ? `\n${r.bodyKey}` : ''}`;
    const group = groups.get(key);
    if (group) group.push(r);
    else groups.set(key, [r]);
  }
  const handlers: RequestHandler[] = [...groups.values()].map(
    (group) => new RecordedResponseHandler(group, { suite, base, matchBody, bodyKeyOfRequest }),
  );
  if (onUnhandled === 'error') {
    handlers.push(unrecordedRequestHandler(recorded, { suite, base, matchBody, bodyKeyOfRequest }));
  }
  return handlers;
}

// ------------------------------------------------------------------------ loading

/** One recorded request of the baseline, ready for matching. */
interface RecordedRequest {
  scenario: string;
  /** 1-based position of the exchange in its scenario. */
  index: number;
  /** Upper-case method. */
  method: string;
  /** Origin of a recorded absolute URL; `null` for a path relative to the service base URL. */
  origin: string | null;
  /** Path the live request must have: `baseUrl`'s path prefix + the recorded path, as the URL
   * parser normalizes it. */
  pathname: string;
  /** Order-insensitive key of the query (see {@link queryKeyOf}). */
  queryKey: string;
  /** Key of the request body (see {@link bodyKeyOf}). */
  bodyKey: string;
  /** The request as recorded, for messages, with `baseUrl`'s path prefix: `GET /v1/orders?page=2`. */
  label: string;
  exchange: HttpExchange;
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}

function displayPath(file: string): string {
  const rel = path.relative(process.cwd(), file);
  return rel === '' || rel.startsWith('..') || path.isAbsolute(rel) ? file : rel;
}

/** Turns the source argument into the (baselineDir, suite) pair `loadBaseline` takes. */
async function resolveSource(source: BaselineSource): Promise<{ baselineDir: string; suite: string }> {
  if (typeof source === 'object' && source !== null) {
    if (typeof source.suite !== 'string' || source.suite === '') {
      throw new ParityError('USAGE', 'handlersFromBaseline: suite is required in { baselineDir, suite }; pass the suite name, e.g. { suite: "orders" }');
    }
    return { baselineDir: path.resolve(source.baselineDir ?? 'baselines'), suite: source.suite };
  }
  if (typeof source !== 'string' || source === '') {
    throw new ParityError('USAGE', "handlersFromBaseline: pass a suite's baseline folder ('baselines/orders') or { baselineDir, suite }");
  }
  const dir = path.resolve(source);
  const isBareName = !source.includes('/') && !source.includes(path.sep) && source !== '.' && source !== '..';
  if (isBareName && !(await exists(path.join(dir, 'manifest.json')))) {
    const inDefault = path.resolve('baselines', source);
    if (await exists(path.join(inDefault, 'manifest.json'))) return { baselineDir: path.dirname(inDefault), suite: source };
  }
  return { baselineDir: path.dirname(dir), suite: path.basename(dir) };
}

function parseBaseUrl(baseUrl: string): URL {
  let url: URL | null;
  try {
    url = new URL(baseUrl);
  } catch {
    url = null;
  }
  if (url === null || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new ParityError('USAGE', `handlersFromBaseline: baseUrl ${JSON.stringify(baseUrl)} is not an http(s) URL; write it like http://127.0.0.1:3000 or https://api.example.test/v1`);
  }
  return url;
}

/** Every recorded exchange of the baseline, in scenario id order, then exchange order. */
function recordedRequests(baseline: Baseline, base: URL | null, matchBody: boolean): RecordedRequest[] {
  // The store fills its Map as files finish loading; the manifest lists scenarios sorted by id.
  const ids = baseline.manifest.scenarios.map((e) => e.id);
  const prefix = base ? base.pathname.replace(/\/+$/, '') : '';
  const out: RecordedRequest[] = [];
  for (const id of ids) {
    const exchanges = baseline.scenarios.get(id)?.observation.http?.exchanges ?? [];
    exchanges.forEach((exchange, n) => {
      const raw = exchange.request.url;
      const absolute = /^https?:\/\//i.test(raw);
      const full = absolute ? raw : `${prefix}${raw.startsWith('/') ? '' : '/'}${raw}`;
      // Concatenated, not resolved: a recorded `//x` path must stay a path, not become a host.
      const url = new URL(absolute ? raw : `http://paritykit.invalid${full}`);
      out.push({
        scenario: id,
        index: n + 1,
        method: exchange.request.method.toUpperCase(),
        origin: absolute ? url.origin : null,
        pathname: url.pathname,
        queryKey: queryKeyOf(url.searchParams),
        bodyKey: matchBody ? bodyKeyOf(exchange.request.body) : '',
        label: `${exchange.request.method.toUpperCase()} ${full}`,
        exchange,
      });
    });
  }
  return out;
}

/** The query as an order-insensitive key: decoded (name, value) pairs sorted by name, values of
 * one name kept in their order (a repeated parameter is often an ordered list). */
function queryKeyOf(params: URLSearchParams): string {
  const pairs = [...params];
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)); // stable: keeps value order
  return JSON.stringify(pairs);
}

/** A body as a comparison key: `''` when empty, the sha256 of its canonical form (keys sorted)
 * when it is UTF-8 JSON, else the sha256 of its bytes. Numbers too precise for a double are
 * compared as written (see harness/normalize/json-text.ts). */
function bodyKeyOf(body: Uint8Array | null): string {
  if (body === null || body.byteLength === 0) return '';
  const bytes = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  if (isUtf8(bytes)) {
    const parsed = parseJsonText(bytes.toString('utf8'));
    if (parsed.ok) return `json:${sha256Hex(JSON.stringify(sortKeysDeep(parsed.value)))}`;
  }
  return `bytes:${sha256Hex(bytes)}`;
}

function sortKeysDeep(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeysDeep);
  if (value !== null && typeof value === 'object' && !isRawJson(value)) {
    const obj = value as Record<string, unknown>;
    return Object.fromEntries(Object.keys(obj).sort().map((k) => [k, sortKeysDeep(obj[k])]));
  }
  return value;
}

// ------------------------------------------------------------------------ matching

/** What every handler of one `handlersFromBaseline` call shares. */
interface MatchContext {
  suite: string;
  base: URL | null;
  matchBody: boolean;
  /** Body key of a live request, read once per request from a clone. */
  bodyKeyOfRequest: (request: Request) => Promise<string>;
}

/** True when the live URL is on the origin a recording expects (see {@link RecordedRequest.origin}). */
function originMatches(url: URL, r: RecordedRequest, base: URL | null): boolean {
  if (r.origin !== null) return url.origin === r.origin;
  return base === null || url.origin === base.origin;
}

/**
 * The handler of one distinct recorded request: answers with its recorded responses in order
 * (the last one again once they are used up). `reset()` — what `server.resetHandlers()` calls —
 * starts the sequence again, as msw does for generator resolvers.
 */
class RecordedResponseHandler extends HttpHandler {
  readonly #cursor: { position: number };

  constructor(group: RecordedRequest[], context: MatchContext) {
    const first = group[0];
    const responses = group.map((r) => r.exchange);
    const cursor = { position: 0 };
    super(
      first.method,
      async ({ request }) => {
        const url = new URL(request.url);
        if (!originMatches(url, first, context.base)) return false;
        if (url.pathname !== first.pathname || queryKeyOf(url.searchParams) !== first.queryKey) return false;
        return !context.matchBody || (await context.bodyKeyOfRequest(request)) === first.bodyKey;
      },
      ({ request }) => {
        const exchange = responses[Math.min(cursor.position, responses.length - 1)];
        cursor.position += 1;
        return recordedResponse(exchange, request.method, first, context.suite);
      },
    );
    this.#cursor = cursor;
    const count = responses.length === 1 ? '1 recorded response' : `${responses.length} recorded responses`;
    this.info.header = `${first.label} (paritykit baseline ${context.suite}, ${count})`;
  }

  override reset(): void {
    super.reset();
    this.#cursor.position = 0;
  }
}

/** Hop-by-hop headers (RFC 9110 §7.6.1) describe one connection, not the message; the body is
 * stored decoded, so its wire length and encoding no longer apply either. */
const DROPPED_RESPONSE_HEADERS = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
  'content-length',
  'content-encoding',
]);

/** Statuses whose response has no body (Fetch standard, "null body status"). */
const NULL_BODY_STATUSES = new Set([204, 205, 304]);

/** RFC 9110 reason-phrase characters, which the `Response` constructor insists on. */
const REASON_PHRASE_RE = /^[\t\x20-\x7e\x80-\xff]*$/;

/** The recorded response as a fetch `Response` (a fresh copy of the body each time). */
function recordedResponse(exchange: HttpExchange, method: string, r: RecordedRequest, suite: string): Response {
  const { status, statusText, headers: recordedHeaders, body } = exchange.response;
  if (!Number.isInteger(status) || status < 200 || status > 599) {
    throw requestError(
      `paritykit: ${r.label} (scenario ${r.scenario} #${r.index}) in baseline ${suite} was recorded with status ${status}, which a fetch Response cannot carry (200–599); answer it with your own handler via server.use()`,
    );
  }
  // `Connection: x-foo` makes x-foo hop-by-hop too (RFC 9110 §7.6.1).
  const dropped = new Set(DROPPED_RESPONSE_HEADERS);
  for (const [name, value] of recordedHeaders) {
    if (name === 'connection') for (const token of value.split(',')) dropped.add(token.trim().toLowerCase());
  }
  const headers = new Headers();
  for (const [name, value] of recordedHeaders) {
    if (dropped.has(name)) continue;
    try {
      headers.append(name, value);
    } catch {
      // A name or value fetch refuses (a HAR import can carry one) cannot be sent; skip it.
    }
  }
  const noBody = method.toUpperCase() === 'HEAD' || NULL_BODY_STATUSES.has(status);
  return new Response(noBody ? null : new Uint8Array(body), {
    status,
    ...(REASON_PHRASE_RE.test(statusText) ? { statusText } : {}),
    headers,
  });
}

// ------------------------------------------------------------------------ unrecorded requests

/**
 * The catch-all at the end of the list: fails every request it sees with a ParityError listing
 * the nearest recordings (see {@link requestError} for how: `fetch` rejects with it as `cause`
 * rather than receiving a 500 "Unhandled Exception" response the consumer might swallow).
 */
function unrecordedRequestHandler(recorded: RecordedRequest[], context: MatchContext): HttpHandler {
  const handler = new HttpHandler(
    /.+/,
    ({ request }) => context.base === null || new URL(request.url).origin === context.base.origin,
    async ({ request }) => {
      const bodyKey = context.matchBody ? await context.bodyKeyOfRequest(request) : '';
      throw unrecordedRequestError(request, bodyKey, recorded, context);
    },
  );
  handler.info.header = `* (paritykit baseline ${context.suite}: requests nothing recorded)`;
  return handler;
}

/** How many recorded requests an unhandled-request message lists. */
const NEAREST_COUNT = 3;

function unrecordedRequestError(request: Request, bodyKey: string, recorded: RecordedRequest[], context: MatchContext): ParityError {
  const url = new URL(request.url);
  const method = request.method.toUpperCase();
  const liveQuery = queryKeyOf(url.searchParams);
  const seen = new Set<string>();
  const candidates = recorded
    .filter((r) => {
      const key = `${r.method} ${r.label} ${r.bodyKey}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    })
    .map((r, order) => {
      const differs: string[] = [];
      if (r.method !== method) differs.push('method');
      if (!originMatches(url, r, context.base)) differs.push('origin');
      if (r.pathname !== url.pathname) differs.push('path');
      if (r.queryKey !== liveQuery) differs.push('query');
      if (context.matchBody && r.bodyKey !== bodyKey) differs.push('body');
      return {
        r,
        order,
        differs,
        sameMethod: r.method === method ? 0 : 1,
        pathDistance: levenshtein(r.pathname, url.pathname),
        queryDistance: levenshtein(r.queryKey, liveQuery),
      };
    })
    .sort((a, b) => a.sameMethod - b.sameMethod || a.pathDistance - b.pathDistance || a.queryDistance - b.queryDistance || a.differs.length - b.differs.length || a.order - b.order)
    .slice(0, NEAREST_COUNT);
  const nearest = candidates.map(({ r, differs }) => `${r.label} (scenario ${r.scenario} #${r.index}; differs in ${differs.join(', ') || 'nothing'})`).join(', ');
  const where = context.base === null ? '' : ` at ${url.origin}`;
  return requestError(
    `paritykit: no recorded response for ${method} ${url.pathname}${url.search}${where} in baseline ${context.suite}; nearest: ${nearest}. ` +
      'Matching is literal on method, path, query' +
      (context.matchBody ? ' and body' : '') +
      '; record this request (`paritykit record`), or answer it with your own handler via server.use()',
  );
}

/** A ParityError (`BASELINE_MISSING`: no replayable recorded response) that fails the request.
 * It carries an `errno` besides its `code`: a Node.js-like error, which msw's interceptors pass
 * to `controller.errorWith` (fetch rejects with it as `cause`) instead of answering 500. */
function requestError(message: string): ParityError {
  const error = new ParityError('BASELINE_MISSING', message);
  Object.defineProperty(error, 'errno', { value: 0, enumerable: false });
  return error;
}

/** Longest string compared in full by {@link levenshtein}; longer ones are cut (a distance only
 * ranks near misses, and this keeps it O(n·m) on small n, m). */
const LEVENSHTEIN_MAX = 256;

/** Levenshtein edit distance (insertions, deletions, substitutions of UTF-16 units), with the
 * two-row dynamic programme (Wagner–Fischer, 1974). */
function levenshtein(a: string, b: string): number {
  const s = a.slice(0, LEVENSHTEIN_MAX);
  const t = b.slice(0, LEVENSHTEIN_MAX);
  let previous = Array.from({ length: t.length + 1 }, (_, j) => j);
  for (let i = 1; i <= s.length; i++) {
    const current = [i];
    for (let j = 1; j <= t.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (s[i - 1] === t[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[t.length];
}
