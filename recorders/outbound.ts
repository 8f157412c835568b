/**
 * Outbound calls: what a service asks of third-party HTTP services, recorded while the legacy
 * runs and answered from that recording while the candidate runs, so both sides see identical
 * third-party responses (issue 3 §5, second bullet).
 *
 * Both halves are an HTTP **forward proxy** on 127.0.0.1 that the service is started behind
 * (`HTTP_PROXY` / `http_proxy` = {@link OutboundProxy.url}). A client using a forward proxy
 * sends the absolute URL as the request target, `POST http://payments.local/pay HTTP/1.1`
 * (absolute-form, RFC 9112 §3.2.2). Node's `http.request` clients written the classic way do
 * that; Node's own proxy support (`NODE_USE_ENV_PROXY=1`, Node ≥ 24) and undici's proxy agents —
 * so `fetch` — instead open a `CONNECT host:port` tunnel even for `http://` URLs and send plain
 * HTTP inside it. Both are served the same way: a tunnel whose first bytes are an HTTP request
 * line is read request by request, each taken as a call to `http://host:port/path`.
 *
 * - {@link startOutboundRecorder} forwards each call to its real destination, streams the answer
 *   back unchanged, and keeps a redacted copy of the exchange (response body decoded).
 * - {@link startOutboundReplayer} never contacts the network: it answers each call with the
 *   recorded response of the same method, absolute URL and body; a call the legacy never made
 *   gets a `502` naming the nearest recorded call, and is listed in {@link OutboundProxy.unmatched}.
 *
 * HTTPS: a client reaches an `https://` third party through a proxy with `CONNECT host:443`
 * and then speaks TLS inside the tunnel. The proxy cannot see inside TLS (that would need a
 * certificate the service trusts), so the recorder tunnels the bytes and notes the call as an
 * opaque exchange (`CONNECT host:443`, no body); the replayer has no answer for it: it refuses
 * the `CONNECT` with a `502` (or, when it accepted the tunnel expecting plain HTTP, closes it at
 * the TLS handshake) and lists it in `unmatched()` with the reason and the fix (let the service
 * call that third party over `http://` during parity runs). A client that sends an `https://`
 * URL in absolute form (no tunnel) is served normally: the recorder opens the TLS connection.
 *
 * @see docs/recording-proxy.md for the reverse proxy that records a legacy's own traffic.
 */
import { isUtf8 } from 'node:buffer';
import { createHash } from 'node:crypto';
import { createServer, Agent as HttpAgent, request as httpRequest, STATUS_CODES } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { connect } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import zlib from 'node:zlib';
import { ParityError } from '../harness/errors.ts';
import type { HttpExchange } from '../harness/http-model.ts';
import { redactHeaderList } from '../harness/redact.ts';
import { decodeBody } from './proxy.ts';

// ------------------------------------------------------------------------------------ API

/** A running outbound proxy (record or replay mode). */
export interface OutboundProxy {
  /** `http://127.0.0.1:PORT` — pass as `HTTP_PROXY` (and `http_proxy`) to the service. */
  readonly url: string;
  /**
   * Calls seen so far, in arrival order, each with the response the service was given (also the
   * proxy's own `502`s and `400`s). `request.url` is the ABSOLUTE URL (`http://host:port/path?q`),
   * or `host:port` for an opaque `CONNECT` (a tunnel not carrying plain HTTP). Credential headers are `<redacted:NAME>`, and the
   * URL, other header values and bodies went through `redactText`. Response bodies are decoded
   * (`encoding` keeps the original content-encoding). Calls still in flight are not listed.
   * A fresh array each call.
   */
  calls(): HttpExchange[];
  /**
   * Calls that were not answered from the third party (record mode) or from the recording
   * (replay mode): method, URL (redacted) and why, in arrival order. In replay mode these are
   * the calls the legacy never made, refused or TLS-carrying `CONNECT`s, and requests that are
   * not proxy requests; in record mode, requests that are not proxy requests, destinations that could not be
   * reached, and exchanges cut off by {@link close}. A fresh array each call.
   */
  unmatched(): Array<{ method: string; url: string; reason: string }>;
  /**
   * Stops accepting connections and waits for calls in flight to end (at most
   * {@link CLOSE_GRACE_MS}; then their connections are cut and the calls listed in
   * `unmatched()`), then closes every connection and tunnel. Idempotent.
   */
  close(): Promise<void>;
}

/** Options of {@link startOutboundRecorder}. */
export interface OutboundRecorderOptions {
  /** Redactor applied before a call is kept: to the URL, every header value that is not a
   * credential header (those always become `<redacted:NAME>`), and both bodies (UTF-8 as text,
   * anything else as latin1). Typically `createRedactor(config.redact).redactText`. Default: none. */
  redactText?: (text: string) => string;
}

/** Options of {@link startOutboundReplayer}. */
export interface OutboundReplayerOptions {
  /** The redactor the recording was made with: applied to each incoming call's URL and body
   * before matching, so a call carrying a secret matches its redacted recording. Default: none. */
  redactText?: (text: string) => string;
  /**
   * Match the origin (scheme, host, port) of the URL too. Default `true`. Set `false` when the
   * third party's origin changes from run to run — a stub started on a free port next to each
   * service — and calls then match on method, path, query and body.
   */
  matchOrigin?: boolean;
}

/** Status of every answer the proxies make up themselves (unmatched call, unreachable destination, refused CONNECT). */
export const OUTBOUND_ERROR_STATUS = 502;

/** Response header on every answer the proxies make up themselves: `unmatched`, `upstream-error`,
 * `connect-refused`, `not-a-proxy-request`. Absent on third-party (or replayed) answers. */
export const OUTBOUND_MARKER_HEADER = 'x-paritykit-outbound';

/** How long {@link OutboundProxy.close} waits for calls in flight (ms). */
export const CLOSE_GRACE_MS = 5_000;

