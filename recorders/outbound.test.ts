import { spawn } from 'node:child_process';
import { createServer, request as httpRequest, Agent } from 'node:http';
import type { IncomingMessage, OutgoingHttpHeaders, Server, ServerResponse } from 'node:http';
import { createServer as createTcpServer, connect } from 'node:net';
import type { AddressInfo, Server as TcpServer } from 'node:net';
import { brotliCompressSync, gunzipSync, gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { ParityError } from '../harness/errors.ts';
import type { HttpExchange } from '../harness/http-model.ts';
import { createRedactor } from '../harness/redact.ts';
import { OUTBOUND_MARKER_HEADER, startOutboundRecorder, startOutboundReplayer } from './outbound.ts';
import type { OutboundProxy } from './outbound.ts';

// ------------------------------------------------------------------------------- helpers

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

type Handler = (req: IncomingMessage, res: ServerResponse, body: Buffer) => void;

interface ThirdParty {
  /** `http://127.0.0.1:PORT` */
  origin: string;
  port: number;
  /** `METHOD path` of each request it received, and its headers. */
  hits: Array<{ line: string; headers: IncomingMessage['headers']; body: string }>;
  stop(): Promise<void>;
}

/** A fake third-party service on 127.0.0.1 that reads the request body, then calls `handler`. */
async function startThirdParty(handler: Handler): Promise<ThirdParty> {
  const hits: ThirdParty['hits'] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      hits.push({ line: `${req.method} ${req.url}`, headers: req.headers, body: body.toString('utf8') });
      handler(req, res, body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  };
  cleanups.push(stop);
  return { origin: `http://127.0.0.1:${port}`, port, hits, stop };
}

/** The payment service of these tests: 201 with an id derived from the request, 402 over 5,000. */
function payments(): Handler {
  return (req, res, body) => {
    const payment = JSON.parse(body.toString('utf8') || '{}') as { orderId?: number; amountCents?: number };
    const declined = (payment.amountCents ?? 0) > 500_000;
    res.writeHead(declined ? 402 : 201, { 'content-type': 'application/json', 'x-payment-region': 'eu-1' });
    res.end(JSON.stringify(declined ? { status: 'declined' } : { id: `pay_${payment.orderId}_${payment.amountCents}`, status: 'captured' }));
  };
}

async function recorder(options?: Parameters<typeof startOutboundRecorder>[0]): Promise<OutboundProxy> {
  const proxy = await startOutboundRecorder(options);
  cleanups.push(() => proxy.close());
  return proxy;
}

async function replayer(recorded: HttpExchange[], options?: Parameters<typeof startOutboundReplayer>[1]): Promise<OutboundProxy> {
  const proxy = await startOutboundReplayer(recorded, options);
  cleanups.push(() => proxy.close());
  return proxy;
}

interface Reply {
  status: number;
  statusMessage: string;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

/**
 * One call the way a service behind HTTP_PROXY makes it: to the proxy's host and port, with the
 * absolute URL as the request target (absolute-form). No automatic decompression.
 */
function callThrough(
  proxyUrl: string,
  absoluteUrl: string,
  init: { method?: string; headers?: OutgoingHttpHeaders; body?: string | Buffer; agent?: Agent | false } = {},
): Promise<Reply> {
  const proxy = new URL(proxyUrl);
  const target = new URL(absoluteUrl);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: proxy.hostname,
        port: Number(proxy.port),
        path: absoluteUrl,
        method: init.method ?? 'GET',
        headers: { host: target.host, ...init.headers },
        agent: init.agent ?? false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, statusMessage: res.statusMessage ?? '', headers: res.headers, body: Buffer.concat(chunks) }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(init.body);
  });
}

const pay = (proxyUrl: string, origin: string, payment: object, headers: OutgoingHttpHeaders = {}): Promise<Reply> =>
  callThrough(proxyUrl, `${origin}/payments`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(payment),
  });

const json = (b: Buffer): unknown => JSON.parse(b.toString('utf8'));
const header = (e: HttpExchange['request'] | HttpExchange['response'], name: string): string | undefined =>
  e.headers.find(([n]) => n === name)?.[1];

/** A plain TCP server standing for a TLS endpoint: CONNECT tunnels bytes, whatever they are. */
async function startTcpEcho(): Promise<{ port: number; server: TcpServer }> {
  const server = createTcpServer((socket) => socket.on('data', (d) => socket.write(Buffer.concat([Buffer.from('echo:'), d]))));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
  return { port: (server.address() as AddressInfo).port, server };
}

