/**
 * The recording proxy: a transparent reverse proxy in front of the legacy that forwards every
 * request unchanged, streams every response back unchanged, and on the side captures each
 * exchange — redacted before it is kept — grouped into exchange scenarios (issue 3 §3).
 *
 * Forwarding (request piping, upstream agent, WebSocket upgrades) is http-proxy-3's; paritykit
 * writes the response head itself (`selfHandleResponse`) so that repeated headers, their order
 * and their case reach the client exactly as the legacy sent them, and taps both bodies while
 * they stream. See docs/recording-proxy.md for the choices (grouping, "identical", redaction
 * placeholders, captures).
 *
 * The module also holds what the HAR importer shares with the proxy: the placeholder
 * redaction of exchanges ({@link createExchangeRedactor}) and the derivation of replayable
 * requests with captures ({@link requestSpecsFromExchanges}).
 */
import { isUtf8 } from 'node:buffer';
import { createHash } from 'node:crypto';
import { createServer, Agent as HttpAgent } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { finished } from 'node:stream';
import { createProxyServer } from 'http-proxy-3';
import { decodeBody as decodeContent } from './content-encoding.ts';
import picomatch from 'picomatch';
import { ParityError } from '../harness/errors.ts';
import type { CaptureSpec, HttpBodySpec, HttpExchange, HttpRequestSpec } from '../harness/http-model.ts';
import { formatJsonPath, matchJsonPath, parseJsonPath, replaceJsonPaths } from '../harness/normalize/json-path.ts';
import type { JsonPathKey, ParsedJsonPath } from '../harness/normalize/json-path.ts';
import { isRawJson, parseJsonText } from '../harness/normalize/json-text.ts';
import { isProbablyText } from './format.ts';

// ------------------------------------------------------------------------------------ API

/** Options of {@link startRecordingProxy}. */
export interface ProxyOptions {
  /** Base URL of the legacy (`http://127.0.0.1:3000`, `https://legacy.internal/api`): requests
   * are forwarded there unchanged (a path in the base URL is prefixed; the Host header is kept). */
  target: string;
  /** Port to listen on (0 = any free port). */
  port: number;
  /** Interface to listen on. Default `127.0.0.1`. */
  host?: string;
  /** Grouping of exchanges into scenarios: `'session'` (default: by session cookie, else by
   * Authorization value, else by connection), `'connection'`, or `{ idleMs }` (a time window:
   * a gap longer than `idleMs` (ms) between two requests starts a new scenario). */
  groupBy?: 'session' | 'connection' | { idleMs: number };
  /** Cookie names that identify a session (case-insensitive). Default {@link DEFAULT_SESSION_COOKIES}. */
  sessionCookies?: string[];
  /** Which requests are captured (all are forwarded): `methods` (case-insensitive), `allow`
   * and `deny` path globs (picomatch, matched against the path without query; deny wins). */
  filter?: { methods?: string[]; allow?: string[]; deny?: string[] };
  /** Headers to redact in addition to Authorization, Cookie, Set-Cookie, Proxy-Authorization. */
  redactHeaders?: string[];
  /** JSON body paths to redact (JSONPath, see harness/normalize/json-path.ts), in requests and
   * responses; they also apply to the fields of form-encoded bodies (`$.password`). */
  redactBodyPaths?: string[];
  /** Extra redactor for URLs, header values and bodies (paritykit's configured redactions,
   * e.g. `createRedactor(config.redact).redactText`). Non-UTF-8 bodies are passed as latin1. */
  redactText?: (text: string) => string;
  /** Largest request or response body captured (bytes; default 256 MiB). Larger exchanges are
   * forwarded but not captured, and listed in {@link RecordingProxy.notes}. */
  maxBodyBytes?: number;
}

/** One captured scenario: replayable requests (an `ExchangeScenario` without options) and the
 * exchanges observed, index for index (`requests[i]` was derived from `exchanges[i]`). */
export interface RecordedScenario {
  /** Stable, safe as a file name: `session-1-post-login`, `connection-3-get-orders`, `window-2-get-root`. */
  id: string;
  requests: HttpRequestSpec[];
  /** Redacted; `captures` filled for the values later requests use. */
  exchanges: HttpExchange[];
}

/** Something the proxy passed through but did not capture as an exchange. */
export interface ProxyNote {
  /** `websocket`: an upgrade passed through (never compared). `too-large`: a body over
   * `maxBodyBytes`. `upstream-error`: the legacy could not be reached (the client got a 502).
   * `incomplete`: the client or the legacy aborted mid-exchange. `undecodable`: a response body
   * whose content-encoding could not be decoded (stored as received, `encoding` unset). */
  kind: 'websocket' | 'too-large' | 'upstream-error' | 'incomplete' | 'undecodable';
  method: string;
  /** Path and query, redacted. */
  url: string;
  /** The scenario the exchange belongs to, when it was stored anyway (`undecodable`). */
  scenarioId?: string;
  detail: string;
}

/** A running recording proxy. */
export interface RecordingProxy {
  /** `http://HOST:PORT` the proxy listens on. */
  readonly url: string;
  /** Exchanges captured so far, grouped into scenarios, redacted, identical exchanges stored
   * once per scenario. Scenarios in creation order, exchanges in request-arrival order. A fresh
   * copy each call. */
  scenarios(): RecordedScenario[];
  /** WebSocket upgrades and exchanges that were forwarded but not (fully) captured. */
  notes(): ProxyNote[];
  /** Stops accepting connections, waits for in-flight exchanges to finish (and be captured),
   * closes WebSockets and idle connections. Idempotent. */
  close(): Promise<void>;
}

/** Session cookie names recognised by default (case-insensitive). */
export const DEFAULT_SESSION_COOKIES: readonly string[] = ['connect.sid', 'session', 'sessionid', 'JSESSIONID', 'PHPSESSID', 'sid'];

/** Headers always redacted (lower case). */
export const ALWAYS_REDACTED_HEADERS: readonly string[] = ['authorization', 'proxy-authorization', 'cookie', 'set-cookie'];

/** Default {@link ProxyOptions.maxBodyBytes}: 256 MiB. */
export const DEFAULT_MAX_BODY_BYTES = 256 * 1024 * 1024;

/**
 * Request headers that do not make two requests different (lower case): transport framing and
 * per-request tracing ids. Used for de-duplication, and left out of derived request specs.
 */
export const VOLATILE_REQUEST_HEADERS: readonly string[] = [
  'connection', 'keep-alive', 'content-length', 'transfer-encoding', 'te', 'trailer', 'upgrade',
  'proxy-connection', 'date', 'x-request-id', 'x-correlation-id', 'traceparent', 'tracestate',
  'baggage', 'x-amzn-trace-id', 'x-b3-traceid', 'x-b3-spanid', 'x-b3-sampled', 'postman-token',
];

/**
 * Response headers that do not make two responses different (lower case): framing, dates and
 * per-response ids (ETag and Last-Modified follow the body or the clock). Used for de-duplication.
 */