/**
 * Record mode: starts a forward proxy on 127.0.0.1 (a free port) that forwards each
 * absolute-form request to its real destination and records it.
 *
 * Forwarding: method, path and query, headers in their order and case (Host included) and body
 * bytes go to the destination, streamed; hop-by-hop headers (Connection and what it names,
 * Keep-Alive, Proxy-Connection, Proxy-Authorization, TE, Transfer-Encoding, Upgrade) are not
 * forwarded. The answer is streamed back with its status text and headers (minus hop-by-hop);
 * compressed bodies stay compressed on the wire and are stored decoded (gzip, br, deflate, zstd;
 * `decodeBody` of recorders/proxy.ts). When the destination cannot be reached the service gets a
 * `502` with a JSON body `{ error: "paritykit_outbound_upstream_error", message }`; that answer is
 * recorded too (so the candidate gets the same one) and listed in `unmatched()`.
 *
 * `CONNECT host:port`: the destination is connected first (unreachable → `502`, recorded as
 * an opaque call and listed in `unmatched()`). A tunnel carrying plain HTTP is served call by
 * call as above (the tunnel itself is not a call). A tunnel carrying TLS (HTTPS) or anything
 * else is passed through byte for byte and recorded as an opaque call:
 * `{ method: 'CONNECT', url: 'host:port' }`, response `200 Connection Established`, no bodies.
 * A request whose target is not an absolute `http(s)://` URL, or that points at the
 * proxy itself, gets a `400` and is listed in `unmatched()`, not in `calls()`.
 *
 * @example
 * const outbound = await startOutboundRecorder({ redactText: redactor.redactText });
 * // start the legacy with HTTP_PROXY=outbound.url, http_proxy=outbound.url; run the scenario
 * await outbound.close();
 * const recorded = outbound.calls(); // store with the scenario's observation
 * @throws ParityError `CONFIG_INVALID` when `redactText` is not a function; `INTERNAL` when no
 * port on 127.0.0.1 can be listened on.
 */
export async function startOutboundRecorder(options: OutboundRecorderOptions = {}): Promise<OutboundProxy> {
  const redactText = checkRedactText(options.redactText, 'startOutboundRecorder');
  const recorder = new OutboundRecorder(redactText);
  await recorder.listen();
  return recorder.facade();
}

/**
 * Replay mode: starts a forward proxy on 127.0.0.1 (a free port) that answers each
 * absolute-form request from `recorded` and never contacts the network.
 *
 * Matching: method (any case), absolute URL (normalised by WHATWG URL: host case, default port;
 * without the origin when `matchOrigin` is false) and request body — equal bytes, or equal JSON
 * values when both bodies are JSON (so key order and spacing do not matter). Headers are not
 * matched. Repeated identical calls replay the recorded answers in recorded order; one call more
 * than the legacy made is unmatched.
 *
 * The answer is the recorded status, status text, headers (minus hop-by-hop and Content-Length,
 * which is recomputed) and body; a body recorded with an `encoding` is encoded again with it
 * (gzip, deflate, br, zstd) so the client gets what the legacy got on the wire. An unmatched call
 * gets `502` with `application/json` `{ error: "paritykit_outbound_unmatched", message, request,
 * nearest }` — `nearest` is the closest recorded call and what differs (method, origin, path,
 * query, body), or null — and is listed in `unmatched()` with the same message.
 *
 * `CONNECT host:port` is accepted when the recording holds plain-HTTP calls to that host and port
 * (to any, when `matchOrigin` is false): the HTTP requests inside the tunnel are answered as
 * above. Otherwise it is refused with `502` (`connect-refused`); a tunnel that carries TLS is
 * closed. Both are listed in `unmatched()`: what went through TLS was never seen, so there is no
 * answer to give.
 *
 * @example
 * const outbound = await startOutboundReplayer(recordedCalls, { redactText: redactor.redactText });
 * // start the candidate with HTTP_PROXY=outbound.url; run the scenario
 * await outbound.close();
 * for (const u of outbound.unmatched()) report(`${u.method} ${u.url}: ${u.reason}`);
 * @throws ParityError `BASELINE_CORRUPT` when a recorded call is malformed (no method, a URL
 * that is not absolute, no status); `CONFIG_INVALID` when an option has the wrong type;
 * `INTERNAL` when no port on 127.0.0.1 can be listened on.
 */
export async function startOutboundReplayer(recorded: HttpExchange[], options: OutboundReplayerOptions = {}): Promise<OutboundProxy> {
  const redactText = checkRedactText(options.redactText, 'startOutboundReplayer');
  if (options.matchOrigin !== undefined && typeof options.matchOrigin !== 'boolean') {
    throw new ParityError('CONFIG_INVALID', `startOutboundReplayer: matchOrigin must be true or false; got ${JSON.stringify(options.matchOrigin)}`);
  }
  const replayer = new OutboundReplayer(checkRecording(recorded), redactText, options.matchOrigin ?? true);
  await replayer.listen();
  return replayer.facade();
}

// ------------------------------------------------------------------------ option checking

const identity = (text: string): string => text;

function checkRedactText(value: unknown, where: string): ((text: string) => string) | null {
  if (value === undefined) return null;
  if (typeof value !== 'function') throw new ParityError('CONFIG_INVALID', `${where}: redactText must be a function (text → text); got ${typeof value}`);
  return value as (text: string) => string;
}

/** A recorded call ready for matching. */
interface RecordedCall {
  index: number;
  exchange: HttpExchange;
  method: string;
  /** Normalised absolute URL, parsed. */
  url: URL;
  body: Buffer;
  key: string;
}

function checkRecording(recorded: unknown): HttpExchange[] {
  const corrupt = (message: string): never => {
    throw new ParityError('BASELINE_CORRUPT', `outbound recording: ${message}; re-record the suite (paritykit record)`);
  };
  if (!Array.isArray(recorded)) corrupt(`expected a list of recorded calls, got ${recorded === null ? 'null' : typeof recorded}`);
  (recorded as unknown[]).forEach((item, i) => {
    const exchange = item as Partial<HttpExchange> | null;
    const request = exchange?.request;
    const response = exchange?.response;
    if (typeof request?.method !== 'string' || request.method === '') corrupt(`call ${i} has no request.method`);
    if (typeof request?.url !== 'string') corrupt(`call ${i} has no request.url`);
    if (request!.method.toUpperCase() !== 'CONNECT' && absoluteUrl(request!.url) === null) {
      corrupt(`call ${i} (${request!.method} ${request!.url}): request.url must be an absolute http(s):// URL`);
    }
    if (typeof response?.status !== 'number' || !Number.isInteger(response.status) || response.status < 100 || response.status > 999) {
      corrupt(`call ${i} (${request!.method} ${request!.url}) has no valid response.status`);
    }
  });
  return recorded as HttpExchange[];
}

