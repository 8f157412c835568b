import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createServer, request as httpRequest, Agent } from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage, OutgoingHttpHeaders, Server, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { brotliCompressSync, deflateRawSync, gzipSync } from 'node:zlib';
import { resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ParityError } from '../harness/errors.ts';
import type { HttpExchange } from '../harness/http-model.ts';
import { createRedactor } from '../harness/redact.ts';
import { readProcessMemory } from './process-tree.ts';
import { decodeBody, requestSpecsFromExchanges, startRecordingProxy } from './proxy.ts';
import type { ProxyOptions, RecordedScenario, RecordingProxy } from './proxy.ts';

// ------------------------------------------------------------------------------- helpers

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

type Handler = (req: IncomingMessage, res: ServerResponse, body: Buffer) => unknown;

/** A real upstream on 127.0.0.1 that reads the whole request body, then calls `handler`. */
async function startUpstream(handler: Handler, options: { streamBody?: boolean } = {}): Promise<{ url: string; server: Server; hits: string[] }> {
  const hits: string[] = [];
  const server = createServer((req, res) => {
    hits.push(`${req.method} ${req.url}`);
    if (options.streamBody) {
      void handler(req, res, Buffer.alloc(0));
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => void handler(req, res, Buffer.concat(chunks)));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanups.push(
    () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  );
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server, hits };
}

async function startProxy(options: Omit<ProxyOptions, 'port'> & { port?: number }): Promise<RecordingProxy> {
  const proxy = await startRecordingProxy({ port: 0, ...options });
  cleanups.push(() => proxy.close());
  return proxy;
}

interface Reply {
  status: number;
  statusMessage: string;
  headers: IncomingHttpHeaders;
  rawHeaders: string[];
  body: Buffer;
  socket: Socket;
  reusedSocket: boolean;
}

/** One request with node:http (no automatic decompression: the bytes as they came). */
function send(
  base: string,
  path: string,
  init: { method?: string; headers?: OutgoingHttpHeaders; body?: string | Buffer; agent?: Agent | false } = {},
): Promise<Reply> {
  return new Promise((resolvePromise, reject) => {
    const req = httpRequest(`${base}${path}`, { method: init.method ?? 'GET', headers: init.headers, agent: init.agent ?? false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolvePromise({
          status: res.statusCode ?? 0,
          statusMessage: res.statusMessage ?? '',
          headers: res.headers,
          rawHeaders: res.rawHeaders,
          body: Buffer.concat(chunks),
          socket: req.socket as Socket,
          reusedSocket: req.reusedSocket,
        }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(init.body);
  });
}

function header(exchange: HttpExchange, side: 'request' | 'response', name: string): string | undefined {
  return exchange[side].headers.find(([n]) => n === name)?.[1];
}

function only(scenarios: RecordedScenario[]): RecordedScenario {
  expect(scenarios).toHaveLength(1);
  return scenarios[0];
}

/** Everything a recording holds, as searchable text (bodies as latin1). */
function dump(scenarios: RecordedScenario[]): string {
  return JSON.stringify(scenarios, (_key, value: unknown) => {
    if (typeof value === 'object' && value !== null && (value as { type?: string }).type === 'Buffer') {
      return Buffer.from((value as { data: number[] }).data).toString('latin1');
    }
    return value;
  });
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolveFn!: () => void;
  const promise = new Promise<void>((r) => (resolveFn = r));
  return { promise, resolve: resolveFn };
}

// ---------------------------------------------------------------------------- transparency

describe('recording proxy: transparent forwarding', () => {
  it('streams the response: the client gets the first chunk before the legacy has finished', async () => {
    const clientGotFirstChunk = deferred();
    let upstreamFinished = false;
    const upstream = await startUpstream(async (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('first\n');
      // Wait for the client (or give up after 10 s, which makes the assertion below fail).
      await Promise.race([clientGotFirstChunk.promise, new Promise((r) => setTimeout(r, 10_000))]);
      upstreamFinished = true;
      res.end('second\n');
    });
    const proxy = await startProxy({ target: upstream.url });
    const observed = await new Promise<{ first: string; finishedThen: boolean; all: string }>((resolvePromise, reject) => {
      const req = httpRequest(`${proxy.url}/stream`, { agent: false }, (res) => {
        let all = '';
        let first: string | undefined;
        let finishedThen = true;
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          if (first === undefined) {
            first = chunk;
            finishedThen = upstreamFinished;
            clientGotFirstChunk.resolve();
          }
          all += chunk;
        });
        res.on('end', () => resolvePromise({ first: first ?? '', finishedThen, all }));
      });
      req.on('error', reject);
      req.end();
    });
    expect(observed.first).toBe('first\n');
    expect(observed.finishedThen).toBe(false);
    expect(observed.all).toBe('first\nsecond\n');
    await proxy.close();
    const exchange = only(proxy.scenarios()).exchanges[0];
    expect(exchange.response.body.toString()).toBe('first\nsecond\n');
  });

  it('passes chunked responses through and stores the whole body', async () => {
    const upstream = await startUpstream((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('alpha ');
      res.write('beta ');
      res.end('gamma');
    });
    const proxy = await startProxy({ target: upstream.url });
    const reply = await send(proxy.url, '/chunked');
    expect(reply.headers['transfer-encoding']).toBe('chunked');
    expect(reply.headers['content-length']).toBeUndefined();
    expect(reply.body.toString()).toBe('alpha beta gamma');
    await proxy.close();
    const exchange = only(proxy.scenarios()).exchanges[0];
    expect(exchange.response.body.toString()).toBe('alpha beta gamma');
    expect(header(exchange, 'response', 'transfer-encoding')).toBe('chunked');
  });

  it('keeps status text, repeated headers, their order and their case', async () => {
    const upstream = await startUpstream((_req, res) => {
      res.writeHead(299, 'Fine Thanks', ['X-Multi', 'one', 'Set-Cookie', 'a=1', 'x-multi', 'two', 'Set-Cookie', 'b=2', 'Content-Length', '2']);
      res.end('ok');
    });
    const proxy = await startProxy({ target: upstream.url });
    const reply = await send(proxy.url, '/headers');
    expect(reply.status).toBe(299);
    expect(reply.statusMessage).toBe('Fine Thanks');
    const sent = ['X-Multi', 'Set-Cookie', 'x-multi', 'Content-Length'];
    const pairs: string[] = [];
    for (let i = 0; i < reply.rawHeaders.length; i += 2) {
      if (sent.includes(reply.rawHeaders[i])) pairs.push(`${reply.rawHeaders[i]}: ${reply.rawHeaders[i + 1]}`);
    }
    expect(pairs).toEqual(['X-Multi: one', 'Set-Cookie: a=1', 'x-multi: two', 'Set-Cookie: b=2', 'Content-Length: 2']);
    await proxy.close();
    const exchange = only(proxy.scenarios()).exchanges[0];
    expect(exchange.response.statusText).toBe('Fine Thanks');
    expect(exchange.response.headers.filter(([n]) => n === 'x-multi')).toEqual([['x-multi', 'one'], ['x-multi', 'two']]);
  });

  it('forwards trailers of a chunked response', async () => {
    const upstream = await startUpstream((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain', trailer: 'x-checksum' });
      res.write('body');
      res.addTrailers({ 'x-checksum': 'abc123' });
      res.end();
    });
    const proxy = await startProxy({ target: upstream.url });
    const trailers = await new Promise<NodeJS.Dict<string>>((resolvePromise, reject) => {
      const req = httpRequest(`${proxy.url}/t`, { agent: false }, (res) => {
        res.resume();
        res.on('end', () => resolvePromise(res.trailers));
      });
      req.on('error', reject);
      req.end();
    });
    expect(trailers).toEqual({ 'x-checksum': 'abc123' });
  });

  it('keeps the client connection alive: two requests on one socket', async () => {
    const upstream = await startUpstream((req, res) => res.end(`you asked ${req.url}`));
    const proxy = await startProxy({ target: upstream.url, groupBy: 'connection' });
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    cleanups.push(async () => agent.destroy());
    const first = await send(proxy.url, '/a', { agent });
    const second = await send(proxy.url, '/b', { agent });
    expect(first.body.toString()).toBe('you asked /a');
    expect(second.body.toString()).toBe('you asked /b');
    expect(second.reusedSocket).toBe(true);
    expect(second.socket).toBe(first.socket);
    await send(proxy.url, '/c'); // a new connection
    await proxy.close();
    const scenarios = proxy.scenarios();
    expect(scenarios.map((s) => [s.id, s.exchanges.map((e) => e.request.url)])).toEqual([
      ['connection-1-get-a', ['/a', '/b']],
      ['connection-2-get-c', ['/c']],
    ]);
  });

  it('answers HEAD with the headers and no body', async () => {
    const upstream = await startUpstream((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1234' });
      res.end(req.method === 'HEAD' ? undefined : 'x'.repeat(1234));
    });
    const proxy = await startProxy({ target: upstream.url });
    const reply = await send(proxy.url, '/doc', { method: 'HEAD' });
    expect(reply.status).toBe(200);
    expect(reply.headers['content-length']).toBe('1234');
    expect(reply.body.length).toBe(0);
    await proxy.close();
    const exchange = only(proxy.scenarios()).exchanges[0];
    expect(exchange.request.method).toBe('HEAD');
    expect(exchange.response.body.length).toBe(0);
    expect(header(exchange, 'response', 'content-length')).toBe('1234');
  });

  it('passes 204 and 304 through without a body', async () => {
    const upstream = await startUpstream((req, res) => {
      if (req.url === '/gone') {
        res.writeHead(204, { 'x-deleted': 'yes' });
        res.end();
      } else if (req.headers['if-none-match'] === '"v1"') {
        res.writeHead(304, { etag: '"v1"' });
        res.end();
      } else {
        res.writeHead(200, { etag: '"v1"' });
        res.end('content');
      }
    });
    const proxy = await startProxy({ target: upstream.url, groupBy: 'connection' });
    const deleted = await send(proxy.url, '/gone', { method: 'DELETE' });
    expect([deleted.status, deleted.headers['x-deleted'], deleted.body.length]).toEqual([204, 'yes', 0]);
    const fresh = await send(proxy.url, '/doc');
    expect([fresh.status, fresh.body.toString()]).toEqual([200, 'content']);
    const cached = await send(proxy.url, '/doc', { headers: { 'if-none-match': '"v1"' } });
    expect([cached.status, cached.headers.etag, cached.body.length]).toEqual([304, '"v1"', 0]);
    await proxy.close();
    const statuses = proxy.scenarios().flatMap((s) => s.exchanges.map((e) => [e.response.status, e.response.body.length]));
    expect(statuses).toEqual([
      [204, 0],
      [200, 7],
      [304, 0],
    ]);
  });

  it.each([
    ['gzip', (b: Buffer) => gzipSync(b)],
    ['br', (b: Buffer) => brotliCompressSync(b)],
    ['deflate', (b: Buffer) => deflateRawSync(b)],
  ])('gives the client the %s bytes unchanged and stores the body decoded', async (coding, compress) => {
    const json = Buffer.from(JSON.stringify({ items: Array.from({ length: 200 }, (_, i) => ({ i, name: `item ${i}` })) }));
    const encoded = compress(json);
    const upstream = await startUpstream((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': coding, 'content-length': String(encoded.length) });
      res.end(encoded);
    });
    const proxy = await startProxy({ target: upstream.url });
    const reply = await send(proxy.url, '/items', { headers: { 'accept-encoding': 'gzip, br, deflate' } });
    expect(reply.headers['content-encoding']).toBe(coding);
    expect(reply.body.equals(encoded)).toBe(true);
    await proxy.close();
    const exchange = only(proxy.scenarios()).exchanges[0];
    expect(exchange.response.body.equals(json)).toBe(true);
    expect(exchange.response.encoding).toBe(coding);
    expect(header(exchange, 'response', 'content-encoding')).toBe(coding);
  });

  it('passes a WebSocket upgrade through (echo), notes it, and does not capture it', async () => {
    const upstream = await startUpstream((_req, res) => res.end('plain'));
    upstream.server.on('upgrade', (req: IncomingMessage, socket: Socket) => acceptWebSocketEcho(req, socket));
    const proxy = await startProxy({ target: upstream.url });
    const echoed = await new Promise<string>((resolvePromise, reject) => {
      const ws = new WebSocket(`${proxy.url.replace('http:', 'ws:')}/live?room=1`);
      ws.onopen = () => ws.send('hello through the proxy');
      ws.onmessage = (event) => {
        resolvePromise(String(event.data));
        ws.close();
      };
      ws.onerror = () => reject(new Error('WebSocket through the proxy failed'));
    });
    expect(echoed).toBe('hello through the proxy');
    await send(proxy.url, '/after'); // plain HTTP still works beside it
    await proxy.close();
    expect(proxy.scenarios().flatMap((s) => s.exchanges.map((e) => e.request.url))).toEqual(['/after']);
    expect(proxy.notes()).toEqual([expect.objectContaining({ kind: 'websocket', method: 'GET', url: '/live?room=1' })]);
  });

  it('answers 502 with an explanation when the legacy is down, and notes it', async () => {
    const closed = await startUpstream((_req, res) => res.end());
    const deadUrl = closed.url;
    await new Promise<void>((r) => closed.server.close(() => r()));
    const proxy = await startProxy({ target: deadUrl });
    const reply = await send(proxy.url, '/x');
    expect(reply.status).toBe(502);
    expect(reply.body.toString()).toContain(`the legacy at ${deadUrl} did not answer (ECONNREFUSED`);
    await proxy.close();
    expect(proxy.scenarios()).toEqual([]);
    expect(proxy.notes()).toEqual([expect.objectContaining({ kind: 'upstream-error', url: '/x' })]);
  });
});

/** Minimal RFC 6455 echo: handshake, then every text/binary frame back unmasked; close echoed. */
function acceptWebSocketEcho(req: IncomingMessage, socket: Socket): void {
  const accept = createHash('sha1').update(`${req.headers['sec-websocket-key']}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
  socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
  const frame = (opcode: number, payload: Buffer): Buffer => {
    const head = payload.length < 126 ? Buffer.from([0x80 | opcode, payload.length]) : Buffer.from([0x80 | opcode, 126, payload.length >> 8, payload.length & 0xff]);
    return Buffer.concat([head, payload]);
  };
  let pending = Buffer.alloc(0);
  socket.on('data', (data: Buffer) => {
    pending = Buffer.concat([pending, data]);
    while (pending.length >= 2) {
      const opcode = pending[0] & 0x0f;
      let length = pending[1] & 0x7f;
      let offset = 2;
      if (length === 126) {
        length = pending.readUInt16BE(2);
        offset = 4;
      }
      const masked = (pending[1] & 0x80) !== 0;
      const mask = masked ? pending.subarray(offset, offset + 4) : null;
      offset += masked ? 4 : 0;
      if (pending.length < offset + length) return;
      const payload = Buffer.from(pending.subarray(offset, offset + length));
      if (mask) for (let i = 0; i < payload.length; i++) payload[i] ^= mask[i % 4];
      pending = pending.subarray(offset + length);
      if (opcode === 8) socket.end(frame(8, payload));
      else if (opcode === 9) socket.write(frame(10, payload));
      else if (opcode === 1 || opcode === 2) socket.write(frame(opcode, payload));
    }
  });
  socket.on('end', () => socket.end());
  socket.on('error', () => socket.destroy());
}

// ------------------------------------------------------------------------------ big bodies

const MIB = 1024 * 1024;
const BIG = 50 * MIB;

/** Deterministic non-text bytes, streamed in 64 KiB chunks: chunk i is a fixed random block
 * with i written into its first 4 bytes. */
function bigStream(seed: number, total: number): Readable {
  const block = Buffer.from(createHash('sha512').update(String(seed)).digest());
  const base = Buffer.alloc(64 * 1024);
  for (let i = 0; i < base.length; i += block.length) block.copy(base, i);
  let sent = 0;
  let index = 0;
  return new Readable({
    read() {
      if (sent >= total) {
        this.push(null);
        return;
      }
      const chunk = Buffer.from(base.subarray(0, Math.min(base.length, total - sent)));
      chunk.writeUInt32BE(index++ >>> 0, 0);
      sent += chunk.length;
      this.push(chunk);
    },
  });
}

async function sha256Of(stream: Readable): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of stream) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

describe('recording proxy: 50 MB bodies', () => {
  /** Runs the proxy in a child process (recorders/fixtures/proxy/run-proxy.ts) so its memory is
   * its own; uploads 50 MB and downloads 50 MB (chunked) through it. */
  async function roundTrip(mode: 'capture' | 'skip') {
    const expectedUp = await sha256Of(bigStream(1, BIG));
    const expectedDown = await sha256Of(bigStream(2, BIG));
    let upstreamGot = '';
    const upstream = await startUpstream(
      async (req, res) => {
        const got = await sha256Of(req);
        if (req.url === '/upload') upstreamGot = got;
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        bigStream(2, req.url === '/upload' ? BIG : 4 * MIB).pipe(res);
      },
      { streamBody: true },
    );
    const child = spawn(process.execPath, [resolve(import.meta.dirname, 'fixtures/proxy/run-proxy.ts'), upstream.url, mode], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    cleanups.push(async () => {
      if (child.exitCode === null) child.kill('SIGKILL');
    });
    const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
    const { url } = JSON.parse((await lines.next()).value as string) as { url: string };
    const upload = (path: string, size: number) =>
      new Promise<string>((resolvePromise, reject) => {
        const headers = { 'content-length': String(size), 'content-type': 'application/octet-stream' };
        const req = httpRequest(`${url}${path}`, { method: 'POST', agent: false, headers }, (res) => {
          sha256Of(res).then(resolvePromise, reject);
        });
        req.on('error', reject);
        bigStream(1, size).pipe(req);
      });
    await upload('/warmup', 4 * MIB); // JIT and first allocations are not what is measured
    const before = (await readProcessMemory(child.pid!))!.hwmBytes;
    const downloaded = await upload('/upload', BIG);
    const peak = (await readProcessMemory(child.pid!))!.hwmBytes;
    child.stdin!.write('close\n');
    const result = JSON.parse((await lines.next()).value as string) as {
      summary: Array<{ id: string; exchanges: Array<Record<string, unknown>> }>;
    };
    return { expectedUp, expectedDown, upstreamGot, downloaded, growth: peak - before, summary: result.summary };
  }

  it('round-trips 50 MB each way and captures both bodies with bounded memory', async () => {
    const r = await roundTrip('capture');
    expect(r.upstreamGot).toBe(r.expectedUp);
    expect(r.downloaded).toBe(r.expectedDown);
    expect(r.summary).toHaveLength(1);
    expect(r.summary[0].exchanges).toEqual([
      expect.objectContaining({ requestBytes: BIG, requestSha256: r.expectedUp, responseBytes: BIG, responseSha256: r.expectedDown }),
    ]);
    // Captured: 100 MiB, held once (typically 110-140 MiB measured). On top: what forwarding
    // alone costs (allocator churn, see the next test) and the chunked response's one join at
    // the end. Holding a body twice would pass 200 MiB.
    console.info(`proxy RSS growth capturing 2 x 50 MB: ${(r.growth / MIB).toFixed(0)} MiB`);
    expect(r.growth).toBeLessThan(200 * MIB);
  });

  it('streams 50 MB each way without holding them when the exchange is not captured', async () => {
    const r = await roundTrip('skip');
    expect(r.upstreamGot).toBe(r.expectedUp);
    expect(r.downloaded).toBe(r.expectedDown);
    expect(r.summary).toEqual([]);
    // Holding the two bodies would take 100 MiB; streaming costs only allocator churn (64 KiB
    // socket chunks until GC frees them: typically ~40 MiB, up to ~70 on a busy machine).
    console.info(`proxy RSS growth forwarding 2 x 50 MB: ${(r.growth / MIB).toFixed(0)} MiB`);
    expect(r.growth).toBeLessThan(90 * MIB);
  });
});

// -------------------------------------------------------------------------------- grouping

describe('recording proxy: grouping into scenarios', () => {
  it('groups by session cookie, linking the login that set it, across connections', async () => {
    let n = 0;
    const upstream = await startUpstream((req, res) => {
      if (req.url === '/login') {
        n++;
        res.writeHead(200, { 'set-cookie': `sid=session-value-${n}${randomBytes(4).toString('hex')}; Path=/; HttpOnly`, 'content-type': 'application/json' });
        res.end(`{"user":"u${n}"}`);
      } else {
        res.end(`cookie was ${req.headers.cookie ?? 'none'}`);
      }
    });
    const proxy = await startProxy({ target: upstream.url });
    const login = async () => {
      const reply = await send(proxy.url, '/login', { method: 'POST' });
      return String(reply.headers['set-cookie']![0]).split(';')[0];
    };
    const annCookie = await login();
    const bobCookie = await login();
    await send(proxy.url, '/me', { headers: { cookie: `theme=dark; ${annCookie}` } });
    await send(proxy.url, '/me', { headers: { cookie: bobCookie } });
    await send(proxy.url, '/orders', { headers: { cookie: annCookie } });
    await send(proxy.url, '/health');
    await proxy.close();
    expect(proxy.scenarios().map((s) => [s.id, s.exchanges.map((e) => `${e.request.method} ${e.request.url}`)])).toEqual([
      ['session-1-post-login', ['POST /login', 'GET /me', 'GET /orders']],
      ['session-2-post-login', ['POST /login', 'GET /me']],
      ['session-3-get-health', ['GET /health']],
    ]);
  });

  it('honours configured session cookie names', async () => {
    const upstream = await startUpstream((_req, res) => res.end('ok'));
    const proxy = await startProxy({ target: upstream.url, sessionCookies: ['APPSESSION'] });
    await send(proxy.url, '/a', { headers: { cookie: 'appsession=one-session-value' } });
    await send(proxy.url, '/b', { headers: { cookie: 'appsession=one-session-value' } });
    await send(proxy.url, '/c', { headers: { cookie: 'sid=not-a-session-cookie-now' } });
    await proxy.close();
    expect(proxy.scenarios().map((s) => s.exchanges.length)).toEqual([2, 1]);
  });

  it('groups by Authorization value, and links a token to the response that handed it out', async () => {
    const upstream = await startUpstream((req, res) => {
      res.setHeader('content-type', 'application/json');
      if (req.url === '/token') res.end(JSON.stringify({ access_token: 'tok-issued-by-legacy-1', expires_in: 3600 }));
      else res.end(JSON.stringify({ path: req.url }));
    });
    const proxy = await startProxy({ target: upstream.url, redactBodyPaths: ['$.access_token'] });
    await send(proxy.url, '/token', { method: 'POST' });
    await send(proxy.url, '/orders', { headers: { authorization: 'Bearer tok-other-client-99' } });
    await send(proxy.url, '/orders', { headers: { authorization: 'Bearer tok-issued-by-legacy-1' } });
    await send(proxy.url, '/invoices', { headers: { authorization: 'Bearer tok-other-client-99' } });
    await proxy.close();
    const scenarios = proxy.scenarios();
    expect(scenarios.map((s) => [s.id, s.exchanges.map((e) => `${e.request.url} ${header(e, 'request', 'authorization') ?? ''}`.trim())])).toEqual([
      ['session-1-post-token', ['/token', '/orders Bearer <redacted:access_token:1>']],
      ['session-2-get-orders', ['/orders Bearer <redacted:authorization:1>', '/invoices Bearer <redacted:authorization:1>']],
    ]);
    // The replayable flow captures the token where the legacy handed it out.
    const [tokenRequest, ordersRequest] = scenarios[0].requests;
    expect(tokenRequest.capture).toEqual({ token_access_token: { json: '$.access_token' } });
    expect(ordersRequest.headers?.authorization).toBe('Bearer {{token_access_token}}');
  });

  it('groups by time window: a gap longer than idleMs starts a new scenario', async () => {
    const upstream = await startUpstream((_req, res) => res.end('ok'));
    const proxy = await startProxy({ target: upstream.url, groupBy: { idleMs: 500 } });
    await send(proxy.url, '/one');
    await send(proxy.url, '/two');
    await new Promise((r) => setTimeout(r, 1_200));
    await send(proxy.url, '/three');
    await proxy.close();
    expect(proxy.scenarios().map((s) => [s.id, s.exchanges.length])).toEqual([
      ['window-1-get-one', 2],
      ['window-2-get-three', 1],
    ]);
  });
});

// --------------------------------------------------------------- filters, redaction, dedupe

describe('recording proxy: filters', () => {
  it('forwards everything but captures only allowed methods and paths', async () => {
    const upstream = await startUpstream((req, res) => res.end(`${req.method} ${req.url}`));
    const proxy = await startProxy({
      target: upstream.url,
      filter: { methods: ['get', 'POST'], allow: ['/api/**'], deny: ['/api/internal/**'] },
    });
    const replies = await Promise.all([
      send(proxy.url, '/api/orders?page=2'),
      send(proxy.url, '/api/orders/1', { method: 'DELETE' }),
      send(proxy.url, '/static/app.css'),
      send(proxy.url, '/api/internal/metrics'),
    ]);
    expect(replies.map((r) => r.body.toString())).toEqual([
      'GET /api/orders?page=2',
      'DELETE /api/orders/1',
      'GET /static/app.css',
      'GET /api/internal/metrics',
    ]);
    expect(upstream.hits).toHaveLength(4);
    await proxy.close();
    expect(proxy.scenarios().flatMap((s) => s.exchanges.map((e) => e.request.url))).toEqual(['/api/orders?page=2']);
  });
});

describe('recording proxy: redaction before storing', () => {
  it('replaces secrets by stable placeholders: same secret, same placeholder, across headers and bodies', async () => {
    const upstream = await startUpstream((req, res, body) => {
      res.setHeader('content-type', 'application/json');
      if (req.url === '/login') {
        res.setHeader('set-cookie', ['sid=cookie-secret-AAAA; Path=/', 'lang=en']);
        res.end(JSON.stringify({ user: { name: 'ann', ssn: '123-45-6789' }, account: 'acct-123456', echo: JSON.parse(body.toString()) }));
      } else {
        res.end(JSON.stringify({ key: req.headers['x-api-key'] === 'key-AAAA1111' ? 'first' : 'second' }));
      }
    });
    const proxy = await startProxy({
      target: upstream.url,
      redactHeaders: ['X-Api-Key'],
      redactBodyPaths: ['$.password', '$.user.ssn'],
      redactText: createRedactor(['acct-\\d{6}']).redactText,
    });
    const basic = 'Basic YW5uOmh1bnRlcjItc2VjcmV0';
    await send(proxy.url, '/login', {
      method: 'POST',
      headers: { authorization: basic, 'x-api-key': 'key-AAAA1111', 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'ann', password: 'hunter2-secret' }),
    });
    await send(proxy.url, '/profile', { headers: { authorization: basic, 'x-api-key': 'key-AAAA1111', cookie: 'sid=cookie-secret-AAAA' } });
    await send(proxy.url, '/profile', { headers: { authorization: basic, 'x-api-key': 'key-BBBB2222', cookie: 'sid=cookie-secret-AAAA' } });
    await proxy.close();
    const scenarios = proxy.scenarios();
    const text = dump(scenarios);
    for (const secret of ['YW5uOmh1bnRlcjItc2VjcmV0', 'key-AAAA1111', 'key-BBBB2222', 'cookie-secret-AAAA', 'hunter2-secret', '123-45-6789', 'acct-123456']) {
      expect(text).not.toContain(secret);
    }
    const [login, profile1, profile2] = only(scenarios).exchanges;
    expect(header(login, 'request', 'authorization')).toBe('Basic <redacted:authorization:1>');
    expect(header(profile1, 'request', 'authorization')).toBe('Basic <redacted:authorization:1>');
    expect(header(login, 'request', 'x-api-key')).toBe('<redacted:x-api-key:1>');
    expect(header(profile1, 'request', 'x-api-key')).toBe('<redacted:x-api-key:1>');
    expect(header(profile2, 'request', 'x-api-key')).toBe('<redacted:x-api-key:2>');
    expect(login.response.headers.filter(([n]) => n === 'set-cookie').map(([, v]) => v)).toEqual([
      'sid=<redacted:cookie:1>; Path=/',
      'lang=<redacted:cookie:2>',
    ]);
    expect(header(profile1, 'request', 'cookie')).toBe('sid=<redacted:cookie:1>');
    expect(JSON.parse(login.request.body!.toString())).toEqual({ username: 'ann', password: '<redacted:password:1>' });
    expect(JSON.parse(login.response.body.toString())).toEqual({
      user: { name: 'ann', ssn: '<redacted:ssn:1>' },
      account: '<redacted>',
      echo: { username: 'ann', password: '<redacted:password:1>' },
    });
  });

  it('redacts form fields named by body paths', async () => {
    const upstream = await startUpstream((_req, res) => res.end('ok'));
    const proxy = await startProxy({ target: upstream.url, redactBodyPaths: ['$.password'] });
    await send(proxy.url, '/login', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'user=ann&password=s3cret%21pass',
    });
    await proxy.close();
    const exchange = only(proxy.scenarios()).exchanges[0];
    expect(exchange.request.body!.toString()).toBe('user=ann&password=<redacted:password:1>');
    expect(only(proxy.scenarios()).requests[0].body).toEqual({ form: { user: 'ann', password: '<redacted:password:1>' } });
  });
});

describe('recording proxy: de-duplication', () => {
  it('stores an identical exchange once per scenario, ignoring volatile headers', async () => {
    const orders: string[] = [];
    const upstream = await startUpstream((req, res, body) => {
      res.setHeader('x-request-id', randomBytes(8).toString('hex'));
      res.setHeader('etag', `"${randomBytes(4).toString('hex')}"`);
      if (req.method === 'POST') orders.push(body.toString());
      res.end(JSON.stringify(orders));
    });
    const proxy = await startProxy({ target: upstream.url, groupBy: 'connection' });
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    cleanups.push(async () => agent.destroy());
    await send(proxy.url, '/orders', { agent, headers: { 'x-request-id': 'r1' } });
    await send(proxy.url, '/orders', { agent, headers: { 'x-request-id': 'r2' } });
    await send(proxy.url, '/orders', { agent, method: 'POST', body: 'pen' });
    await send(proxy.url, '/orders', { agent, headers: { 'x-request-id': 'r3' } });
    await send(proxy.url, '/orders', { agent, headers: { 'x-request-id': 'r4' } });
    await send(proxy.url, '/orders', { agent, headers: { accept: 'text/csv' } });
    await proxy.close();
    expect(
      only(proxy.scenarios()).exchanges.map((e) => `${e.request.method} ${header(e, 'request', 'accept') ?? ''} -> ${e.response.body.toString()}`),
    ).toEqual(['GET  -> []', 'POST  -> ["pen"]', 'GET  -> ["pen"]', 'GET text/csv -> ["pen"]']);
  });
});

describe('recording proxy: close()', () => {
  it('waits for an in-flight exchange, captures it, then refuses new connections', async () => {
    const release = deferred();
    const upstream = await startUpstream(async (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('part one, ');
      await release.promise;
      res.end('part two');
    });
    const proxy = await startProxy({ target: upstream.url });
    const firstChunk = deferred();
    const reply = new Promise<string>((resolvePromise, reject) => {
      const req = httpRequest(`${proxy.url}/slow`, { agent: false }, (res) => {
        let all = '';
        res.on('data', (c: Buffer) => {
          all += c.toString();
          firstChunk.resolve();
        });
        res.on('end', () => resolvePromise(all));
      });
      req.on('error', reject);
      req.end();
    });
    await firstChunk.promise;
    let closed = false;
    const closing = proxy.close().then(() => (closed = true));
    await new Promise((r) => setTimeout(r, 50));
    expect(closed).toBe(false);
    expect(proxy.scenarios()).toEqual([]);
    release.resolve();
    expect(await reply).toBe('part one, part two');
    await closing;
    expect(only(proxy.scenarios()).exchanges[0].response.body.toString()).toBe('part one, part two');
    await expect(send(proxy.url, '/late')).rejects.toThrow(/ECONNREFUSED/);
    await proxy.close(); // idempotent
  });
});

describe('recording proxy: what is not captured is noted', () => {
  it('notes an exchange the client abandoned mid-response, and stores nothing', async () => {
    const release = deferred();
    const upstream = await startUpstream(async (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('partial');
      await release.promise;
      res.end(' rest');
    });
    const proxy = await startProxy({ target: upstream.url });
    await new Promise<void>((resolvePromise) => {
      const req = httpRequest(`${proxy.url}/abandoned`, { agent: false }, (res) => {
        res.once('data', () => {
          req.destroy();
          resolvePromise();
        });
      });
      req.on('error', () => undefined);
      req.end();
    });
    release.resolve();
    await proxy.close();
    expect(proxy.scenarios()).toEqual([]);
    expect(proxy.notes()).toEqual([expect.objectContaining({ kind: 'incomplete', url: '/abandoned' })]);
  });

  it('forwards a body larger than maxBodyBytes but does not capture it', async () => {
    const upstream = await startUpstream((_req, res, body) => res.end(`got ${body.length} bytes`));
    const proxy = await startProxy({ target: upstream.url, maxBodyBytes: 1024 });
    const reply = await send(proxy.url, '/upload', { method: 'POST', body: Buffer.alloc(4096, 1) });
    expect(reply.body.toString()).toBe('got 4096 bytes');
    await send(proxy.url, '/small', { method: 'POST', body: 'tiny' });
    await proxy.close();
    expect(proxy.scenarios().flatMap((s) => s.exchanges.map((e) => e.request.url))).toEqual(['/small']);
    expect(proxy.notes()).toEqual([expect.objectContaining({ kind: 'too-large', url: '/upload', detail: expect.stringContaining('1024 bytes') })]);
  });

  it('stores a body whose content-encoding does not decode as received, and notes it', async () => {
    const upstream = await startUpstream((_req, res) => {
      res.writeHead(200, { 'content-encoding': 'gzip', 'content-type': 'text/plain' });
      res.end('not gzip at all');
    });
    const proxy = await startProxy({ target: upstream.url });
    const reply = await send(proxy.url, '/broken');
    expect(reply.body.toString()).toBe('not gzip at all');
    await proxy.close();
    const scenario = only(proxy.scenarios());
    expect(scenario.exchanges[0].response.body.toString()).toBe('not gzip at all');
    expect(scenario.exchanges[0].response.encoding).toBeUndefined();
    expect(proxy.notes()).toEqual([
      expect.objectContaining({ kind: 'undecodable', url: '/broken', scenarioId: scenario.id, detail: expect.stringContaining('could not be decoded') }),
    ]);
  });

  it('close() ends open WebSockets instead of waiting for them', async () => {
    const upstream = await startUpstream((_req, res) => res.end());
    upstream.server.on('upgrade', (req: IncomingMessage, socket: Socket) => acceptWebSocketEcho(req, socket));
    const proxy = await startProxy({ target: upstream.url });
    const ws = new WebSocket(`${proxy.url.replace('http:', 'ws:')}/live`);
    await new Promise<void>((resolvePromise, reject) => {
      ws.onopen = () => resolvePromise();
      ws.onerror = () => reject(new Error('WebSocket through the proxy failed'));
    });
    const closedByProxy = new Promise<void>((resolvePromise) => (ws.onclose = () => resolvePromise()));
    await proxy.close();
    await closedByProxy;
    expect(ws.readyState).toBe(WebSocket.CLOSED);
  });
});

describe('startRecordingProxy: options', () => {
  it('rejects a target that is not an http(s) URL', async () => {
    await expect(startRecordingProxy({ target: 'ftp://legacy', port: 0 })).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
    await expect(startRecordingProxy({ target: 'legacy:3000', port: 0 })).rejects.toThrow(ParityError);
  });

  it('rejects an unsupported body path and a bad groupBy', async () => {
    await expect(startRecordingProxy({ target: 'http://127.0.0.1:1', port: 0, redactBodyPaths: ['$.items[?(@.x)]'] })).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      message: expect.stringContaining('redactBodyPaths'),
    });
    await expect(startRecordingProxy({ target: 'http://127.0.0.1:1', port: 0, groupBy: { idleMs: -1 } })).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
    });
  });

  it('says which port is in use', async () => {
    const first = await startProxy({ target: 'http://127.0.0.1:1' });
    const port = Number(new URL(first.url).port);
    await expect(startRecordingProxy({ target: 'http://127.0.0.1:1', port })).rejects.toMatchObject({
      code: 'USAGE',
      message: expect.stringContaining(`127.0.0.1:${port}: the port is in use`),
    });
  });
});

// ---------------------------------------------------------------- decoding and derivation

describe('decodeBody', () => {
  const text = Buffer.from('hello hello hello');
  it('undoes several codings in reverse order', async () => {
    const body = brotliCompressSync(gzipSync(text));
    expect(await decodeBody(body, 'gzip, br')).toEqual({ body: text, encoding: 'gzip, br' });
  });
  it('keeps the bytes and says why when a coding is unknown or the body is corrupt', async () => {
    expect(await decodeBody(text, 'compress')).toEqual({ body: text, problem: expect.stringContaining('compress is not supported') });
    expect(await decodeBody(text, 'gzip')).toEqual({ body: text, problem: expect.stringContaining('could not be decoded') });
    expect(await decodeBody(text, 'identity')).toEqual({ body: text });
  });
});

function exchange(method: string, url: string, status: number, responseBody: unknown, extra: Partial<HttpExchange['request']> & { responseHeaders?: Array<[string, string]> } = {}): HttpExchange {
  return {
    request: { method, url, headers: extra.headers ?? [], body: extra.body ?? null },
    response: {
      status,
      statusText: '',
      headers: [['content-type', 'application/json'], ...(extra.responseHeaders ?? [])],
      body: Buffer.from(JSON.stringify(responseBody)),
    },
    captures: {},
    durationMs: 1,
  };
}

describe('requestSpecsFromExchanges', () => {
  it('turns ids a response handed out into captures where later requests send them back', () => {
    const flow = [
      exchange('POST', '/orders', 201, { id: 42, status: 'new', total: 42 }, {
        headers: [['content-type', 'application/json'], ['host', 'x'], ['cookie', 'sid=<redacted:cookie:1>']],
        body: Buffer.from('{"sku":"pen","qty":2}'),
        responseHeaders: [['location', '/orders/42']],
      }),
      exchange('GET', '/orders/42?expand=items&page=42', 200, { id: 42 }, { headers: [['x-order-id', '42'], ['dnt', '42']] }),
      exchange('POST', '/payments', 201, { paymentRef: 'pay_7f3c9a1b' }, {
        headers: [['content-type', 'application/json']],
        body: Buffer.from('{"order_id":"42","amount":42}'),
      }),
      exchange('GET', '/payments/pay_7f3c9a1b', 200, {}),
      exchange('PUT', '/files/1', 204, '', { headers: [['content-type', 'image/png']], body: Buffer.from([0x89, 0x50, 0, 1]) }),
    ];
    const { requests, exchanges } = requestSpecsFromExchanges(flow, 'orders-flow');
    expect(requests).toEqual([
      {
        method: 'POST',
        path: '/orders',
        body: { json: { sku: 'pen', qty: 2 } },
        capture: { orders_id: { json: '$.id' } },
      },
      {
        method: 'GET',
        path: '/orders/{{orders_id}}',
        query: { expand: 'items', page: '42' },
        headers: { 'x-order-id': '{{orders_id}}', dnt: '42' },
      },
      {
        method: 'POST',
        path: '/payments',
        body: { json: { order_id: '{{orders_id}}', amount: 42 } },
        capture: { payments_paymentRef: { json: '$.paymentRef' } },
      },
      { method: 'GET', path: '/payments/{{payments_paymentRef}}' },
      { method: 'PUT', path: '/files/1', body: { file: 'bodies/orders-flow/4.bin', contentType: 'image/png' } },
    ]);
    expect(exchanges.map((e) => e.captures)).toEqual([{ orders_id: '42' }, {}, { payments_paymentRef: 'pay_7f3c9a1b' }, {}, {}]);
    expect(flow[0].captures).toEqual({}); // input untouched
  });

  it('captures a Location carrying an id when the whole path and query are the redirect target', () => {
    const flow = [
      exchange('POST', '/carts', 303, {}, { responseHeaders: [['location', '/carts/c_91f3a2?step=2']] }),
      exchange('GET', '/carts/c_91f3a2?step=2', 200, {}),
      exchange('POST', '/login', 302, {}, { responseHeaders: [['location', '/account']] }),
      exchange('GET', '/account', 200, {}),
    ];
    const { requests } = requestSpecsFromExchanges(flow, 's');
    expect(requests[0].capture).toEqual({ carts_location: { header: 'location' } });
    expect(requests[1]).toEqual({ method: 'GET', path: '{{carts_location}}' });
    // A fixed redirect target is replayed literally.
    expect(requests[2].capture).toBeUndefined();
    expect(requests[3]).toEqual({ method: 'GET', path: '/account' });
  });
});