/** Sends `CONNECT authority` to the proxy; resolves with the first bytes it answers and the socket. */
function sendConnect(proxyUrl: string, authority: string): Promise<{ head: string; socket: import('node:net').Socket }> {
  const proxy = new URL(proxyUrl);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(proxy.port), proxy.hostname, () => {
      socket.write(`CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\n\r\n`);
    });
    let received = '';
    const onData = (d: Buffer): void => {
      received += d.toString('latin1');
      const end = received.indexOf('\r\n\r\n');
      if (end === -1) return;
      socket.off('data', onData);
      // A refusal carries a body after the head: wait for the socket to end and keep all of it.
      if (!/^HTTP\/1\.1 200/.test(received)) {
        socket.on('data', (more: Buffer) => (received += more.toString('latin1')));
        socket.on('end', () => resolve({ head: received, socket }));
        socket.on('close', () => resolve({ head: received, socket }));
        return;
      }
      resolve({ head: received, socket });
    };
    socket.on('data', onData);
    socket.on('error', reject);
  });
}

/**
 * Runs `script` in a child Node with Node's own proxy support on (`NODE_USE_ENV_PROXY=1`): its
 * `fetch` then reaches `http://` URLs through a CONNECT tunnel to HTTP_PROXY. Resolves with stdout.
 */
function runFetchService(script: string, proxyUrl: string, env: Record<string, string> = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', script], {
      env: { PATH: process.env.PATH, NODE_USE_ENV_PROXY: '1', HTTP_PROXY: proxyUrl, http_proxy: proxyUrl, NO_PROXY: '', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(stdout.trim()) : reject(new Error(`service exited ${code}: ${stderr}`))));
  });
}

/** A service that makes its payment calls with fetch and prints `status body` per call. */
const fetchService = (calls: Array<{ orderId: number; amountCents: number }>): string => `
  (async () => {
    for (const payment of ${JSON.stringify(calls)}) {
      const res = await fetch(process.env.PAYMENT_URL + '/payments', {
        method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(payment) });
      console.log(res.status + ' ' + (await res.text()));
    }
  })().catch((e) => { console.error(e); process.exit(1); });`;

/** Records `run` against a live third party, then returns the calls. */
async function record(run: (proxyUrl: string) => Promise<unknown>, options?: Parameters<typeof startOutboundRecorder>[0]): Promise<HttpExchange[]> {
  const proxy = await recorder(options);
  await run(proxy.url);
  await proxy.close();
  return proxy.calls();
}

// ------------------------------------------------------------------------------- record