// ---------------------------------------------------------------------------- shared base

/** Hop-by-hop headers (RFC 9110 §7.6.1) and the proxy's own credentials: never passed on. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'proxy-authorization', 'te', 'transfer-encoding', 'upgrade', 'trailer']);

interface Unmatched {
  method: string;
  url: string;
  reason: string;
}

/** One call while it is handled; `exchange` is set when it is kept in `calls()`. */
interface Slot {
  exchange: HttpExchange | null;
  unmatched: Unmatched | null;
}

/** The listening server, the call log and the shutdown both modes share. */
abstract class OutboundServer {
  url = '';
  protected readonly server: Server;
  protected readonly redactText: (text: string) => string;
  protected readonly redacting: boolean;
  protected port = 0;
  private readonly slots: Slot[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private readonly tunnels = new Set<Socket>();
  /** Serves plain HTTP that arrives inside a CONNECT tunnel; never listens itself. */
  private readonly tunnelServer: Server;
  private readonly tunnelAuthority = new WeakMap<Socket, string>();
  /** Tunnels whose first bytes have not arrived yet: close() ends them at once. */
  private readonly undecidedTunnels = new Set<Socket>();
  private closing: Promise<void> | null = null;

  constructor(redactText: ((text: string) => string) | null) {
    this.redactText = redactText ?? identity;
    this.redacting = redactText !== null;
    this.server = createServer((req, res) => this.track(this.onRequest(req, res)));
    this.server.on('connect', (req: IncomingMessage, socket: Socket, head: Buffer) => {
      this.tunnels.add(socket);
      socket.on('close', () => this.tunnels.delete(socket));
      socket.on('error', () => socket.destroy());
      this.track(this.onConnect(req, socket, head));
    });
    // Inside a tunnel requests are origin-form (`GET /path`): the tunnel's authority makes them absolute.
    this.tunnelServer = createServer((req, res) => {
      req.url = new URL(req.url ?? '/', `http://${this.tunnelAuthority.get(req.socket) ?? 'invalid.'}`).href;
      this.track(this.onRequest(req, res));
    });
    // A malformed request line (not HTTP) must not take the proxy down.
    for (const server of [this.server, this.tunnelServer]) {
      server.on('clientError', (_err, socket: Socket) => {
        if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
        else socket.destroy();
      });
    }
  }

  protected abstract onRequest(req: IncomingMessage, res: ServerResponse): Promise<void>;
  protected abstract onConnect(req: IncomingMessage, socket: Socket, head: Buffer): Promise<void>;
  protected abstract mode: string;

  async listen(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error): void =>
        reject(new ParityError('INTERNAL', `outbound ${this.mode}: cannot listen on 127.0.0.1: ${err.message}`, { cause: err }));
      this.server.once('error', onError);
      this.server.listen(0, '127.0.0.1', () => {
        this.server.off('error', onError);
        resolve();
      });
    });
    this.port = (this.server.address() as AddressInfo).port;
    this.url = `http://127.0.0.1:${this.port}`;
  }

  facade(): OutboundProxy {
    return {
      url: this.url,
      calls: () => this.slots.filter((s) => s.exchange !== null).map((s) => copyExchange(s.exchange!)),
      unmatched: () => this.slots.filter((s) => s.unmatched !== null).map((s) => ({ ...s.unmatched! })),
      close: () => this.close(),
    };
  }

  /** Reserves the place of a call in arrival order. */
  protected slot(): Slot {
    const slot: Slot = { exchange: null, unmatched: null };
    this.slots.push(slot);
    return slot;
  }

  protected get isClosing(): boolean {
    return this.closing !== null;
  }

  /** Keeps a handler's promise until it settles, so close() can wait for it; never rejects. */
  private track(work: Promise<void>): void {
    const settled = work.catch(() => undefined).finally(() => this.inFlight.delete(settled));
    this.inFlight.add(settled);
  }

  /** Redacts a URL (absolute or authority-form) with `redactText`. */
  protected redactUrl(url: string): string {
    return this.redactText(url);
  }

  /** A copy of `exchange` with credential headers replaced and everything else through `redactText`. */
  protected redactExchange(exchange: HttpExchange): HttpExchange {
    const redactBody = (body: Buffer): Buffer => (this.redacting ? redactBuffer(body, this.redactText) : body);
    return {
      request: {
        method: exchange.request.method,
        url: this.redactUrl(exchange.request.url),
        headers: redactHeaderList(exchange.request.headers, this.redactText),
        body: exchange.request.body === null ? null : redactBody(exchange.request.body),
      },
      response: {
        ...exchange.response,
        headers: redactHeaderList(exchange.response.headers, this.redactText),
        body: redactBody(exchange.response.body),
      },
      captures: {},
      durationMs: exchange.durationMs,
    };
  }

  /** Answers a request that is not an absolute-form proxy request (`400`) and lists it. */
  protected refuseNotProxyRequest(req: IncomingMessage, res: ServerResponse, why: string): void {
    const slot = this.slot();
    const method = req.method ?? 'GET';
    const url = this.redactUrl(req.url ?? '');
    const reason = `not a proxy request: ${why}. paritykit's outbound ${this.mode} is an HTTP forward proxy: start the service with HTTP_PROXY=${this.url} so its HTTP client sends absolute-form targets (GET http://host/path)`;
    slot.unmatched = { method, url, reason };
    req.resume();
    sendMadeUp(res, 400, 'not-a-proxy-request', { error: 'paritykit_outbound_not_a_proxy_request', message: reason }, this.isClosing);
  }

  /**
   * Answers `200 Connection Established` to a CONNECT and waits for the service's first bytes
   * (resolves null when it closes first), so the tunnel's content can be told apart: TLS, or
   * plain HTTP ({@link tunnelContent}).
   */
  protected openTunnel(socket: Socket, head: Buffer): Promise<Buffer | null> {
    socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
    if (head.length > 0) return Promise.resolve(head);
    this.undecidedTunnels.add(socket);
    return new Promise((resolve) => {
      const onData = (chunk: Buffer): void => {
        socket.pause();
        done(chunk);
      };
      const onEnd = (): void => done(null);
      const done = (chunk: Buffer | null): void => {
        socket.off('data', onData);
        socket.off('end', onEnd);
        socket.off('close', onEnd);
        this.undecidedTunnels.delete(socket);
        resolve(chunk);
      };
      socket.on('data', onData);
      socket.once('end', onEnd);
      socket.once('close', onEnd);
    });
  }

  /**
   * Serves a tunnel that carries plain HTTP like absolute-form requests to `http://authority`.
   * Node's own proxy support (`NODE_USE_ENV_PROXY`) and undici's proxy agents tunnel even
   * `http://` calls through CONNECT, so this is how `fetch` reaches the proxy.
   */
  protected serveHttpTunnel(socket: Socket, first: Buffer, authority: string): void {
    this.tunnelAuthority.set(socket, authority);
    socket.unshift(first);
    this.tunnelServer.emit('connection', socket);
    socket.resume();
  }

  /** Whether an absolute URL points back at this proxy (a request loop). */
  protected pointsAtSelf(url: URL): boolean {
    const port = url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port);
    return port === this.port && LOOPBACK.has(url.hostname.toLowerCase());
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeIdleConnections();
    this.tunnelServer.closeIdleConnections();
    for (const socket of this.undecidedTunnels) socket.destroy();
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), CLOSE_GRACE_MS)));
    // Calls may still arrive on open keep-alive connections: wait until none is in flight.
    for (;;) {
      if (this.inFlight.size === 0) break;
      const outcome = await Promise.race([Promise.all([...this.inFlight]).then(() => 'done' as const), grace]);
      if (outcome === 'timeout') {
        this.cutOff();
        break;
      }
    }
    clearTimeout(timer);
    this.server.closeAllConnections();
    this.tunnelServer.closeAllConnections();
    for (const socket of this.tunnels) socket.destroy();
    this.releaseResources();
    await closed;
  }

  /** Calls still in flight at the end of the grace period: listed as cut off. */
  protected abstract cutOff(): void;

  /** Frees what the mode holds (agents, upstream sockets). */
  protected abstract releaseResources(): void;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]', '::1', '0.0.0.0']);