export const VOLATILE_RESPONSE_HEADERS: readonly string[] = [
  'connection', 'keep-alive', 'content-length', 'transfer-encoding', 'date', 'age', 'expires',
  'last-modified', 'etag', 'x-request-id', 'x-correlation-id', 'traceparent', 'tracestate',
  'x-response-time', 'x-runtime', 'server-timing', 'x-amzn-trace-id', 'x-amzn-requestid',
];

/**
 * Starts a recording proxy on `host:port` in front of `options.target`.
 *
 * Every request is forwarded, whatever the filter says; the filter only decides what is
 * captured. The response is streamed to the client as it arrives (status, status text, headers
 * with their order, case and repetitions, body bytes — compressed bodies stay compressed);
 * hop-by-hop headers (Connection, Keep-Alive, Transfer-Encoding, …) are per connection and
 * Node frames the client side itself. When the legacy cannot be reached the client gets a
 * `502` with a one-line explanation.
 *
 * The captured copy of a body is held once: preallocated when Content-Length is known,
 * otherwise as the received chunks, joined at the end. A compressed response body is decoded
 * (gzip, x-gzip, deflate, br, zstd; several in order) after it ended, off the event loop.
 *
 * @example
 * const proxy = await startRecordingProxy({ target: 'http://127.0.0.1:3000', port: 8080,
 *   redactBodyPaths: ['$.token'] });
 * // … send traffic to proxy.url …
 * await proxy.close();
 * for (const s of proxy.scenarios()) console.log(s.id, s.requests.length);
 * @throws ParityError `CONFIG_INVALID` when the target is not an http(s) URL, a body path is not
 * a supported JSONPath, or an option has the wrong shape; `USAGE` when the port cannot be
 * listened on (in use, no permission).
 * @see docs/recording-proxy.md
 */
export async function startRecordingProxy(options: ProxyOptions): Promise<RecordingProxy> {
  const config = checkProxyOptions(options);
  const recorder = new ProxyRecorder(config);
  await recorder.listen();
  return {
    url: recorder.url,
    scenarios: () => recorder.scenarios(),
    notes: () => recorder.notesSoFar(),
    close: () => recorder.close(),
  };
}

// ------------------------------------------------------------------------ option checking

interface ProxyConfig {
  target: URL;
  port: number;
  host: string;
  groupBy: 'session' | 'connection' | { idleMs: number };
  sessionCookies: Set<string>;
  captures: (method: string, path: string) => boolean;
  redaction: ExchangeRedactionOptions;
  maxBodyBytes: number;
}

function invalid(message: string): never {
  throw new ParityError('CONFIG_INVALID', `recording proxy: ${message}`);
}

function checkStringList(value: unknown, name: string): string[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string' || v === '')) {
    invalid(`${name} must be a list of non-empty strings; got ${JSON.stringify(value)}`);
  }
  return value as string[];
}

function checkProxyOptions(options: ProxyOptions): ProxyConfig {
  let target: URL;
  try {
    target = new URL(options.target);
  } catch {
    invalid(`target ${JSON.stringify(options.target)} is not a URL; give the legacy's base URL, e.g. http://127.0.0.1:3000`);
  }
  if (target.protocol !== 'http:' && target.protocol !== 'https:') {
    invalid(`target ${options.target} must be an http:// or https:// URL`);
  }
  if (!Number.isInteger(options.port) || options.port < 0 || options.port > 65535) {
    invalid(`port ${JSON.stringify(options.port)} must be an integer 0–65535 (0 = any free port)`);
  }
  const groupBy = options.groupBy ?? 'session';
  if (
    groupBy !== 'session' &&
    groupBy !== 'connection' &&
    !(typeof groupBy === 'object' && groupBy !== null && Number.isFinite(groupBy.idleMs) && groupBy.idleMs >= 0)
  ) {
    invalid(`groupBy must be 'session', 'connection' or { idleMs: <ms ≥ 0> }; got ${JSON.stringify(groupBy)}`);
  }
  const methods = checkStringList(options.filter?.methods, 'filter.methods')?.map((m) => m.toUpperCase());
  const allow = checkStringList(options.filter?.allow, 'filter.allow');
  const deny = checkStringList(options.filter?.deny, 'filter.deny');
  const isAllowed = allow && allow.length > 0 ? picomatch(allow, { dot: true }) : () => true;
  const isDenied = deny && deny.length > 0 ? picomatch(deny, { dot: true }) : () => false;
  const methodSet = methods && methods.length > 0 ? new Set(methods) : null;
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  if (!Number.isInteger(maxBodyBytes) || maxBodyBytes < 0) invalid(`maxBodyBytes must be a whole number of bytes ≥ 0`);
  const redaction: ExchangeRedactionOptions = {
    redactHeaders: checkStringList(options.redactHeaders, 'redactHeaders'),
    redactBodyPaths: checkStringList(options.redactBodyPaths, 'redactBodyPaths'),
    redactText: options.redactText,
  };
  if (options.redactText !== undefined && typeof options.redactText !== 'function') invalid('redactText must be a function');
  return {
    target,
    port: options.port,
    host: options.host ?? '127.0.0.1',
    groupBy,
    sessionCookies: new Set(
      (checkStringList(options.sessionCookies, 'sessionCookies') ?? DEFAULT_SESSION_COOKIES).map((c) => c.toLowerCase()),
    ),
    captures: (method, path) =>
      (methodSet === null || methodSet.has(method.toUpperCase())) && isAllowed(path) && !isDenied(path),
    redaction,
    maxBodyBytes,
  };
}

// ------------------------------------------------------------------------------ the proxy

/** Hop-by-hop headers (RFC 9110 §7.6.1): they describe one connection, not the message. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'upgrade']);

/** What the proxy knows about one request while it is in flight. */
interface InFlight {
  seq: number;
  method: string;
  url: string;
  startedAt: number;
  capture: boolean;
  connection: number;
  window: number;
  requestHeaders: Array<[string, string]>;
  requestBody: BodySink | null;
  response: {
    status: number;
    statusText: string;
    headers: Array<[string, string]>;
    body: BodySink;
    endedAt: number;
  } | null;
  failure: ProxyNote | null;
  /** Resolves when the exchange has been stored or dropped; never rejects. */
  done: Promise<void>;
  settle: () => void;
}

class ProxyRecorder {
  readonly config: ProxyConfig;
  url = '';
  private readonly server: Server;
  private readonly proxy: ReturnType<typeof createProxyServer>;
  private readonly agent: HttpAgent;
  private readonly inFlight = new Map<IncomingMessage, InFlight>();
  private readonly connectionIds = new WeakMap<Socket, number>();
  private readonly upgraded = new Set<Socket>();
  private readonly notes: ProxyNote[] = [];
  private readonly grouper: ScenarioGrouper;
  private readonly redactor: ExchangeRedactor;
  private nextSeq = 0;
  private nextConnection = 0;
  private window = 0;
  private lastActivity = -Infinity;
  private closing: Promise<void> | null = null;