describe('startOutboundRecorder', () => {
  it('forwards an absolute-form call to the third party and records it with its absolute URL', async () => {
    const thirdParty = await startThirdParty(payments());
    const proxy = await recorder();
    expect(proxy.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

    const reply = await pay(proxy.url, thirdParty.origin, { orderId: 7, amountCents: 1250, currency: 'EUR' });

    expect(reply.status).toBe(201);
    expect(reply.headers['x-payment-region']).toBe('eu-1');
    expect(json(reply.body)).toEqual({ id: 'pay_7_1250', status: 'captured' });
    // The third party saw an ordinary origin-form request with the service's Host.
    expect(thirdParty.hits.map((h) => h.line)).toEqual(['POST /payments']);
    expect(thirdParty.hits[0].headers.host).toBe(`127.0.0.1:${thirdParty.port}`);

    const calls = proxy.calls();
    expect(calls).toHaveLength(1);
    const [call] = calls;
    expect(call.request.method).toBe('POST');
    expect(call.request.url).toBe(`${thirdParty.origin}/payments`);
    expect(header(call.request, 'content-type')).toBe('application/json');
    expect(json(call.request.body!)).toEqual({ orderId: 7, amountCents: 1250, currency: 'EUR' });
    expect(call.response.status).toBe(201);
    expect(call.response.statusText).toBe('Created');
    expect(header(call.response, 'x-payment-region')).toBe('eu-1');
    expect(json(call.response.body)).toEqual({ id: 'pay_7_1250', status: 'captured' });
    expect(call.response.encoding).toBeUndefined();
    expect(call.durationMs).toBeGreaterThanOrEqual(0);
    expect(proxy.unmatched()).toEqual([]);
  });

  it('keeps calls in arrival order, over one keep-alive connection to different third parties', async () => {
    const first = await startThirdParty((req, res) => res.end(`first ${req.url}`));
    const second = await startThirdParty((req, res) => res.end(`second ${req.url}`));
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    cleanups.push(async () => agent.destroy());
    const calls = await record(async (proxyUrl) => {
      for (const url of [`${first.origin}/a?x=1`, `${second.origin}/b`, `${first.origin}/c`]) {
        const reply = await callThrough(proxyUrl, url, { agent });
        expect(reply.status).toBe(200);
      }
    });
    expect(calls.map((c) => `${c.request.method} ${c.request.url} → ${c.response.body.toString()}`)).toEqual([
      `GET ${first.origin}/a?x=1 → first /a?x=1`,
      `GET ${second.origin}/b → second /b`,
      `GET ${first.origin}/c → first /c`,
    ]);
  });

  it('redacts credential headers and applies redactText before storing, but forwards the real values', async () => {
    const thirdParty = await startThirdParty((_req, res) => {
      res.setHeader('set-cookie', 'sid=server-secret-cookie; HttpOnly');
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ access_token: 'tok-very-secret-123', ok: true }));
    });
    const redactor = createRedactor(['acct-\\d{6}']);
    const proxy = await recorder({ redactText: redactor.redactText });
    const reply = await callThrough(proxy.url, `${thirdParty.origin}/accounts/acct-123456?api_key=k-123456789`, {
      method: 'POST',
      headers: { authorization: 'Bearer abc.def.ghi', 'x-api-key': 'k-123456789', 'proxy-authorization': 'Basic cHJveHk6cHc=' },
      body: '{"password":"hunter2hunter2","account":"acct-654321"}',
    });
    expect(reply.status).toBe(200);
    // Forwarded unchanged (the proxy's own credentials are not passed on).
    const seen = thirdParty.hits[0];
    expect(seen.line).toBe('POST /accounts/acct-123456?api_key=k-123456789');
    expect(seen.headers.authorization).toBe('Bearer abc.def.ghi');
    expect(seen.headers['proxy-authorization']).toBeUndefined();
    expect(seen.body).toContain('hunter2hunter2');
    expect(json(reply.body)).toEqual({ access_token: 'tok-very-secret-123', ok: true });

    await proxy.close();
    const [call] = proxy.calls();
    expect(call.request.url).toBe(`${thirdParty.origin}/accounts/<redacted>?api_key=<redacted>`);
    expect(header(call.request, 'authorization')).toBe('<redacted:authorization>');
    expect(header(call.request, 'x-api-key')).toBe('<redacted:x-api-key>');
    expect(header(call.request, 'proxy-authorization')).toBe('<redacted:proxy-authorization>');
    expect(header(call.response, 'set-cookie')).toBe('<redacted:set-cookie>');
    const stored = JSON.stringify(call);
    for (const secret of ['abc.def.ghi', 'k-123456789', 'hunter2hunter2', 'acct-654321', 'acct-123456', 'server-secret-cookie', 'tok-very-secret-123']) {
      expect(stored).not.toContain(secret);
    }
    expect(json(call.request.body!)).toEqual({ password: '<redacted>', account: '<redacted>' });
  });

  it('stores gzip and br bodies decoded, with their encoding, and passes the compressed bytes through', async () => {
    const payload = JSON.stringify({ rates: Array.from({ length: 50 }, (_, i) => ({ currency: `C${i}`, rate: i / 7 })) });
    const thirdParty = await startThirdParty((req, res) => {
      const br = req.url === '/rates.br';
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': br ? 'br' : 'gzip' });
      res.end(br ? brotliCompressSync(payload) : gzipSync(payload));
    });
    let gzipped: Reply | undefined;
    const calls = await record(async (proxyUrl) => {
      gzipped = await callThrough(proxyUrl, `${thirdParty.origin}/rates.gz`, { headers: { 'accept-encoding': 'gzip' } });
      await callThrough(proxyUrl, `${thirdParty.origin}/rates.br`, { headers: { 'accept-encoding': 'br' } });
    });
    expect(gzipped!.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gzipped!.body).toString()).toBe(payload);
    expect(calls.map((c) => c.response.encoding)).toEqual(['gzip', 'br']);
    expect(calls.map((c) => c.response.body.toString())).toEqual([payload, payload]);
  });

  it('answers 502 when the destination cannot be reached, records that answer, and lists it', async () => {
    const gone = await startThirdParty(payments());
    await gone.stop();
    const proxy = await recorder();
    const reply = await pay(proxy.url, gone.origin, { orderId: 1, amountCents: 100 });
    expect(reply.status).toBe(502);
    expect(reply.headers[OUTBOUND_MARKER_HEADER]).toBe('upstream-error');
    expect((json(reply.body) as { message: string }).message).toContain(`${gone.origin} could not be reached (ECONNREFUSED`);
    await proxy.close();
    expect(proxy.calls().map((c) => [c.request.url, c.response.status])).toEqual([[`${gone.origin}/payments`, 502]]);
    expect(proxy.unmatched()).toEqual([
      { method: 'POST', url: `${gone.origin}/payments`, reason: expect.stringContaining('could not be reached') },
    ]);
  });

  it('refuses a request that is not a proxy request (origin-form, or a loop to itself) with 400', async () => {
    const proxy = await recorder();
    const plain = await callThrough(proxy.url, `${proxy.url}/payments`);
    expect(plain.status).toBe(400);
    const origin = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(`${proxy.url}/payments`, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
    expect(origin).toBe(400);
    await proxy.close();
    expect(proxy.calls()).toEqual([]);
    const unmatched = proxy.unmatched();
    expect(unmatched.map((u) => [u.method, u.url])).toEqual([
      ['GET', `${proxy.url}/payments`],
      ['GET', '/payments'],
    ]);
    expect(unmatched[0].reason).toContain('points at the proxy itself');
    expect(unmatched[1].reason).toContain('is not an absolute http(s):// URL');
    expect(unmatched[1].reason).toContain(`HTTP_PROXY=${proxy.url}`);
  });

  it('tunnels CONNECT (HTTPS) byte for byte and notes it as an opaque call', async () => {
    const echo = await startTcpEcho();
    const proxy = await recorder();
    const { head, socket } = await sendConnect(proxy.url, `127.0.0.1:${echo.port}`);
    expect(head).toMatch(/^HTTP\/1\.1 200 Connection Established\r\n\r\n/);
    const echoed = await new Promise<string>((resolve) => {
      socket.once('data', (d: Buffer) => resolve(d.toString()));
      socket.write('\x16\x03\x01 pretend TLS');
    });
    expect(echoed).toBe('echo:\x16\x03\x01 pretend TLS');
    socket.destroy();
    await proxy.close();
    const calls = proxy.calls();
    expect(calls).toHaveLength(1);
    expect(calls[0].request).toMatchObject({ method: 'CONNECT', url: `127.0.0.1:${echo.port}`, body: null });
    expect(calls[0].response).toMatchObject({ status: 200, statusText: 'Connection Established' });
    expect(calls[0].response.body.length).toBe(0);
  });

  it('records what a service process sends through HTTP_PROXY', async () => {
    const thirdParty = await startThirdParty(payments());
    const proxy = await recorder();
    // A service's HTTP client of the old style: honours HTTP_PROXY by sending absolute-form targets.
    const service = `
      const http = require('node:http');
      const target = new URL(process.env.PAYMENT_URL + '/payments');
      const via = new URL(process.env.HTTP_PROXY);
      const body = JSON.stringify({ orderId: 42, amountCents: 999, currency: 'EUR' });
      const req = http.request({ host: via.hostname, port: via.port, path: target.href, method: 'POST',
        headers: { host: target.host, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
        (res) => { let s = ''; res.on('data', (c) => (s += c)); res.on('end', () => console.log(res.statusCode + ' ' + s)); });
      req.on('error', (e) => { console.error(e.message); process.exit(1); });
      req.end(body);`;
    const out = await new Promise<string>((resolve, reject) => {
      const child = spawn(process.execPath, ['-e', service], {
        env: { PATH: process.env.PATH, HTTP_PROXY: proxy.url, http_proxy: proxy.url, PAYMENT_URL: thirdParty.origin },
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('error', reject);
      child.on('exit', (code) => (code === 0 ? resolve(stdout.trim()) : reject(new Error(`service exited ${code}: ${stderr}`))));
    });
    expect(out).toBe('201 {"id":"pay_42_999","status":"captured"}');
    await proxy.close();
    expect(proxy.calls().map((c) => `${c.request.method} ${c.request.url} ${c.response.status}`)).toEqual([
      `POST ${thirdParty.origin}/payments 201`,
    ]);
  });

  it('records fetch calls that Node tunnels through CONNECT as plain HTTP (NODE_USE_ENV_PROXY)', async () => {
    const thirdParty = await startThirdParty(payments());
    const proxy = await recorder();
    const out = await runFetchService(fetchService([{ orderId: 1, amountCents: 100 }, { orderId: 2, amountCents: 200 }]), proxy.url, {
      PAYMENT_URL: thirdParty.origin,
    });
    expect(out.split('\n')).toEqual(['201 {"id":"pay_1_100","status":"captured"}', '201 {"id":"pay_2_200","status":"captured"}']);
    await proxy.close();
    // Not an opaque tunnel: each request inside it, with its absolute URL.
    expect(proxy.calls().map((c) => `${c.request.method} ${c.request.url} ${c.request.body} ${c.response.status}`)).toEqual([
      `POST ${thirdParty.origin}/payments {"orderId":1,"amountCents":100} 201`,
      `POST ${thirdParty.origin}/payments {"orderId":2,"amountCents":200} 201`,
    ]);
    expect(proxy.unmatched()).toEqual([]);
  });

  it('close() waits for a call in flight and records it; close() is idempotent', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const thirdParty = await startThirdParty((_req, res) => void gate.then(() => res.end('late')));
    const proxy = await recorder();
    const reply = callThrough(proxy.url, `${thirdParty.origin}/slow`);
    while (thirdParty.hits.length === 0) await new Promise((r) => setTimeout(r, 10));
    const closed = proxy.close();
    release();
    await Promise.all([closed, proxy.close()]);
    expect((await reply).body.toString()).toBe('late');
    expect(proxy.calls().map((c) => c.response.body.toString())).toEqual(['late']);
  });

  it('close() cuts off a call the third party never answers, after the grace period, and lists it', async () => {
    const thirdParty = await startThirdParty(() => undefined);
    const proxy = await recorder();
    const reply = callThrough(proxy.url, `${thirdParty.origin}/hangs`).then(
      () => 'answered',
      (err: Error) => err.message,
    );
    while (thirdParty.hits.length === 0) await new Promise((r) => setTimeout(r, 10));
    await proxy.close();
    expect(await reply).toBe('socket hang up');
    expect(proxy.calls()).toEqual([]);
    expect(proxy.unmatched()).toEqual([
      { method: 'GET', url: `${thirdParty.origin}/hangs`, reason: expect.stringContaining('after close(); cut off, not recorded') },
    ]);
  });

  it('rejects a redactText that is not a function', async () => {
    await expect(startOutboundRecorder({ redactText: 'nope' as unknown as (t: string) => string })).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
    });
  });
});