/** What a tunnel carries, by its first bytes: a TLS handshake record (0x16), an HTTP/1 request line, or anything else. */
function tunnelContent(first: Buffer): 'tls' | 'http' | 'other' {
  if (first[0] === 0x16) return 'tls';
  return /^[A-Z][A-Z-]{0,19} \S/.test(first.subarray(0, 32).toString('latin1')) ? 'http' : 'other';
}

/** `host:port` of a CONNECT (RFC 9110 §9.3.6 authority-form), or null. */
function parseAuthority(authority: string): { host: string; port: number } | null {
  const match = /^(\[[^\]]+\]|[^:\s/]+):(\d{1,5})$/.exec(authority);
  if (match === null || Number(match[2]) > 65535) return null;
  return { host: match[1].replace(/^\[(.*)\]$/, '$1'), port: Number(match[2]) };
}

/** The absolute http(s) URL of a request target, or null for any other form. */
function absoluteUrl(target: string): URL | null {
  if (!/^https?:\/\//i.test(target)) return null;
  try {
    const url = new URL(target);
    return url.hostname === '' ? null : url;
  } catch {
    return null;
  }
}

/** Node's flat raw header list → `[name lower-case, value]` pairs, order and repeats kept. */
function pairHeaders(raw: readonly string[]): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  for (let i = 0; i + 1 < raw.length; i += 2) pairs.push([raw[i].toLowerCase(), raw[i + 1]]);
  return pairs;
}

/** Flat raw header list without hop-by-hop headers (and those the Connection header names). */
function withoutHopByHop(raw: readonly string[]): string[] {
  const hop = new Set(HOP_BY_HOP);
  for (let i = 0; i + 1 < raw.length; i += 2) {
    if (raw[i].toLowerCase() === 'connection') for (const token of raw[i + 1].split(',')) hop.add(token.trim().toLowerCase());
  }
  const out: string[] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) if (!hop.has(raw[i].toLowerCase())) out.push(raw[i], raw[i + 1]);
  return out;
}

/** All values of a header joined with `, ` (HTTP's list rule), or undefined when absent. */
function headerValue(headers: ReadonlyArray<readonly [string, string]>, name: string): string | undefined {
  const values = headers.filter(([n]) => n === name).map(([, v]) => v);
  return values.length > 0 ? values.join(', ') : undefined;
}

/** Redacts bytes through a text redactor: UTF-8 as text, anything else as latin1 (byte-exact). */
function redactBuffer(body: Buffer, redactText: (text: string) => string): Buffer {
  if (body.length === 0) return body;
  const encoding = isUtf8(body) ? 'utf8' : 'latin1';
  const before = body.toString(encoding);
  const after = redactText(before);
  return after === before ? body : Buffer.from(after, encoding);
}

function copyExchange(e: HttpExchange): HttpExchange {
  return {
    request: { ...e.request, headers: e.request.headers.map(([k, v]) => [k, v]) },
    response: { ...e.response, headers: e.response.headers.map(([k, v]) => [k, v]) },
    captures: { ...e.captures },
    durationMs: e.durationMs,
  };
}