  constructor(config: ProxyConfig) {
    this.config = config;
    this.redactor = createExchangeRedactor(config.redaction);
    this.grouper = new ScenarioGrouper(config.groupBy, this.redactor);
    this.agent = config.target.protocol === 'https:' ? new HttpsAgent({ keepAlive: true }) : new HttpAgent({ keepAlive: true });
    this.proxy = createProxyServer({ target: config.target.href, selfHandleResponse: true, agent: this.agent });
    this.proxy.on('proxyRes', (proxyRes, req, res) => this.onUpstreamResponse(proxyRes, req, res));
    // The legacy side of a WebSocket, so close() can end both sides.
    this.proxy.on('open', (proxySocket: Socket) => this.trackUpgraded(proxySocket));
    // Errors not tied to a callback (a WebSocket socket error) must not throw from the emitter.
    this.proxy.on('error', (err, _req, res) => {
      if (res && 'destroy' in res && typeof res.destroy === 'function') (res as Socket).destroy(err as Error);
    });
    this.server = createServer((req, res) => this.onRequest(req, res));
    this.server.on('connection', (socket: Socket) => this.connectionIds.set(socket, ++this.nextConnection));
    this.server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => this.onUpgrade(req, socket, head));
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      const onError = (err: NodeJS.ErrnoException): void => {
        const why = err.code === 'EADDRINUSE' ? 'is in use' : err.code === 'EACCES' ? 'needs more privileges' : err.message;
        reject(
          new ParityError('USAGE', `recording proxy: cannot listen on ${this.config.host}:${this.config.port}: the port ${why}; choose another port (--listen)`, {
            cause: err,
          }),
        );
      };
      this.server.once('error', onError);
      this.server.listen(this.config.port, this.config.host, () => {
        this.server.off('error', onError);
        resolve();
      });
    });
    const address = this.server.address() as AddressInfo;
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    this.url = `http://${host}:${address.port}`;
  }

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    const method = req.method ?? 'GET';
    const url = req.url ?? '/';
    const now = performance.now();
    if (typeof this.config.groupBy === 'object' && now - this.lastActivity > this.config.groupBy.idleMs && this.lastActivity !== -Infinity) {
      this.window++;
    }
    this.lastActivity = now;
    let settle!: () => void;
    const done = new Promise<void>((resolve) => (settle = resolve));
    const flight: InFlight = {
      seq: this.nextSeq++,
      method,
      url,
      startedAt: now,
      capture: this.config.captures(method, pathOf(url)),
      connection: this.connectionIds.get(req.socket) ?? 0,
      window: this.window,
      requestHeaders: pairHeaders(req.rawHeaders),
      requestBody: null,
      response: null,
      failure: null,
      done,
      settle,
    };
    this.inFlight.set(req, flight);
    done.then(() => this.inFlight.delete(req));

    this.proxy.web(req, res, {}, (err) => this.onUpstreamError(err as NodeJS.ErrnoException, req, res));
    if (flight.capture) {
      const declared = Number(req.headers['content-length']);
      flight.requestBody = new BodySink(Number.isFinite(declared) ? declared : undefined, this.config.maxBodyBytes);
      const sink = flight.requestBody;
      req.on('data', (chunk: Buffer) => sink.push(chunk));
    }
    let clientDone = false;
    let requestDone = false;
    const maybeFinish = (): void => {
      if (clientDone && requestDone) void this.finish(flight, req.complete && res.writableFinished);
    };
    finished(req, () => {
      requestDone = true;
      maybeFinish();
    });
    finished(res, () => {
      clientDone = true;
      maybeFinish();
    });
  }

  private onUpstreamResponse(proxyRes: IncomingMessage, req: IncomingMessage, res: ServerResponse): void {
    const flight = this.inFlight.get(req);
    const hop = new Set(HOP_BY_HOP);
    for (const token of String(proxyRes.headers.connection ?? '').split(',')) hop.add(token.trim().toLowerCase());
    const head: string[] = [];
    for (let i = 0; i < proxyRes.rawHeaders.length; i += 2) {
      if (!hop.has(proxyRes.rawHeaders[i].toLowerCase())) head.push(proxyRes.rawHeaders[i], proxyRes.rawHeaders[i + 1]);
    }
    if (this.closing !== null) head.push('Connection', 'close');
    const status = proxyRes.statusCode ?? 502;
    res.writeHead(status, proxyRes.statusMessage ?? '', head);
    if (flight?.capture) {
      const declared = Number(proxyRes.headers['content-length']);
      const bodiless = flight.method === 'HEAD' || status === 204 || status === 304 || status < 200;
      const sink = new BodySink(
        Number.isFinite(declared) && !bodiless && !proxyRes.headers['content-encoding'] ? declared : undefined,
        this.config.maxBodyBytes,
      );
      flight.response = {
        status,
        statusText: proxyRes.statusMessage ?? '',
        headers: pairHeaders(proxyRes.rawHeaders),
        body: sink,
        endedAt: 0,
      };
      const response = flight.response;
      proxyRes.on('data', (chunk: Buffer) => sink.push(chunk));
      proxyRes.on('end', () => (response.endedAt = performance.now()));
    }
    // Trailers go out before the piped end() (this listener is registered before pipe's).
    proxyRes.on('end', () => {
      if (proxyRes.rawTrailers.length > 0) res.addTrailers(pairHeaders(proxyRes.rawTrailers));
    });
    // The legacy broke off mid-body: the client must see a broken response, not a short one.
    proxyRes.on('close', () => {
      if (!proxyRes.complete) res.destroy();
    });
    proxyRes.pipe(res);
  }

  private onUpstreamError(err: NodeJS.ErrnoException, req: IncomingMessage, res: ServerResponse): void {
    const flight = this.inFlight.get(req);
    const detail = `${err.code ?? err.name}: ${err.message}`;
    if (flight && flight.failure === null) {
      flight.failure = { kind: 'upstream-error', method: flight.method, url: this.redactor.redactUrl(flight.url), detail };
    }
    req.resume();
    if (!res.headersSent) {
      res.writeHead(502, { 'content-type': 'text/plain; charset=utf-8', connection: 'close' });
      res.end(`paritykit recording proxy: the legacy at ${this.config.target.origin} did not answer (${detail})\n`);
    } else {
      res.destroy();
    }
  }

  private onUpgrade(req: IncomingMessage, socket: Socket, head: Buffer): void {
    if (this.closing !== null) {
      socket.destroy();
      return;
    }
    this.notes.push({
      kind: 'websocket',
      method: req.method ?? 'GET',
      url: this.redactor.redactUrl(req.url ?? '/'),
      detail: `upgrade to ${String(req.headers.upgrade ?? '?')} passed through, not captured`,
    });
    this.trackUpgraded(socket);
    // A pooled keep-alive socket must not be handed over to a WebSocket: a fresh connection.
    this.proxy.ws(req, socket, head, { agent: false }, () => socket.destroy());
  }

  private trackUpgraded(socket: Socket): void {
    this.upgraded.add(socket);
    socket.on('close', () => this.upgraded.delete(socket));
  }

  private async finish(flight: InFlight, complete: boolean): Promise<void> {
    this.lastActivity = Math.max(this.lastActivity, performance.now());
    try {
      await this.store(flight, complete);
    } catch (err) {
      // Capturing must never break the traffic; a bug here is reported, not thrown.
      this.notes.push({
        kind: 'incomplete',
        method: flight.method,
        url: this.redactor.redactUrl(flight.url),
        detail: `paritykit could not capture this exchange: ${(err as Error).message}`,
      });
    } finally {
      flight.settle();
    }
  }

  private async store(flight: InFlight, complete: boolean): Promise<void> {
    if (!flight.capture) return;
    if (flight.failure !== null) {
      this.notes.push(flight.failure);
      return;
    }
    const response = flight.response;
    const note = (kind: ProxyNote['kind'], detail: string): void => {
      this.notes.push({ kind, method: flight.method, url: this.redactor.redactUrl(flight.url), detail });
    };
    if (!complete || response === null || response.endedAt === 0) {
      note('incomplete', 'the client or the legacy closed the connection before the exchange ended');
      return;
    }
    if (flight.requestBody?.overflowed || response.body.overflowed) {
      note('too-large', `a body is larger than maxBodyBytes (${this.config.maxBodyBytes} bytes); forwarded, not captured`);
      return;
    }
    const rawBody = response.body.take();
    const decoded = await decodeContent(rawBody, headerValue(response.headers, 'content-encoding'));
    const requestBody = flight.requestBody?.take() ?? Buffer.alloc(0);
    const exchange: HttpExchange = {
      request: {
        method: flight.method,
        url: flight.url,
        headers: flight.requestHeaders,
        body: requestBody.length > 0 ? requestBody : null,
      },
      response: {
        status: response.status,
        statusText: response.statusText,
        headers: response.headers,
        body: decoded.body,
        ...(decoded.encoding !== undefined ? { encoding: decoded.encoding } : {}),
      },
      captures: {},
      durationMs: Math.max(0, response.endedAt - flight.startedAt),
    };
    const group = this.grouper.groupFor(flight, exchange, this.config.sessionCookies);
    const redacted = this.redactor.redact(exchange, group.index);
    this.grouper.add(group, flight.seq, redacted);
    if (decoded.problem !== undefined) {
      this.notes.push({ kind: 'undecodable', method: flight.method, url: redacted.request.url, scenarioId: group.id, detail: decoded.problem });
    }
  }

  scenarios(): RecordedScenario[] {
    return this.grouper.scenarios();
  }

  notesSoFar(): ProxyNote[] {
    return this.notes.map((n) => ({ ...n }));
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    // Requests may still arrive on open keep-alive connections: wait until none is left.
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight.values()].map((f) => f.done));
    this.server.closeAllConnections();
    for (const socket of this.upgraded) socket.destroy();
    this.agent.destroy();
    await closed;
  }
}