// ------------------------------------------------------------------------------- replay

describe('startOutboundReplayer', () => {
  it('answers a recorded call with the same response while the third party is stopped', async () => {
    const thirdParty = await startThirdParty(payments());
    const payment = { orderId: 7, amountCents: 1250, currency: 'EUR' };
    let live: Reply | undefined;
    const recorded = await record(async (proxyUrl) => (live = await pay(proxyUrl, thirdParty.origin, payment)));
    await thirdParty.stop();
    const hitsAtStop = thirdParty.hits.length;

    const proxy = await replayer(recorded);
    const replayed = await pay(proxy.url, thirdParty.origin, payment);
    expect(replayed.status).toBe(live!.status);
    expect(replayed.statusMessage).toBe('Created');
    expect(replayed.body.equals(live!.body)).toBe(true);
    expect(replayed.headers['content-type']).toBe('application/json');
    expect(replayed.headers['x-payment-region']).toBe('eu-1');
    expect(replayed.headers[OUTBOUND_MARKER_HEADER]).toBeUndefined();
    expect(thirdParty.hits.length).toBe(hitsAtStop);

    await proxy.close();
    expect(proxy.unmatched()).toEqual([]);
    const [call] = proxy.calls();
    expect(call.request.url).toBe(`${thirdParty.origin}/payments`);
    expect(json(call.request.body!)).toEqual(payment);
    expect(call.response.status).toBe(201);
    expect(json(call.response.body)).toEqual({ id: 'pay_7_1250', status: 'captured' });
  });

  it('answers a call the legacy never made with 502 naming the nearest recorded call, and lists it', async () => {
    const thirdParty = await startThirdParty(payments());
    const recorded = await record(async (proxyUrl) => {
      await pay(proxyUrl, thirdParty.origin, { orderId: 7, amountCents: 1250 });
      await callThrough(proxyUrl, `${thirdParty.origin}/status?verbose=1`);
    });
    await thirdParty.stop();
    const proxy = await replayer(recorded);

    const otherBody = await pay(proxy.url, thirdParty.origin, { orderId: 8, amountCents: 1250 });
    expect(otherBody.status).toBe(502);
    expect(otherBody.headers[OUTBOUND_MARKER_HEADER]).toBe('unmatched');
    const explained = json(otherBody.body) as { error: string; message: string; request: unknown; nearest: { method: string; url: string; differs: string[] } };
    expect(explained.error).toBe('paritykit_outbound_unmatched');
    expect(explained.nearest).toMatchObject({ method: 'POST', url: `${thirdParty.origin}/payments`, differs: ['body'] });
    expect(explained.message).toContain(`POST ${thirdParty.origin}/payments`);

    const otherPath = await callThrough(proxy.url, `${thirdParty.origin}/refunds`, { method: 'POST', body: '{"orderId":7,"amountCents":1250}' });
    expect(otherPath.status).toBe(502);
    expect((json(otherPath.body) as { nearest: { differs: string[] } }).nearest.differs).toEqual(['path']);

    const otherQuery = await callThrough(proxy.url, `${thirdParty.origin}/status?verbose=2`);
    expect((json(otherQuery.body) as { nearest: { url: string; differs: string[] } }).nearest).toMatchObject({
      url: `${thirdParty.origin}/status?verbose=1`,
      differs: ['query'],
    });

    await proxy.close();
    const unmatched = proxy.unmatched();
    expect(unmatched.map((u) => `${u.method} ${u.url}`)).toEqual([
      `POST ${thirdParty.origin}/payments`,
      `POST ${thirdParty.origin}/refunds`,
      `GET ${thirdParty.origin}/status?verbose=2`,
    ]);
    expect(unmatched[0].reason).toBe(`the legacy never made this call; nearest recorded call: POST ${thirdParty.origin}/payments (differs in body)`);
    // Every call is in calls(), with the answer it got.
    expect(proxy.calls().map((c) => c.response.status)).toEqual([502, 502, 502]);
  });

  it('replays repeated identical calls in recorded order; one more than the legacy made is unmatched', async () => {
    let n = 0;
    const thirdParty = await startThirdParty((_req, res) => {
      n++;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ attempt: n }));
    });
    const poll = (proxyUrl: string): Promise<Reply> => callThrough(proxyUrl, `${thirdParty.origin}/jobs/9`);
    const recorded = await record(async (proxyUrl) => {
      for (let i = 0; i < 3; i++) await poll(proxyUrl);
    });
    await thirdParty.stop();

    const proxy = await replayer(recorded);
    const answers: unknown[] = [];
    for (let i = 0; i < 3; i++) answers.push(json((await poll(proxy.url)).body));
    expect(answers).toEqual([{ attempt: 1 }, { attempt: 2 }, { attempt: 3 }]);
    const extra = await poll(proxy.url);
    expect(extra.status).toBe(502);
    await proxy.close();
    expect(proxy.unmatched()).toEqual([
      {
        method: 'GET',
        url: `${thirdParty.origin}/jobs/9`,
        reason: 'the legacy made this call 3 times and all 3 recorded answers were given; this is call 4',
      },
    ]);
  });

  it('matches a JSON body by value (key order and spacing do not matter)', async () => {
    const thirdParty = await startThirdParty(payments());
    const recorded = await record((proxyUrl) =>
      callThrough(proxyUrl, `${thirdParty.origin}/payments`, { method: 'POST', body: '{"orderId":3,"amountCents":500}' }),
    );
    await thirdParty.stop();
    const proxy = await replayer(recorded);
    const reply = await callThrough(proxy.url, `${thirdParty.origin}/payments`, { method: 'POST', body: '{ "amountCents": 500, "orderId": 3 }' });
    expect(reply.status).toBe(201);
    expect(json(reply.body)).toEqual({ id: 'pay_3_500', status: 'captured' });
  });

  it('matches the origin unless matchOrigin is false (a third-party stub on a new free port)', async () => {
    const before = await startThirdParty(payments());
    const payment = { orderId: 5, amountCents: 300 };
    const recorded = await record((proxyUrl) => pay(proxyUrl, before.origin, payment));
    await before.stop();
    const movedTo = 'http://127.0.0.1:9';

    const strict = await replayer(recorded);
    const refused = await pay(strict.url, movedTo, payment);
    expect(refused.status).toBe(502);
    expect((json(refused.body) as { nearest: { differs: string[] } }).nearest.differs).toEqual(['origin']);

    const lenient = await replayer(recorded, { matchOrigin: false });
    const answered = await pay(lenient.url, movedTo, payment);
    expect(answered.status).toBe(201);
    expect(json(answered.body)).toEqual({ id: 'pay_5_300', status: 'captured' });
  });

  it('matches a call carrying a secret against its redacted recording when given the same redactText', async () => {
    const thirdParty = await startThirdParty((_req, res) => res.end('{"rate":1.1}'));
    const redactText = createRedactor([]).redactText;
    const recorded = await record((proxyUrl) => callThrough(proxyUrl, `${thirdParty.origin}/rates?api_key=live-key-123456`), { redactText });
    expect(recorded[0].request.url).toBe(`${thirdParty.origin}/rates?api_key=<redacted>`);
    await thirdParty.stop();
    // The candidate runs with another key: the redacted form is the same.
    const proxy = await replayer(recorded, { redactText });
    const reply = await callThrough(proxy.url, `${thirdParty.origin}/rates?api_key=other-key-654321`);
    expect(reply.body.toString()).toBe('{"rate":1.1}');
    await proxy.close();
    expect(proxy.calls()[0].request.url).toBe(`${thirdParty.origin}/rates?api_key=<redacted>`);
  });

  it('sends a body recorded with an encoding encoded again, as the legacy got it', async () => {
    const payload = 'x'.repeat(5000);
    const thirdParty = await startThirdParty((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain', 'content-encoding': 'gzip' });
      res.end(gzipSync(payload));
    });
    const recorded = await record((proxyUrl) => callThrough(proxyUrl, `${thirdParty.origin}/big`));
    expect(recorded[0].response.body.toString()).toBe(payload);
    await thirdParty.stop();
    const proxy = await replayer(recorded);
    const reply = await callThrough(proxy.url, `${thirdParty.origin}/big`);
    expect(reply.headers['content-encoding']).toBe('gzip');
    expect(Number(reply.headers['content-length'])).toBe(reply.body.length);
    expect(gunzipSync(reply.body).toString()).toBe(payload);
  });

  it('replays a recorded 502 for an unreachable destination', async () => {
    const gone = await startThirdParty(payments());
    await gone.stop();
    const recorded = await record((proxyUrl) => pay(proxyUrl, gone.origin, { orderId: 1, amountCents: 100 }));
    const proxy = await replayer(recorded);
    const reply = await pay(proxy.url, gone.origin, { orderId: 1, amountCents: 100 });
    expect(reply.status).toBe(502);
    expect(reply.headers[OUTBOUND_MARKER_HEADER]).toBe('upstream-error');
    await proxy.close();
    expect(proxy.unmatched()).toEqual([]);
  });

  it('replays 204 and HEAD answers without a body', async () => {
    const thirdParty = await startThirdParty((req, res) => {
      if (req.method === 'HEAD') {
        res.writeHead(200, { 'content-length': '1234', 'content-type': 'application/pdf' });
        res.end();
      } else {
        res.writeHead(204);
        res.end();
      }
    });
    const recorded = await record(async (proxyUrl) => {
      await callThrough(proxyUrl, `${thirdParty.origin}/ping`, { method: 'DELETE' });
      await callThrough(proxyUrl, `${thirdParty.origin}/doc.pdf`, { method: 'HEAD' });
    });
    await thirdParty.stop();
    const proxy = await replayer(recorded);
    const deleted = await callThrough(proxy.url, `${thirdParty.origin}/ping`, { method: 'DELETE' });
    expect(deleted.status).toBe(204);
    expect(deleted.body.length).toBe(0);
    const head = await callThrough(proxy.url, `${thirdParty.origin}/doc.pdf`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers['content-length']).toBe('1234');
    expect(head.body.length).toBe(0);
  });

  it('answers fetch calls tunnelled through CONNECT from the recording, and reports one the legacy never made', async () => {
    const thirdParty = await startThirdParty(payments());
    const recorder1 = await recorder();
    await runFetchService(fetchService([{ orderId: 1, amountCents: 100 }]), recorder1.url, { PAYMENT_URL: thirdParty.origin });
    await recorder1.close();
    await thirdParty.stop();

    const proxy = await replayer(recorder1.calls());
    const out = await runFetchService(fetchService([{ orderId: 1, amountCents: 100 }, { orderId: 9, amountCents: 100 }]), proxy.url, {
      PAYMENT_URL: thirdParty.origin,
    });
    const first = out.slice(0, out.indexOf('\n'));
    const second = out.slice(out.indexOf('\n') + 1);
    expect(first).toBe('201 {"id":"pay_1_100","status":"captured"}');
    expect(second).toMatch(/^502 /);
    expect(JSON.parse(second.slice(4))).toMatchObject({ error: 'paritykit_outbound_unmatched', nearest: { differs: ['body'] } });
    await proxy.close();
    expect(proxy.unmatched()).toEqual([
      { method: 'POST', url: `${thirdParty.origin}/payments`, reason: expect.stringContaining('the legacy never made this call') },
    ]);
  });

  it('closes an accepted CONNECT tunnel that turns out to carry TLS, with a note', async () => {
    const recorded: HttpExchange[] = [
      {
        request: { method: 'GET', url: 'http://api.example:8080/v', headers: [], body: null },
        response: { status: 200, statusText: 'OK', headers: [], body: Buffer.from('v1') },
        captures: {},
        durationMs: 1,
      },
    ];
    const proxy = await replayer(recorded);
    const { head, socket } = await sendConnect(proxy.url, 'api.example:8080');
    expect(head).toMatch(/^HTTP\/1\.1 200/);
    const closed = new Promise<void>((r) => socket.on('close', () => r()));
    socket.write(Buffer.from([0x16, 0x03, 0x01, 0x00, 0x05, 0x01]));
    await closed;
    await proxy.close();
    const [note] = proxy.unmatched();
    expect(note).toMatchObject({ method: 'CONNECT', url: 'api.example:8080' });
    expect(note.reason).toContain('the tunnel carried a TLS handshake');
  });

  it('refuses CONNECT with 502 and a note saying TLS cannot be replayed', async () => {
    const proxy = await replayer([
      {
        request: { method: 'CONNECT', url: 'api.stripe.example:443', headers: [], body: null },
        response: { status: 200, statusText: 'Connection Established', headers: [], body: Buffer.alloc(0) },
        captures: {},
        durationMs: 1,
      },
    ]);
    const { head } = await sendConnect(proxy.url, 'api.stripe.example:443');
    expect(head).toMatch(/^HTTP\/1\.1 502 Bad Gateway\r\n/);
    expect(head).toContain('paritykit_outbound_connect_refused');
    await proxy.close();
    const [note] = proxy.unmatched();
    expect(note.method).toBe('CONNECT');
    expect(note.url).toBe('api.stripe.example:443');
    expect(note.reason).toContain('cannot see inside TLS');
    expect(note.reason).toContain('recorded only as an opaque tunnel');
    expect(note.reason).toContain('plain http://');
  });

  it('never contacts the network: a call to a live third party is still answered from the recording', async () => {
    const thirdParty = await startThirdParty((_req, res) => res.end('live'));
    const recorded: HttpExchange[] = [
      {
        request: { method: 'GET', url: `${thirdParty.origin}/v`, headers: [], body: null },
        response: { status: 200, statusText: 'OK', headers: [['content-type', 'text/plain']], body: Buffer.from('recorded') },
        captures: {},
        durationMs: 1,
      },
    ];
    const proxy = await replayer(recorded);
    expect((await callThrough(proxy.url, `${thirdParty.origin}/v`)).body.toString()).toBe('recorded');
    expect((await callThrough(proxy.url, `${thirdParty.origin}/w`)).status).toBe(502);
    expect(thirdParty.hits).toEqual([]);
  });

  it('says so when the legacy made no outbound call at all', async () => {
    const proxy = await replayer([]);
    const reply = await callThrough(proxy.url, 'http://payments.example/payments', { method: 'POST', body: '{}' });
    expect(reply.status).toBe(502);
    expect((json(reply.body) as { nearest: unknown }).nearest).toBeNull();
    await proxy.close();
    expect(proxy.unmatched()[0].reason).toContain('the legacy made no outbound HTTP call in this recording');
  });

  it('rejects a malformed recording with BASELINE_CORRUPT', async () => {
    const bad = [
      {
        request: { method: 'GET', url: '/relative', headers: [], body: null },
        response: { status: 200, statusText: 'OK', headers: [], body: Buffer.alloc(0) },
        captures: {},
        durationMs: 0,
      },
    ];
    const error = await startOutboundReplayer(bad).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ParityError);
    expect(error).toMatchObject({ code: 'BASELINE_CORRUPT' });
    expect((error as Error).message).toContain('call 0 (GET /relative): request.url must be an absolute http(s):// URL');
    await expect(startOutboundReplayer([{ request: { method: 'GET', url: 'http://x/' } } as HttpExchange])).rejects.toMatchObject({
      code: 'BASELINE_CORRUPT',
    });
    await expect(startOutboundReplayer([], { matchOrigin: 'no' as unknown as boolean })).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
  });
});