/** A response the proxy makes up itself: JSON, marked with {@link OUTBOUND_MARKER_HEADER}. */
function madeUpResponse(status: number, marker: string, payload: unknown): HttpExchange['response'] {
  const body = Buffer.from(`${JSON.stringify(payload, null, 2)}\n`);
  return {
    status,
    statusText: STATUS_CODES[status] ?? '',
    headers: [
      ['content-type', 'application/json; charset=utf-8'],
      [OUTBOUND_MARKER_HEADER, marker],
      ['content-length', String(body.length)],
    ],
    body,
  };
}

function sendMadeUp(res: ServerResponse, status: number, marker: string, payload: unknown, closing: boolean): HttpExchange['response'] {
  const response = madeUpResponse(status, marker, payload);
  if (res.headersSent) {
    res.destroy();
    return response;
  }
  const head = response.headers.flatMap(([k, v]) => [k, v]);
  if (closing) head.push('connection', 'close');
  res.writeHead(status, response.statusText, head);
  res.end(response.body);
  return response;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
    req.on('close', () => {
      if (!req.complete) reject(new Error('the service closed the connection before the request body ended'));
    });
  });
}

// ------------------------------------------------------------------------------ recording

/** A call the recorder is forwarding. */
interface Forwarding {
  /** Ends the call now (close() grace period over): listed as cut off, connections destroyed. */
  abort: () => void;
}

class OutboundRecorder extends OutboundServer {
  protected mode = 'recorder';
  private readonly httpAgent = new HttpAgent({ keepAlive: true });
  private readonly httpsAgent = new HttpsAgent({ keepAlive: true });
  private readonly forwarding = new Set<Forwarding>();
  private readonly upstreamTunnels = new Set<Socket>();

  protected async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const target = absoluteUrl(req.url ?? '');
    if (target === null) {
      this.refuseNotProxyRequest(req, res, `the request target ${JSON.stringify(req.url)} is not an absolute http(s):// URL`);
      return;
    }
    if (this.pointsAtSelf(target)) {
      this.refuseNotProxyRequest(req, res, `${req.url} points at the proxy itself (a loop)`);
      return;
    }
    await this.forward(req, res, target);
  }

  /** Streams one call to its destination and the answer back, keeping copies of both bodies. */
  private forward(req: IncomingMessage, res: ServerResponse, target: URL): Promise<void> {
    const slot = this.slot();
    const method = req.method ?? 'GET';
    const startedAt = performance.now();
    const requestHeaders = pairHeaders(req.rawHeaders);
    const requestChunks: Buffer[] = [];
    const responseChunks: Buffer[] = [];
    const https = target.protocol === 'https:';
    return new Promise<void>((resolve) => {
      let settled = false;
      const job: Forwarding = { abort: () => undefined };
      this.forwarding.add(job);
      const settle = (outcome: () => void | Promise<void>): void => {
        if (settled) return;
        settled = true;
        this.forwarding.delete(job);
        Promise.resolve()
          .then(outcome)
          .catch((err: Error) => {
            // Recording must never break the traffic; a failure to keep a call is listed.
            slot.exchange = null;
            slot.unmatched = { method, url: this.redactUrl(req.url ?? ''), reason: `paritykit could not record this call: ${err.message}` };
          })
          .finally(resolve);
      };
      const upstream = (https ? httpsRequest : httpRequest)({
        protocol: target.protocol,
        hostname: target.hostname.replace(/^\[(.*)\]$/, '$1'),
        port: target.port === '' ? (https ? 443 : 80) : Number(target.port),
        path: `${target.pathname}${target.search}`,
        method,
        headers: withoutHopByHop(req.rawHeaders),
        agent: https ? this.httpsAgent : this.httpAgent,
      });
      job.abort = () => {
        settle(() => {
          slot.unmatched = { method, url: this.redactUrl(req.url ?? ''), reason: `still in flight ${CLOSE_GRACE_MS} ms after close(); cut off, not recorded` };
        });
        upstream.destroy();
        res.destroy();
      };
      req.on('data', (chunk: Buffer) => requestChunks.push(chunk));
      req.pipe(upstream);
      // The service gave up (its own timeout): the third party need not finish either.
      res.on('close', () => {
        if (res.writableFinished || settled) return;
        settle(() => {
          slot.unmatched = { method, url: this.redactUrl(req.url ?? ''), reason: 'the service closed the connection before the call ended; not recorded' };
        });
        upstream.destroy();
      });
      upstream.on('response', (answer) => {
        const status = answer.statusCode ?? 502;
        const head = withoutHopByHop(answer.rawHeaders);
        if (this.isClosing) head.push('connection', 'close');
        res.writeHead(status, answer.statusMessage ?? '', head);
        answer.on('data', (chunk: Buffer) => responseChunks.push(chunk));
        answer.on('close', () => {
          if (!answer.complete) {
            res.destroy();
            settle(() => {
              slot.unmatched = {
                method,
                url: this.redactUrl(req.url ?? ''),
                reason: `${target.origin} closed the connection in the middle of its answer; the service got a broken response; not recorded`,
              };
            });
          }
        });
        answer.pipe(res);
        res.on('finish', () =>
          settle(async () => {
            const rawHeaders = pairHeaders(answer.rawHeaders);
            const decoded = await decodeBody(Buffer.concat(responseChunks), headerValue(rawHeaders, 'content-encoding'));
            const requestBody = Buffer.concat(requestChunks);
            slot.exchange = this.redactExchange({
              request: { method, url: req.url ?? '', headers: requestHeaders, body: requestBody.length > 0 ? requestBody : null },
              response: {
                status,
                statusText: answer.statusMessage ?? '',
                headers: rawHeaders,
                body: decoded.body,
                ...(decoded.encoding !== undefined ? { encoding: decoded.encoding } : {}),
              },
              captures: {},
              durationMs: Math.max(0, performance.now() - startedAt),
            });
          }),
        );
      });
      upstream.on('error', (err: NodeJS.ErrnoException) => {
        if (settled) return;
        const detail = `${err.code ?? err.name}: ${err.message}`;
        if (res.headersSent) {
          res.destroy();
          settle(() => {
            slot.unmatched = { method, url: this.redactUrl(req.url ?? ''), reason: `${target.origin} failed mid-answer (${detail}); not recorded` };
          });
          return;
        }
        req.resume();
        const message = `paritykit outbound recorder: ${target.origin} could not be reached (${detail})`;
        const response = sendMadeUp(res, OUTBOUND_ERROR_STATUS, 'upstream-error', { error: 'paritykit_outbound_upstream_error', message }, this.isClosing);
        settle(() => {
          const requestBody = Buffer.concat(requestChunks);
          // Kept as a call: the candidate must get the same 502 the legacy got.
          slot.exchange = this.redactExchange({
            request: { method, url: req.url ?? '', headers: requestHeaders, body: requestBody.length > 0 ? requestBody : null },
            response,
            captures: {},
            durationMs: Math.max(0, performance.now() - startedAt),
          });
          slot.unmatched = { method, url: this.redactUrl(req.url ?? ''), reason: message };
        });
      });
    });
  }

  /**
   * CONNECT: the destination is connected first (unreachable → `502`, recorded). A tunnel that
   * carries TLS (or anything but HTTP) is passed through byte for byte and noted as an opaque
   * call; one that carries plain HTTP is served request by request like absolute-form calls.
   */
  protected async onConnect(req: IncomingMessage, socket: Socket, head: Buffer): Promise<void> {
    const slot = this.slot();
    const authority = req.url ?? '';
    const startedAt = performance.now();
    const opaque = (response: HttpExchange['response']): HttpExchange =>
      this.redactExchange({
        request: { method: 'CONNECT', url: authority, headers: pairHeaders(req.rawHeaders), body: null },
        response,
        captures: {},
        durationMs: Math.max(0, performance.now() - startedAt),
      });
    const destination = parseAuthority(authority);
    if (destination === null || this.isClosing) {
      const reason = destination === null ? `CONNECT target ${JSON.stringify(authority)} is not host:port` : 'the recorder was closing';
      socket.end(`HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
      slot.unmatched = { method: 'CONNECT', url: this.redactUrl(authority), reason };
      return;
    }
    const upstream = connect(destination.port, destination.host);
    this.trackTunnel(upstream);
    const reached = await new Promise<NodeJS.ErrnoException | null>((resolve) => {
      upstream.once('connect', () => resolve(null));
      upstream.on('error', (err: NodeJS.ErrnoException) => {
        resolve(err);
        socket.destroy();
      });
    });
    if (reached !== null) {
      const detail = `${reached.code ?? reached.name}: ${reached.message}`;
      slot.exchange = opaque({ status: OUTBOUND_ERROR_STATUS, statusText: 'Bad Gateway', headers: [], body: Buffer.alloc(0) });
      slot.unmatched = { method: 'CONNECT', url: this.redactUrl(authority), reason: `${authority} could not be reached (${detail})` };
      if (!socket.destroyed) socket.end(`HTTP/1.1 502 Bad Gateway\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
      return;
    }
    socket.once('close', () => upstream.destroy());
    const first = await this.openTunnel(socket, head);
    if (first === null) return;
    if (tunnelContent(first) === 'http') {
      // Each request is forwarded (and recorded) on its own; this connection is not needed.
      upstream.destroy();
      this.serveHttpTunnel(socket, first, authority);
      return;
    }
    slot.exchange = opaque({ status: 200, statusText: 'Connection Established', headers: [], body: Buffer.alloc(0) });
    upstream.write(first);
    upstream.pipe(socket);
    socket.pipe(upstream);
    socket.resume();
  }

  /** The third-party end of a tunnel, closed by close() (the base closes the service's end). */
  private trackTunnel(socket: Socket): void {
    this.upstreamTunnels.add(socket);
    socket.on('close', () => this.upstreamTunnels.delete(socket));
  }

  protected cutOff(): void {
    for (const job of [...this.forwarding]) job.abort();
  }

  protected releaseResources(): void {
    for (const socket of this.upstreamTunnels) socket.destroy();
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }
}