/** Path of a request target without its query (`/a/b?x=1` → `/a/b`). */
function pathOf(url: string): string {
  const q = url.search(/[?#]/);
  return q === -1 ? url : url.slice(0, q);
}

/** Node's flat raw header list → `[name lower-case, value]` pairs, order and repeats kept. */
function pairHeaders(raw: readonly string[]): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  for (let i = 0; i + 1 < raw.length; i += 2) pairs.push([raw[i].toLowerCase(), raw[i + 1]]);
  return pairs;
}

/** All values of a header joined with `, ` (HTTP's list rule), or undefined when absent. */
function headerValue(headers: ReadonlyArray<readonly [string, string]>, name: string): string | undefined {
  const values = headers.filter(([n]) => n === name).map(([, v]) => v);
  return values.length > 0 ? values.join(', ') : undefined;
}

/**
 * The captured copy of a body, held once: written into one preallocated buffer when the length
 * is declared, otherwise kept as the received chunks and joined by {@link take}. Past `limit`
 * bytes it stops keeping anything and remembers that it overflowed.
 */
class BodySink {
  private readonly limit: number;
  /** The preallocated buffer while the body fits it; then `null` and chunks are kept. */
  private buffer: Buffer | null;
  private chunks: Buffer[] = [];
  private length = 0;
  overflowed = false;

  constructor(declared: number | undefined, limit: number) {
    this.limit = limit;
    this.buffer = declared !== undefined && declared > 0 && declared <= limit ? Buffer.allocUnsafe(declared) : null;
  }

  push(chunk: Buffer): void {
    if (this.overflowed) return;
    if (this.length + chunk.length > this.limit) {
      this.overflowed = true;
      this.buffer = null;
      this.chunks = [];
      return;
    }
    if (this.buffer !== null && this.length + chunk.length <= this.buffer.length) {
      chunk.copy(this.buffer, this.length);
    } else {
      if (this.buffer !== null) this.chunks.push(this.buffer.subarray(0, this.length));
      this.buffer = null;
      this.chunks.push(chunk);
    }
    this.length += chunk.length;
  }

  take(): Buffer {
    if (this.buffer !== null) return this.buffer.subarray(0, this.length);
    const body = Buffer.concat(this.chunks, this.length);
    this.chunks = [body];
    return body;
  }
}

// --------------------------------------------------------------------- content decoding

// One decoder for every HTTP recorder (recorders/content-encoding.ts); re-exported for callers.
export { decodeBody, type DecodedBody } from './content-encoding.ts';

// ------------------------------------------------------------------------------ grouping

interface ScenarioGroup {
  index: number;
  id: string;
  /** Stored exchanges with their arrival sequence number. */
  exchanges: Array<{ seq: number; exchange: HttpExchange }>;
  /** Identity keys of the stored exchanges, for de-duplication. */
  seen: Set<string>;
}

/**
 * Assigns exchanges to scenarios. In `session` mode a group is found by (first match wins) the
 * session cookie's value, the Authorization credentials, the connection; a session cookie or
 * token is linked to the group where the legacy first handed it out (a Set-Cookie, or a
 * redacted body path such as `$.token`), so a login flow stays one scenario.
 */
class ScenarioGrouper {
  private readonly mode: ProxyConfig['groupBy'];
  private readonly redactor: ExchangeRedactor;
  private readonly groups: ScenarioGroup[] = [];
  private readonly byKey = new Map<string, ScenarioGroup>();

  constructor(mode: ProxyConfig['groupBy'], redactor: ExchangeRedactor) {
    this.mode = mode;
    this.redactor = redactor;
  }

  groupFor(flight: InFlight, exchange: HttpExchange, sessionCookies: ReadonlySet<string>): ScenarioGroup {
    if (this.mode === 'connection') return this.keyed(`conn:${flight.connection}`, 'connection', exchange);
    if (typeof this.mode === 'object') return this.keyed(`window:${flight.window}`, 'window', exchange);
    const cookie = sessionCookieValue(exchange.request.headers, sessionCookies);
    const credentials = authCredentials(headerValue(exchange.request.headers, 'authorization'));
    const secret = cookie ?? credentials;
    if (secret !== undefined) {
      const key = cookie !== undefined ? `cookie:${cookie}` : `auth:${credentials}`;
      const known = this.byKey.get(key);
      if (known) return known;
      const origin = this.redactor.originOf(secret);
      if (origin !== undefined) {
        const group = this.groups[origin];
        this.byKey.set(key, group);
        return group;
      }
      return this.keyed(key, 'session', exchange);
    }
    return this.keyed(`conn:${flight.connection}`, 'session', exchange);
  }

  private keyed(key: string, kind: string, first: HttpExchange): ScenarioGroup {
    const known = this.byKey.get(key);
    if (known) return known;
    const index = this.groups.length;
    const group: ScenarioGroup = {
      index,
      id: `${kind}-${index + 1}-${slugOf(first.request.method, first.request.url)}`,
      exchanges: [],
      seen: new Set(),
    };
    this.groups.push(group);
    this.byKey.set(key, group);
    return group;
  }

  add(group: ScenarioGroup, seq: number, exchange: HttpExchange): void {
    const key = exchangeIdentity(exchange);
    if (group.seen.has(key)) return;
    group.seen.add(key);
    group.exchanges.push({ seq, exchange });
  }

  scenarios(): RecordedScenario[] {
    return this.groups
      .filter((g) => g.exchanges.length > 0)
      .map((group) => {
        const ordered = [...group.exchanges].sort((a, b) => a.seq - b.seq).map((e) => e.exchange);
        return { id: group.id, ...requestSpecsFromExchanges(ordered, group.id) };
      });
  }
}

/** Value of the first session cookie in the request's Cookie headers. */
function sessionCookieValue(headers: ReadonlyArray<readonly [string, string]>, names: ReadonlySet<string>): string | undefined {
  for (const [name, value] of headers) {
    if (name !== 'cookie') continue;
    for (const { name: cookie, value: v } of parseCookieHeader(value)) if (names.has(cookie.toLowerCase()) && v !== '') return v;
  }
  return undefined;
}

/** The credentials of an Authorization value (`Bearer abc` → `abc`; a bare value as is). */
function authCredentials(value: string | undefined): string | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const match = /^([A-Za-z][A-Za-z0-9!#$%&'*+.^_`|~-]*)\s+(\S.*)$/.exec(value.trim());
  return match ? match[2] : value.trim();
}

/** `name=value` pairs of a Cookie header (RFC 6265 §4.2.1: separated by `; `). */
export function parseCookieHeader(value: string): Array<{ name: string; value: string }> {
  return value
    .split(';')
    .map((part) => part.trim())
    .filter((part) => part !== '')
    .map((part) => {
      const eq = part.indexOf('=');
      return eq === -1 ? { name: '', value: part } : { name: part.slice(0, eq).trim(), value: part.slice(eq + 1).trim() };
    });
}

/**
 * A readable, file-name-safe slug of a request: `post-orders`, `get-api-users` (method, then up
 * to three path segments made of letters only, up to 24 each — `v1`, ids and tokens are left
 * out, so nothing secret from a path can end up in a scenario id, which becomes a file name).
 */
function slugOf(method: string, url: string): string {
  const segments = pathOf(url)
    .split('/')
    .map((s) => safeDecode(s).toLowerCase().replace(/[_\s.]+/g, '-'))
    .filter((s) => /^[a-z]+(-[a-z]+)*$/.test(s) && s.length <= 24)
    .slice(0, 3);
  const slug = [method.toLowerCase().replace(/[^a-z0-9]+/g, ''), ...(segments.length > 0 ? segments : ['root'])].join('-');
  return slug.slice(0, 48).replace(/-+$/, '');
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

// ------------------------------------------------------------------------ de-duplication

const VOLATILE_REQUEST = new Set(VOLATILE_REQUEST_HEADERS);
const VOLATILE_RESPONSE = new Set(VOLATILE_RESPONSE_HEADERS);

/**
 * What makes two (redacted) exchanges identical: method, path and query, request body bytes and
 * the request headers outside {@link VOLATILE_REQUEST_HEADERS} (in order); status, response
 * body bytes (decoded), its encoding, and the response headers outside
 * {@link VOLATILE_RESPONSE_HEADERS} (in order). Hashed with SHA-256.
 */
export function exchangeIdentity(exchange: HttpExchange): string {
  const hash = createHash('sha256');
  const part = (s: string): void => {
    hash.update(String(Buffer.byteLength(s)));
    hash.update(':');
    hash.update(s);
  };
  const { request, response } = exchange;
  part(request.method.toUpperCase());
  part(request.url);
  for (const [name, value] of request.headers) if (!VOLATILE_REQUEST.has(name)) part(`${name}: ${value}`);
  part('|body');
  hash.update(request.body ?? Buffer.alloc(0));
  part(`|status ${response.status}`);
  for (const [name, value] of response.headers) if (!VOLATILE_RESPONSE.has(name)) part(`${name}: ${value}`);
  part(`|encoding ${response.encoding ?? ''}`);
  hash.update(response.body);
  return hash.digest('hex');
}

// ----------------------------------------------------------------------------- redaction

/** Options of {@link createExchangeRedactor}. */
export interface ExchangeRedactionOptions {
  /** Headers redacted in addition to {@link ALWAYS_REDACTED_HEADERS} (any case). */
  redactHeaders?: string[];
  /** JSONPaths redacted in JSON bodies and form fields, requests and responses. */
  redactBodyPaths?: string[];
  /** Applied last to URLs, header values and bodies. */
  redactText?: (text: string) => string;
}

/** Redacts exchanges with stable placeholders; one per recording, so placeholders stay stable. */
export interface ExchangeRedactor {
  /**
   * Returns a redacted copy of `exchange`. `origin` (a group index) is remembered for every
   * secret seen for the first time, see {@link originOf}.
   */
  redact(exchange: HttpExchange, origin?: number): HttpExchange;
  /** Redacts a path and query alone (known secrets, then `redactText`). */
  redactUrl(url: string): string;
  /** The `origin` given when a raw secret value was first seen, if it was. */
  originOf(secret: string): number | undefined;
}

/** Secrets shorter than this are only replaced where they were found, never searched for elsewhere. */
const MIN_PROPAGATED_SECRET = 8;
/** Text bodies up to this size (bytes) are searched for known secrets found elsewhere. */
const MAX_PROPAGATION_BODY = 1024 * 1024;

/**
 * Creates the redactor of a recording. Placeholders are `<redacted:LABEL:N>`: LABEL is where the
 * value was first seen (`authorization`, `cookie`, a configured header name, the last key of a
 * body path), N counts distinct values per label from 1. The same raw value always gets the
 * same placeholder — a token handed out in a login response body (a redacted body path) and
 * sent back in `Authorization: Bearer …` becomes the same `<redacted:token:1>` in both — so a
 * flow stays consistent.
 *
 * Order: Authorization / Proxy-Authorization (the scheme is kept: `Bearer <redacted:authorization:1>`),
 * each cookie value of Cookie and Set-Cookie (names and attributes kept), configured headers
 * (whole value), configured body paths (JSON bodies; form fields by name); then every known
 * secret of at least 8 characters wherever it appears in the URL, a header value, or a text
 * body up to 1 MiB; then `redactText`.
 *
 * @throws ParityError `CONFIG_INVALID` when a body path is not a supported JSONPath.
 */
export function createExchangeRedactor(options: ExchangeRedactionOptions = {}): ExchangeRedactor {
  const headers = new Set([...ALWAYS_REDACTED_HEADERS, ...(options.redactHeaders ?? []).map((h) => h.toLowerCase())]);
  const paths: ParsedJsonPath[] = (options.redactBodyPaths ?? []).map((p) => {
    try {
      return parseJsonPath(p);
    } catch (err) {
      throw new ParityError('CONFIG_INVALID', `recording proxy: redactBodyPaths: ${(err as Error).message}`, { cause: err });
    }
  });
  const store = new PlaceholderStore();
  const configured = options.redactText;
  // The configured redactor sees only what lies between placeholders: a placeholder's label
  // (`<redacted:x-api-key:1>`) must not read to it as a secret-looking `key: value`.
  const text = configured === undefined ? (s: string) => s : (s: string) => outsidePlaceholders(s, configured);

  const redactUrl = (url: string): string => text(store.replaceKnown(url));
  const redactHeaderValue = (name: string, value: string, origin: number | undefined): string => {
    if (value === '' || !headers.has(name)) return value;
    if (name === 'authorization' || name === 'proxy-authorization') {
      const match = /^([A-Za-z][A-Za-z0-9!#$%&'*+.^_`|~-]*)(\s+)(\S.*)$/.exec(value);
      return match ? `${match[1]}${match[2]}${store.placeholder(name, match[3], origin)}` : store.placeholder(name, value, origin);
    }
    if (name === 'cookie') {
      return parseCookieHeader(value)
        .map((c) => (c.name === '' ? store.placeholder('cookie', c.value, origin) : `${c.name}=${c.value === '' ? '' : store.placeholder('cookie', c.value, origin)}`))
        .join('; ');
    }
    if (name === 'set-cookie') {
      const semi = value.indexOf(';');
      const pair = semi === -1 ? value : value.slice(0, semi);
      const rest = semi === -1 ? '' : value.slice(semi);
      const eq = pair.indexOf('=');
      if (eq === -1) return `${store.placeholder('cookie', pair.trim(), origin)}${rest}`;
      const cookieValue = pair.slice(eq + 1).trim();
      return `${pair.slice(0, eq)}=${cookieValue === '' ? '' : store.placeholder('cookie', cookieValue, origin)}${rest}`;
    }
    return store.placeholder(name, value, origin);
  };
  const redactHeaderList = (list: ReadonlyArray<readonly [string, string]>, origin: number | undefined): Array<[string, string]> =>
    list.map(([name, value]) => [name, redactHeaderValue(name, value, origin)]);
  const finishHeaders = (list: Array<[string, string]>): Array<[string, string]> =>
    list.map(([name, value]) => [name, text(store.replaceKnown(value))]);

  const redactBody = (body: Buffer, contentType: string | undefined, origin: number | undefined): Buffer => {
    let out = paths.length > 0 ? redactBodyPaths(body, contentType, paths, store, origin) : body;
    if (out.length === 0) return out;
    const utf8 = isUtf8(out);
    const encoding = utf8 ? 'utf8' : 'latin1';
    const before = out.toString(encoding);
    let after = utf8 && out.length <= MAX_PROPAGATION_BODY ? store.replaceKnown(before) : before;
    after = text(after);
    if (after !== before) out = Buffer.from(after, encoding);
    return out;
  };

  return {
    redact(exchange, origin) {
      // Headers first: secrets found there are known when the bodies are searched.
      const requestHeaders = redactHeaderList(exchange.request.headers, origin);
      const responseHeaders = redactHeaderList(exchange.response.headers, origin);
      const requestBody =
        exchange.request.body === null ? null : redactBody(exchange.request.body, headerValue(exchange.request.headers, 'content-type'), origin);
      const responseBody = redactBody(exchange.response.body, headerValue(exchange.response.headers, 'content-type'), origin);
      return {
        request: {
          method: exchange.request.method,
          url: redactUrl(exchange.request.url),
          headers: finishHeaders(requestHeaders),
          body: requestBody,
        },
        response: {
          status: exchange.response.status,
          statusText: exchange.response.statusText,
          headers: finishHeaders(responseHeaders),
          body: responseBody,
          ...(exchange.response.encoding !== undefined ? { encoding: exchange.response.encoding } : {}),
        },
        captures: Object.fromEntries(Object.entries(exchange.captures).map(([k, v]) => [k, redactUrl(v)])),
        durationMs: exchange.durationMs,
      };
    },
    redactUrl,
    originOf: (secret) => store.originOf(secret),
  };
}

/** A placeholder written by {@link PlaceholderStore}. */
const PLACEHOLDER = /<redacted:[a-z0-9_.-]+:\d+>/g;

/** Applies `redact` to the text around placeholders, leaving the placeholders as they are. */
function outsidePlaceholders(text: string, redact: (s: string) => string): string {
  if (!text.includes('<redacted:')) return redact(text);
  let out = '';
  let last = 0;
  for (const match of text.matchAll(PLACEHOLDER)) {
    out += redact(text.slice(last, match.index)) + match[0];
    last = match.index + match[0].length;
  }
  return out + redact(text.slice(last));
}

/** Raw secret → placeholder, numbered per label; remembers where each secret was first seen. */
class PlaceholderStore {
  private readonly byValue = new Map<string, { placeholder: string; origin: number | undefined }>();
  private readonly counters = new Map<string, number>();
  private propagated: RegExp | null = null;

  placeholder(label: string, value: string, origin: number | undefined): string {
    if (/^<redacted[:>]/.test(value)) return value;
    const known = this.byValue.get(value);
    if (known) return known.placeholder;
    const safe = label.toLowerCase().replace(/[^a-z0-9_.-]+/g, '-') || 'secret';
    const n = (this.counters.get(safe) ?? 0) + 1;
    this.counters.set(safe, n);
    const placeholder = `<redacted:${safe}:${n}>`;
    this.byValue.set(value, { placeholder, origin });
    if (value.length >= MIN_PROPAGATED_SECRET) this.propagated = null;
    return placeholder;
  }

  originOf(value: string): number | undefined {
    return this.byValue.get(value)?.origin;
  }

  /** Replaces every known secret of {@link MIN_PROPAGATED_SECRET}+ characters in `text`. */
  replaceKnown(text: string): string {
    if (this.propagated === null) {
      const secrets = [...this.byValue.keys()].filter((v) => v.length >= MIN_PROPAGATED_SECRET).sort((a, b) => b.length - a.length);
      if (secrets.length === 0) return text;
      this.propagated = new RegExp(secrets.map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'g');
    }
    return text.replace(this.propagated, (match) => this.byValue.get(match)?.placeholder ?? match);
  }
}

/** Decodes one application/x-www-form-urlencoded name or value (`+` is a space). */
function formDecode(s: string): string {
  return safeDecode(s.replaceAll('+', ' '));
}

/** A marker no JSON value can be (compared by identity). */
const REDACT_HERE = Symbol('redact-here');

/**
 * Redacts configured paths in a JSON body (re-serialized with the original's indentation only
 * when something was replaced; precise numbers kept) or in a form-encoded body (fields whose
 * name a path `$.name` selects). Other bodies are returned as they are.
 */
function redactBodyPaths(
  body: Buffer,
  contentType: string | undefined,
  paths: readonly ParsedJsonPath[],
  store: PlaceholderStore,
  origin: number | undefined,
): Buffer {
  const type = (contentType ?? '').toLowerCase();
  if (type.includes('application/x-www-form-urlencoded')) {
    // Field by field on the raw text, so untouched fields keep their bytes; the placeholder is
    // written unencoded (form parsers read it back as is), so it stays recognisable.
    let changed = false;
    const fields = body
      .toString('utf8')
      .split('&')
      .map((field) => {
        const eq = field.indexOf('=');
        if (eq === -1) return field;
        const name = formDecode(field.slice(0, eq));
        const value = formDecode(field.slice(eq + 1));
        if (value === '' || !paths.some((p) => matchJsonPath(p, [name]))) return field;
        changed = true;
        return `${field.slice(0, eq)}=${store.placeholder(name, value, origin)}`;
      });
    return changed ? Buffer.from(fields.join('&'), 'utf8') : body;
  }
  if (body.length === 0 || !isProbablyText(body)) return body;
  const textBody = body.toString('utf8');
  const first = textBody.trimStart()[0];
  if (!type.includes('json') && first !== '{' && first !== '[') return body;
  const parsed = parseJsonText(textBody);
  if (!parsed.ok) return body;
  const marked = replaceJsonPaths(parsed.value, paths, REDACT_HERE);
  if (marked === parsed.value) return body;
  let changed = false;
  const merge = (original: unknown, mark: unknown, trail: JsonPathKey[]): unknown => {
    if (mark === original) return original;
    if (mark === REDACT_HERE) {
      if (original === null || original === '' || typeof original === 'boolean') return original;
      // A raw-JSON leaf stringifies to its source text.
      const raw = typeof original === 'string' ? original : JSON.stringify(original);
      const label = [...trail].reverse().find((k): k is string => typeof k === 'string') ?? 'body';
      changed = true;
      return store.placeholder(label, raw, origin);
    }
    if (Array.isArray(original)) return original.map((item, i) => merge(item, (mark as unknown[])[i], [...trail, i]));
    if (typeof original === 'object' && original !== null && !isRawJson(original)) {
      const markObject = mark as Record<string, unknown>;
      return Object.fromEntries(Object.entries(original).map(([k, v]) => [k, merge(v, markObject[k], [...trail, k])]));
    }
    return original;
  };
  const redacted = merge(parsed.value, marked, []);
  if (!changed) return body;
  const indent = /\n([ \t]+)\S/.exec(textBody)?.[1];
  const trailing = /\s*$/.exec(textBody)?.[0] ?? '';
  return Buffer.from(JSON.stringify(redacted, null, indent) + trailing, 'utf8');
}

// ------------------------------------------------------------- replayable requests + captures

/** Request headers left out of derived request specs (besides the volatile ones): the replayer
 * sets Host and framing itself, negotiates its own encoding, and carries cookies in a jar. */
const SPEC_DROPPED_HEADERS = new Set([...VOLATILE_REQUEST_HEADERS, 'host', 'cookie', 'accept-encoding', 'expect']);

/**
 * True for a name of an identifier a flow may reuse: `id`, `uuid`, `guid`, `token`, `key`,
 * `slug`, `ref`, alone or as the last word (`order_id`, `x-order-id`, `orderId`, `accessToken`),
 * not as a mere suffix (`paid`, `valid`, `monkey`).
 */
function isIdName(name: string): boolean {
  return /(^|[_.-])(id|uuid|guid|token|key|slug|ref)$/i.test(name) || /[a-z0-9](Id|ID|Uuid|UUID|Token|Key|Ref)$/.test(name);
}

/** A value distinctive enough to be recognised anywhere: not a small number or a short word. */
function isDistinctive(value: string): boolean {
  return value.length >= 6 && !/^\d+$/.test(value);
}

/** A value a response handed out, which a later request may send back. */
interface Candidate {
  value: string;
  from: number;
  spec: CaptureSpec;
  /** Base for the capture name: `orders_id`, `login_token`, `orders_location`. */
  base: string;
  /** A placeholder is also substituted inside longer strings (`Bearer <redacted:token:1>`). */
  embedded: boolean;
  name?: string;
}

/**
 * Derives replayable requests from the exchanges of one scenario, and fills `captures`.
 *
 * Per exchange: method, path, query (decoded, repeated keys as arrays), headers (without Host,
 * Cookie, Accept-Encoding, Expect and {@link VOLATILE_REQUEST_HEADERS}; repeated ones joined
 * with `, `), and the body: `{ json }` for JSON (when no number would lose precision), `{ form }`
 * for form-encoded fields without repeats, `{ text, contentType }` for other UTF-8, and
 * `{ file: 'bodies/<scenarioId>/<index>.bin', contentType }` for binary bytes — the caller writes
 * `exchanges[index].request.body` to that file.
 *
 * Captures: a value an earlier response handed out — a JSON value under an id-like key (`id`,
 * `orderId`, `user_uuid`, `token`, …; see docs), any redaction placeholder in a JSON body, or
 * a Location header — that a later request sends back (a whole path segment, the whole path, a
 * query value, a header value, a JSON string or form value; placeholders also inside a header
 * value) becomes `{{name}}` there, and a `capture` on the request that received it. The first
 * response that handed a value out is its source.
 */
export function requestSpecsFromExchanges(
  exchanges: readonly HttpExchange[],
  scenarioId: string,
): { requests: HttpRequestSpec[]; exchanges: HttpExchange[] } {
  const specs = exchanges.map((exchange, index) => baseRequestSpec(exchange, scenarioId, index));
  const known = new Map<string, Candidate>();
  const usedNames = new Set<string>();
  const outExchanges = exchanges.map((e) => ({ ...e, captures: { ...e.captures } }));

  const use = (candidate: Candidate): string => {
    if (candidate.name === undefined) {
      let name = candidate.base;
      for (let n = 2; usedNames.has(name); n++) name = `${candidate.base}_${n}`;
      usedNames.add(name);
      candidate.name = name;
      const source = specs[candidate.from];
      source.capture = { ...source.capture, [name]: candidate.spec };
      outExchanges[candidate.from].captures[name] = candidate.value;
    }
    return `{{${candidate.name}}}`;
  };
  // A path segment is where ids travel: any handed-out value is recognised there. Elsewhere
  // (query, header, form, JSON field) only under an id-like name or when distinctive, so a
  // `?page=2` or `DNT: 1` is not mistaken for the order id 2 or 1.
  const replace: Substitution = (value, name) => {
    const whole = known.get(value);
    if (whole && (name === undefined || isIdName(name) || isDistinctive(value) || whole.embedded)) return use(whole);
    if (name === undefined || !value.includes('<redacted:')) return value;
    return value.replace(/<redacted:[a-z0-9_.-]+:\d+>/g, (ph) => {
      const candidate = known.get(ph);
      return candidate?.embedded ? use(candidate) : ph;
    });
  };

  specs.forEach((spec, index) => {
    if (known.size > 0) substitute(spec, replace, exchanges[index].request.url);
    for (const candidate of candidatesFrom(exchanges[index], index, spec.path)) {
      if (!known.has(candidate.value)) known.set(candidate.value, candidate);
    }
  });
  return { requests: specs, exchanges: outExchanges };
}

function baseRequestSpec(exchange: HttpExchange, scenarioId: string, index: number): HttpRequestSpec {
  const { request } = exchange;
  const q = request.url.indexOf('?');
  const path = q === -1 ? request.url : request.url.slice(0, q);
  const spec: HttpRequestSpec = { method: request.method.toUpperCase(), path: path === '' ? '/' : path };
  if (q !== -1) {
    const query: Record<string, string | string[]> = {};
    for (const [name, value] of new URLSearchParams(request.url.slice(q + 1))) {
      const prev = query[name];
      query[name] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [prev, value];
    }
    if (Object.keys(query).length > 0) spec.query = query;
  }
  const headers: Record<string, string> = {};
  for (const [name, value] of request.headers) {
    if (SPEC_DROPPED_HEADERS.has(name) || name.startsWith(':')) continue;
    headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
  }
  const contentType = headers['content-type'];
  if (request.body !== null && request.body.length > 0) {
    const body = bodySpecOf(request.body, contentType, `bodies/${scenarioId}/${index}.bin`);
    spec.body = body;
    const standard = ('json' in body && contentType === 'application/json') || ('form' in body && contentType === 'application/x-www-form-urlencoded');
    if (standard || 'text' in body || 'file' in body) delete headers['content-type'];
  }
  if (Object.keys(headers).length > 0) spec.headers = headers;
  return spec;
}

function bodySpecOf(body: Buffer, contentType: string | undefined, file: string): HttpBodySpec {
  const type = (contentType ?? '').toLowerCase();
  if (!isProbablyText(body)) return contentType ? { file, contentType } : { file };
  const text = body.toString('utf8');
  if (type.includes('json')) {
    const parsed = parseJsonText(text);
    if (parsed.ok && !containsRawJson(parsed.value)) return { json: parsed.value };
  }
  if (type.includes('application/x-www-form-urlencoded')) {
    const form: Record<string, string> = {};
    let repeated = false;
    for (const [name, value] of new URLSearchParams(text)) {
      if (Object.hasOwn(form, name)) repeated = true;
      form[name] = value;
    }
    if (!repeated) return { form };
  }
  return contentType ? { text, contentType } : { text };
}

function containsRawJson(value: unknown): boolean {
  if (isRawJson(value)) return true;
  if (Array.isArray(value)) return value.some(containsRawJson);
  if (typeof value === 'object' && value !== null) return Object.values(value).some(containsRawJson);
  return false;
}

/** Values handed out by the response of `exchange` that a later request may reuse. */
function candidatesFrom(exchange: HttpExchange, index: number, requestPath: string): Candidate[] {
  const resource =
    requestPath
      .split('/')
      .map((s) => s.replace(/[^A-Za-z0-9]+/g, '_').replace(/^_+|_+$/g, ''))
      .filter((s) => s !== '' && !/^\d+$/.test(s) && !s.startsWith('_'))
      .pop() ?? 'response';
  const found: Candidate[] = [];
  const location = headerValue(exchange.response.headers, 'location');
  // A fixed redirect target (`/account`) is replayed literally, so a candidate redirecting
  // elsewhere shows as a difference; only a Location carrying an id is captured.
  if (location !== undefined && carriesId(location)) {
    found.push({ value: location, from: index, spec: { header: 'location' }, base: identifier(`${resource}_location`), embedded: false });
  }
  const body = exchange.response.body;
  if (body.length === 0 || body.length > MAX_PROPAGATION_BODY || !isProbablyText(body)) return found;
  const parsed = parseJsonText(body.toString('utf8'));
  if (!parsed.ok) return found;
  const walk = (node: unknown, trail: JsonPathKey[]): void => {
    if (Array.isArray(node)) node.forEach((item, i) => walk(item, [...trail, i]));
    else if (typeof node === 'object' && node !== null && !isRawJson(node)) {
      for (const [k, v] of Object.entries(node)) walk(v, [...trail, k]);
    } else {
      const key = [...trail].reverse().find((k): k is string => typeof k === 'string');
      const value = typeof node === 'string' ? node : typeof node === 'number' ? String(node) : isRawJson(node) ? JSON.stringify(node) : null;
      if (value === null || value === '' || key === undefined) return;
      const placeholder = /^<redacted:[a-z0-9_.-]+:\d+>$/.test(value);
      if (!placeholder && !isIdName(key)) return;
      found.push({
        value,
        from: index,
        spec: { json: formatJsonPath(trail) },
        base: identifier(`${resource}_${key}`),
        embedded: placeholder,
      });
    }
  };
  walk(parsed.value, []);
  return found;
}

/** True when a URL has a path segment or query value that looks generated: digits, hex or a
 * UUID, or letters mixed with digits (6+ characters: `c_91f3a2`). */
function carriesId(url: string): boolean {
  return url
    .split(/[/?&=#]/)
    .some((part) => /^\d+$/.test(part) || /^[0-9a-f-]{8,}$/i.test(part) || (part.length >= 6 && /\d/.test(part) && /[A-Za-z]/.test(part)));
}

/** A capture name: letters, digits and `_`, not starting with a digit. */
function identifier(s: string): string {
  const id = s.replace(/[^A-Za-z0-9_]+/g, '_').replace(/^_+|_+$/g, '');
  return /^[A-Za-z_]/.test(id) ? id : `v_${id}`;
}

/** Maps a value sent in a request to `{{capture}}` (or itself). `name` is the query, header,
 * form or JSON field name; undefined for a path segment or the whole path. */
type Substitution = (value: string, name: string | undefined) => string;

/** Replaces values of known candidates in a request spec, in place. Path segments first; when
 * none is known, the whole path and query (`url`) may be a handed-out Location. */
function substitute(spec: HttpRequestSpec, replace: Substitution, url: string): void {
  const path = spec.path
    .split('/')
    .map((segment) => (segment === '' ? segment : replace(segment, undefined)))
    .join('/');
  if (path !== spec.path) spec.path = path;
  else {
    const whole = replace(url, undefined);
    if (whole !== url) {
      spec.path = whole;
      delete spec.query;
    }
  }
  if (spec.query) {
    for (const [name, value] of Object.entries(spec.query)) {
      spec.query[name] = Array.isArray(value) ? value.map((v) => replace(v, name)) : replace(value, name);
    }
  }
  if (spec.headers) for (const [name, value] of Object.entries(spec.headers)) spec.headers[name] = replace(value, name);
  const body = spec.body;
  if (body && 'json' in body) body.json = substituteJson(body.json, replace, 'body');
  else if (body && 'form' in body) for (const [name, value] of Object.entries(body.form)) body.form[name] = replace(value, name);
}

function substituteJson(value: unknown, replace: Substitution, name: string): unknown {
  if (typeof value === 'string') return replace(value, name);
  if (Array.isArray(value)) return value.map((v) => substituteJson(v, replace, name));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substituteJson(v, replace, k)]));
  }
  return value;
}