// ------------------------------------------------------------------------------- replaying

/** Codings a replayed body can be encoded with again, as the legacy got it. */
const ENCODERS: Record<string, (body: Buffer) => Buffer> = {
  gzip: (b) => zlib.gzipSync(b),
  'x-gzip': (b) => zlib.gzipSync(b),
  deflate: (b) => zlib.deflateSync(b),
  br: (b) => zlib.brotliCompressSync(b),
  ...(typeof zlib.zstdCompressSync === 'function' ? { zstd: (b: Buffer) => zlib.zstdCompressSync(b) } : {}),
};

/** Preview length of bodies in the `502` of an unmatched call (characters). */
const BODY_PREVIEW = 300;

/** What differs between an incoming call and a recorded one. */
type CallPart = 'method' | 'origin' | 'path' | 'query' | 'body';

class OutboundReplayer extends OutboundServer {
  protected mode = 'replayer';
  private readonly recorded: RecordedCall[];
  /** Recorded calls by key, in recorded order; `next` is the first answer not yet given. */
  private readonly queues = new Map<string, { calls: RecordedCall[]; next: number }>();
  private readonly matchOrigin: boolean;
  private readonly connectRecorded: Set<string>;

  constructor(recorded: HttpExchange[], redactText: ((text: string) => string) | null, matchOrigin: boolean) {
    super(redactText);
    this.matchOrigin = matchOrigin;
    this.connectRecorded = new Set(recorded.filter((e) => e.request.method.toUpperCase() === 'CONNECT').map((e) => e.request.url));
    this.recorded = recorded.flatMap((exchange, index) => {
      if (exchange.request.method.toUpperCase() === 'CONNECT') return [];
      const url = absoluteUrl(exchange.request.url)!;
      const body = exchange.request.body === null || exchange.request.body === undefined ? Buffer.alloc(0) : Buffer.from(exchange.request.body);
      const method = exchange.request.method.toUpperCase();
      return [{ index, exchange, method, url, body, key: this.keyOf(method, url, body) }];
    });
    for (const call of this.recorded) {
      const queue = this.queues.get(call.key) ?? { calls: [], next: 0 };
      queue.calls.push(call);
      this.queues.set(call.key, queue);
    }
  }

  /** Method, URL (with or without origin) and a digest of the body: JSON by value, else bytes. */
  private keyOf(method: string, url: URL, body: Buffer): string {
    const target = this.matchOrigin ? url.href.replace(/#.*$/, '') : `${url.pathname}${url.search}`;
    return `${method} ${target} ${bodyDigest(body)}`;
  }

  protected async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const target = absoluteUrl(req.url ?? '');
    if (target === null) {
      this.refuseNotProxyRequest(req, res, `the request target ${JSON.stringify(req.url)} is not an absolute http(s):// URL`);
      return;
    }
    const slot = this.slot();
    const startedAt = performance.now();
    const method = (req.method ?? 'GET').toUpperCase();
    let body: Buffer;
    try {
      body = await readBody(req);
    } catch (err) {
      slot.unmatched = { method, url: this.redactUrl(req.url ?? ''), reason: (err as Error).message };
      return;
    }
    // Matched as recorded: after the same redaction.
    const redactedUrl = absoluteUrl(this.redactUrl(req.url ?? '')) ?? target;
    const redactedBody = this.redacting ? redactBuffer(body, this.redactText) : body;
    const key = this.keyOf(method, redactedUrl, redactedBody);
    const queue = this.queues.get(key);
    const request: HttpExchange['request'] = {
      method: req.method ?? 'GET',
      url: req.url ?? '',
      headers: pairHeaders(req.rawHeaders),
      body: body.length > 0 ? body : null,
    };
    let response: HttpExchange['response'];
    if (queue !== undefined && queue.next < queue.calls.length) {
      const answer = queue.calls[queue.next++].exchange.response;
      response = sendRecorded(res, method, answer, this.isClosing);
    } else {
      const { reason, payload } = this.explainUnmatched(method, redactedUrl, redactedBody, queue);
      slot.unmatched = { method: req.method ?? 'GET', url: this.redactUrl(req.url ?? ''), reason };
      response = sendMadeUp(res, OUTBOUND_ERROR_STATUS, 'unmatched', payload, this.isClosing);
    }
    slot.exchange = this.redactExchange({ request, response, captures: {}, durationMs: Math.max(0, performance.now() - startedAt) });
  }

  /** Why a call has no recorded answer, and the `502` body that says so. */
  private explainUnmatched(
    method: string,
    url: URL,
    body: Buffer,
    queue: { calls: RecordedCall[]; next: number } | undefined,
  ): { reason: string; payload: unknown } {
    const asked = `${method} ${url.href}`;
    let reason: string;
    let nearest: { call: RecordedCall; differs: CallPart[] } | null;
    if (queue !== undefined) {
      const n = queue.calls.length;
      nearest = { call: queue.calls[n - 1], differs: [] };
      reason = `the legacy made this call ${n} time${n === 1 ? '' : 's'} and all ${n} recorded answer${n === 1 ? ' was' : 's were'} given; this is call ${n + 1}`;
    } else {
      nearest = this.nearest(method, url, body);
      reason =
        nearest === null
          ? `the legacy made no outbound HTTP call in this recording, so there is no answer for ${asked}`
          : `the legacy never made this call; nearest recorded call: ${nearest.call.method} ${nearest.call.exchange.request.url} (differs in ${nearest.differs.join(', ')})`;
    }
    const preview = (b: Buffer): string => {
      const text = isUtf8(b) ? b.toString('utf8') : `<${b.length} bytes of binary>`;
      return text.length > BODY_PREVIEW ? `${text.slice(0, BODY_PREVIEW)}…` : text;
    };
    const message = `paritykit outbound replayer: no recorded answer for ${asked}: ${reason}`;
    return {
      reason,
      payload: {
        error: 'paritykit_outbound_unmatched',
        message,
        request: { method, url: url.href, body: preview(body) },
        nearest:
          nearest === null
            ? null
            : { method: nearest.call.method, url: nearest.call.exchange.request.url, differs: nearest.differs, body: preview(nearest.call.body) },
      },
    };
  }

  /**
   * The recorded call closest to an unmatched one: fewest weighted differences (method 8,
   * origin 4, 2 per differing path segment, 1 per differing query parameter, body 1); ties go
   * to a call whose answers are not used up yet, then to the earliest.
   */
  private nearest(method: string, url: URL, body: Buffer): { call: RecordedCall; differs: CallPart[] } | null {
    let best: { call: RecordedCall; differs: CallPart[]; score: number; spent: boolean } | null = null;
    const bodyKey = bodyDigest(body);
    for (const call of this.recorded) {
      const differs: CallPart[] = [];
      let score = 0;
      if (call.method !== method) {
        differs.push('method');
        score += 8;
      }
      if (call.url.origin !== url.origin) {
        differs.push('origin');
        if (this.matchOrigin) score += 4;
      }
      const segments = pathDistance(call.url.pathname, url.pathname);
      if (segments > 0) {
        differs.push('path');
        score += 2 * segments;
      }
      const params = queryDistance(call.url.searchParams, url.searchParams);
      if (params > 0) {
        differs.push('query');
        score += params;
      }
      if (bodyDigest(call.body) !== bodyKey) {
        differs.push('body');
        score += 1;
      }
      const queue = this.queues.get(call.key)!;
      const spent = queue.next >= queue.calls.length;
      if (best === null || score < best.score || (score === best.score && best.spent && !spent)) {
        best = { call, differs, score, spent };
      }
    }
    return best === null ? null : { call: best.call, differs: best.differs };
  }

  /**
   * CONNECT: accepted when the recording holds plain-HTTP calls to that authority (any
   * authority when `matchOrigin` is false) — the tunnel's requests are then answered like
   * absolute-form calls. Refused (`502`) otherwise, and closed when it turns out to carry TLS:
   * nothing that went through TLS was seen, so there is no answer.
   */
  protected async onConnect(req: IncomingMessage, socket: Socket, head: Buffer): Promise<void> {
    const slot = this.slot();
    const authority = req.url ?? '';
    const exchange = (response: HttpExchange['response']): HttpExchange =>
      this.redactExchange({
        request: { method: 'CONNECT', url: authority, headers: pairHeaders(req.rawHeaders), body: null },
        response,
        captures: {},
        durationMs: 0,
      });
    if (!this.acceptsTunnel(authority)) {
      const reason = this.tlsReason(authority, `the legacy made no plain-HTTP call to ${authority}. `);
      const response = madeUpResponse(OUTBOUND_ERROR_STATUS, 'connect-refused', { error: 'paritykit_outbound_connect_refused', message: reason });
      const lines = response.headers.map(([k, v]) => `${k}: ${v}\r\n`).join('');
      socket.end(`HTTP/1.1 ${response.status} ${response.statusText}\r\n${lines}connection: close\r\n\r\n${response.body.toString('utf8')}`);
      slot.unmatched = { method: 'CONNECT', url: this.redactUrl(authority), reason };
      slot.exchange = exchange(response);
      return;
    }
    const first = await this.openTunnel(socket, head);
    if (first === null) return;
    if (tunnelContent(first) === 'http') {
      this.serveHttpTunnel(socket, first, authority);
      return;
    }
    socket.destroy();
    const what = tunnelContent(first) === 'tls' ? 'a TLS handshake' : 'something other than HTTP';
    slot.unmatched = { method: 'CONNECT', url: this.redactUrl(authority), reason: this.tlsReason(authority, `the tunnel carried ${what}, so it was closed. `) };
    slot.exchange = exchange({ status: 200, statusText: 'Connection Established', headers: [], body: Buffer.alloc(0) });
  }

  /** Whether a CONNECT may lead to recorded plain-HTTP calls. */
  private acceptsTunnel(authority: string): boolean {
    if (parseAuthority(authority) === null) return false;
    let host: string;
    try {
      host = new URL(`http://${authority}`).host;
    } catch {
      return false;
    }
    return this.recorded.some((call) => call.url.protocol === 'http:' && (!this.matchOrigin || call.url.host === host));
  }

  private tlsReason(authority: string, what: string): string {
    const recordedToo = this.connectRecorded.has(authority)
      ? `The legacy's call was recorded only as an opaque tunnel (CONNECT ${authority}), which holds no answer. `
      : '';
    return (
      `CONNECT ${authority} cannot be replayed: ${what}paritykit's outbound proxy cannot see inside TLS, so HTTPS calls are ` +
      `neither recorded nor replayed. ${recordedToo}Let the service call this third party over plain http:// during parity ` +
      `runs (point its base URL at http://…), so its calls are recorded and replayed`
    );
  }

  protected cutOff(): void {
    // Replayed answers are written at once; nothing waits on a third party.
  }

  protected releaseResources(): void {}
}

/** Writes a recorded answer; returns the response as given. */
function sendRecorded(res: ServerResponse, method: string, recorded: HttpExchange['response'], closing: boolean): HttpExchange['response'] {
  const bodiless = method === 'HEAD' || recorded.status === 204 || recorded.status === 304 || recorded.status < 200;
  const drop = new Set([...HOP_BY_HOP, 'content-length']);
  let body: Buffer = Buffer.from(recorded.body ?? Buffer.alloc(0));
  const headers = recorded.headers.filter(([name]) => !drop.has(name.toLowerCase()));
  if (recorded.encoding !== undefined) {
    const codings = recorded.encoding.split(',').map((c) => c.trim().toLowerCase()).filter((c) => c !== '');
    const withoutEncoding = headers.filter(([name]) => name.toLowerCase() !== 'content-encoding');
    if (codings.every((c) => c in ENCODERS)) {
      for (const coding of codings) body = ENCODERS[coding](body);
      headers.length = 0;
      headers.push(...withoutEncoding, ['content-encoding', codings.join(', ')]);
    } else {
      // Not encodable here: the decoded body, honestly labelled.
      headers.length = 0;
      headers.push(...withoutEncoding);
    }
  }
  if (bodiless) {
    // HEAD answers keep the length of the body a GET would have had.
    const length = recorded.headers.find(([name]) => name.toLowerCase() === 'content-length');
    if (length !== undefined && method === 'HEAD') headers.push(length);
  } else {
    headers.push(['content-length', String(body.length)]);
  }
  const head = headers.flatMap(([k, v]) => [k, v]);
  if (closing) head.push('connection', 'close');
  res.writeHead(recorded.status, recorded.statusText || (STATUS_CODES[recorded.status] ?? ''), head);
  res.end(bodiless ? undefined : body);
  return { ...recorded, headers: pairHeaders(head), body: bodiless ? Buffer.alloc(0) : Buffer.from(recorded.body ?? Buffer.alloc(0)) };
}

/** A digest of a request body: its JSON value (keys sorted) when it is JSON, else its bytes. */
function bodyDigest(body: Buffer): string {
  if (body.length === 0) return 'empty';
  const hash = createHash('sha256');
  const json = parseJson(body);
  if (json !== undefined) hash.update(`json:${canonicalJson(json)}`);
  else hash.update('bytes:').update(body);
  return hash.digest('hex');
}

function parseJson(body: Buffer): unknown {
  const text = isUtf8(body) ? body.toString('utf8').trim() : '';
  if (!text.startsWith('{') && !text.startsWith('[')) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** JSON with object keys sorted at every level. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** Path segments that differ by position, plus the difference in segment count. */
function pathDistance(a: string, b: string): number {
  const x = a.split('/');
  const y = b.split('/');
  let distance = Math.abs(x.length - y.length);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) distance++;
  return distance;
}

/** Query `name=value` pairs present on one side only. */
function queryDistance(a: URLSearchParams, b: URLSearchParams): number {
  const x = [...a].map(([k, v]) => `${k}=${v}`);
  const y = [...b].map(([k, v]) => `${k}=${v}`);
  const left = [...y];
  let distance = 0;
  for (const pair of x) {
    const i = left.indexOf(pair);
    if (i === -1) distance++;
    else left.splice(i, 1);
  }
  return distance + left.length;
}
