import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import type { RequestHandler } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi, type MockInstance } from 'vitest';
import { createFsBaselineStore, type RecordedScenario } from '../baselines/store.ts';
import { ParityError } from '../harness/errors.ts';
import type { HttpExchange } from '../harness/http-model.ts';
import { runExchanges } from '../recorders/http.ts';
import { handlersFromBaseline } from './msw.ts';

// ------------------------------------------------------------------ helpers

let tmp: string;
/** msw prints every unrecorded-request error to stderr: captured here, and asserted on once. */
let consoleError: MockInstance<typeof console.error>;

beforeEach(() => {
  consoleError = vi.spyOn(console, 'error').mockImplementation(() => undefined);
});

afterEach(() => {
  consoleError.mockRestore();
});

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'paritykit-msw-'));
});

afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

interface ExchangeInit {
  body?: string | Buffer;
  requestHeaders?: Array<[string, string]>;
  status?: number;
  statusText?: string;
  headers?: Array<[string, string]>;
  response?: unknown;
}

/** A recorded exchange; `response` is JSON unless it is a string or a Buffer. */
function exchange(method: string, url: string, init: ExchangeInit = {}): HttpExchange {
  const r = init.response ?? {};
  const body = Buffer.isBuffer(r) ? r : Buffer.from(typeof r === 'string' ? r : JSON.stringify(r));
  return {
    request: {
      method,
      url,
      headers: init.requestHeaders ?? [],
      body: init.body === undefined ? null : Buffer.from(init.body),
    },
    response: {
      status: init.status ?? 200,
      statusText: init.statusText ?? 'OK',
      headers: init.headers ?? [['content-type', 'application/json']],
      body,
    },
    captures: {},
    durationMs: 3,
  };
}

function scenario(id: string, exchanges: HttpExchange[]): RecordedScenario {
  return {
    scenario: { id, requests: exchanges.map((x) => ({ method: x.request.method, path: x.request.url })) },
    observation: {
      stdout: Buffer.alloc(0),
      stderr: Buffer.alloc(0),
      exit: { code: 0, signal: null, timedOut: false },
      files: [],
      timing: { durationMs: 5, peakRssBytes: null },
      http: { exchanges },
    },
  };
}

/** Saves a baseline with the real store under `<tmp>/<dirName>/<suite>`; returns the baseline dir. */
async function saveBaseline(dirName: string, suite: string, scenarios: RecordedScenario[]): Promise<string> {
  const baselineDir = path.join(tmp, dirName);
  await createFsBaselineStore(baselineDir).save(suite, scenarios, {
    legacy: { command: [], version: null, gitCommit: null },
    paritykitVersion: '0.0.0-test',
  });
  return baselineDir;
}

/** Runs `fn` with an msw server answering from `handlers`, closed afterwards. */
async function withMsw<T>(handlers: RequestHandler[], fn: (server: ReturnType<typeof setupServer>) => Promise<T>): Promise<T> {
  const server = setupServer(...handlers);
  // msw's own strategy for what our handlers leave alone: an error, so a test never hits the network by accident.
  server.listen({ onUnhandledFrame: 'error' });
  try {
    return await fn(server);
  } finally {
    server.close();
  }
}

/** The rejection of a fetch, with its cause. */
async function fetchError(url: string, init?: RequestInit): Promise<{ error: Error; cause: unknown }> {
  const error = await fetch(url, init).then(
    (r) => {
      throw new Error(`expected the request to fail, got ${r.status}`);
    },
    (e: unknown) => e as Error,
  );
  return { error, cause: (error as Error & { cause?: unknown }).cause };
}

/** A real HTTP server on 127.0.0.1 (port chosen by the OS). */
async function startServer(handler: http.RequestListener): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer(handler);
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}

// ------------------------------------------------------------------ the orders baseline

let ordersDir: string;

beforeAll(async () => {
  ordersDir = await saveBaseline('main', 'orders', [
    scenario('create-order', [
      exchange('POST', '/orders', {
        body: JSON.stringify({ sku: 'A1', qty: 2 }),
        requestHeaders: [['content-type', 'application/json']],
        status: 201,
        statusText: 'Created',
        headers: [
          ['content-type', 'application/json; charset=utf-8'],
          ['location', '/orders/7'],
          ['x-tag', 'first'],
          ['x-tag', 'second'],
          ['connection', 'keep-alive, x-hop'],
          ['x-hop', 'per-connection'],
          ['keep-alive', 'timeout=5'],
          ['transfer-encoding', 'chunked'],
          ['content-length', '999'],
          ['set-cookie', 'sid=abc; HttpOnly'],
        ],
        response: { id: 7, sku: 'A1', qty: 2, total: '19.90' },
      }),
      exchange('GET', '/orders/7', { response: { id: 7, status: 'pending' } }),
      exchange('POST', '/orders/7/pay', { body: '{"amount":"19.90"}', response: { id: 7, status: 'paid' } }),
      exchange('GET', '/orders/7', { response: { id: 7, status: 'paid' } }),
    ]),
    scenario('list-orders', [
      exchange('GET', '/orders?page=2&size=10&tag=a&tag=b', { response: { items: [{ id: 7 }], page: 2 } }),
      exchange('GET', '/orders?page=1&size=10', { response: { items: [], page: 1 } }),
    ]),
    scenario('missing-order', [
      exchange('GET', '/orders/404', { status: 404, statusText: 'Not Found', response: { error: 'order 404 not found' } }),
      exchange('DELETE', '/orders/7', { status: 204, statusText: 'No Content', headers: [], response: '' }),
      exchange('HEAD', '/orders/7', { headers: [['content-type', 'application/json'], ['x-total', '1']], response: '' }),
    ]),
    scenario('upload', [
      exchange('PUT', '/orders/7/receipt', {
        body: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0xff]),
        headers: [['content-type', 'text/plain']],
        response: 'receipt stored',
      }),
    ]),
  ]);
});

// ------------------------------------------------------------------ tests

describe('handlersFromBaseline: matched requests', () => {
  it('answers with the recorded status, statusText, headers and JSON body', async () => {
    const handlers = await handlersFromBaseline(path.join(ordersDir, 'orders'));
    await withMsw(handlers, async () => {
      const res = await fetch('http://orders.test/orders', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ sku: 'A1', qty: 2 }),
      });
      expect(res.status).toBe(201);
      expect(res.statusText).toBe('Created');
      expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
      expect(res.headers.get('location')).toBe('/orders/7');
      expect(res.headers.get('x-tag')).toBe('first, second');
      // Redacted at record time: replayed as the placeholder the baseline holds.
      expect(res.headers.getSetCookie()).toEqual(['<redacted:set-cookie>']);
      // Hop-by-hop (also those named by Connection) and framing headers are not replayed.
      for (const name of ['connection', 'keep-alive', 'x-hop', 'transfer-encoding', 'content-encoding']) {
        expect(res.headers.has(name), name).toBe(false);
      }
      expect(res.headers.get('content-length')).not.toBe('999');
      expect(await res.json()).toEqual({ id: 7, sku: 'A1', qty: 2, total: '19.90' });

      const missing = await fetch('http://orders.test/orders/404');
      expect([missing.status, missing.statusText]).toEqual([404, 'Not Found']);
      expect(await missing.json()).toEqual({ error: 'order 404 not found' });
    });
  });

  it('answers 204 and HEAD without a body', async () => {
    const handlers = await handlersFromBaseline(path.join(ordersDir, 'orders'));
    await withMsw(handlers, async () => {
      const deleted = await fetch('http://orders.test/orders/7', { method: 'DELETE' });
      expect(deleted.status).toBe(204);
      expect(await deleted.text()).toBe('');
      const head = await fetch('http://orders.test/orders/7', { method: 'HEAD' });
      expect(head.status).toBe(200);
      expect(head.headers.get('x-total')).toBe('1');
      expect(await head.text()).toBe('');
    });
  });

  it('matches the query order-insensitively, keeping the order of a repeated name', async () => {
    const handlers = await handlersFromBaseline(path.join(ordersDir, 'orders'));
    await withMsw(handlers, async () => {
      const reordered = await fetch('http://orders.test/orders?tag=a&size=10&tag=b&page=2');
      expect(await reordered.json()).toEqual({ items: [{ id: 7 }], page: 2 });
      const encoded = await fetch('http://orders.test/orders?size=10&page=%31');
      expect(await encoded.json()).toEqual({ items: [], page: 1 });

      const swapped = await fetchError('http://orders.test/orders?page=2&size=10&tag=b&tag=a');
      expect(swapped.cause).toBeInstanceOf(ParityError);
      const otherValue = await fetchError('http://orders.test/orders?page=3&size=10');
      expect((otherValue.cause as ParityError).message).toContain('no recorded response for GET /orders?page=3&size=10');
    });
  });

  it('replays repeated identical requests in recorded order, then keeps answering the last; resetHandlers restarts', async () => {
    const handlers = await handlersFromBaseline(path.join(ordersDir, 'orders'));
    await withMsw(handlers, async (server) => {
      const statuses = async () => ((await (await fetch('http://orders.test/orders/7')).json()) as { status: string }).status;
      expect(await statuses()).toBe('pending');
      expect(await statuses()).toBe('paid');
      expect(await statuses()).toBe('paid');
      server.resetHandlers();
      expect(await statuses()).toBe('pending');
    });
  });

  it('is reached by node:http clients too', async () => {
    const handlers = await handlersFromBaseline(path.join(ordersDir, 'orders'));
    await withMsw(handlers, async () => {
      const { status, body } = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        http
          .get('http://orders.test/orders/404', (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
          })
          .on('error', reject);
      });
      expect(status).toBe(404);
      expect(JSON.parse(body)).toEqual({ error: 'order 404 not found' });
    });
  });
});

describe('handlersFromBaseline: body matching', () => {
  it('without matchBody, ignores the body', async () => {
    const handlers = await handlersFromBaseline(path.join(ordersDir, 'orders'));
    await withMsw(handlers, async () => {
      const res = await fetch('http://orders.test/orders/7/pay', { method: 'POST', body: '{"amount":"1.00"}' });
      expect(await res.json()).toEqual({ id: 7, status: 'paid' });
    });
  });

  it('with matchBody, compares JSON structurally and other bodies byte for byte', async () => {
    const handlers = await handlersFromBaseline(path.join(ordersDir, 'orders'), { matchBody: true });
    await withMsw(handlers, async () => {
      // Other key order and whitespace: the same JSON value.
      const res = await fetch('http://orders.test/orders', { method: 'POST', body: '{ "qty": 2,\n  "sku": "A1" }' });
      expect(res.status).toBe(201);
      const other = await fetchError('http://orders.test/orders', { method: 'POST', body: JSON.stringify({ sku: 'A1', qty: 3 }) });
      const message = (other.cause as ParityError).message;
      expect(message).toContain('no recorded response for POST /orders in baseline orders');
      expect(message).toContain('POST /orders (scenario create-order #1; differs in body)');
      expect(message).toContain('and body');

      const bytes = await fetch('http://orders.test/orders/7/receipt', { method: 'PUT', body: new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x00, 0xff]) });
      expect(await bytes.text()).toBe('receipt stored');
      const changed = await fetchError('http://orders.test/orders/7/receipt', { method: 'PUT', body: new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x00, 0xfe]) });
      expect((changed.cause as ParityError).message).toContain('PUT /orders/7/receipt (scenario upload #1; differs in body)');
    });
  });

  it('with matchBody, keeps a separate recorded sequence per body', async () => {
    const dir = await saveBaseline('bodies', 'carts', [
      scenario('a', [
        exchange('POST', '/carts', { body: '{"sku":"A"}', response: { n: 1 } }),
        exchange('POST', '/carts', { body: '{"sku":"B"}', response: { n: 2 } }),
        exchange('POST', '/carts', { body: '{"sku":"A"}', response: { n: 3 } }),
      ]),
    ]);
    const send = async (sku: string) => ((await (await fetch('http://c.test/carts', { method: 'POST', body: JSON.stringify({ sku }) })).json()) as { n: number }).n;
    await withMsw(await handlersFromBaseline({ baselineDir: dir, suite: 'carts' }, { matchBody: true }), async () => {
      expect([await send('B'), await send('A'), await send('A'), await send('A')]).toEqual([2, 1, 3, 3]);
    });
    await withMsw(await handlersFromBaseline({ baselineDir: dir, suite: 'carts' }), async () => {
      expect([await send('B'), await send('B'), await send('B'), await send('A')]).toEqual([1, 2, 3, 3]);
    });
  });
});

describe('handlersFromBaseline: unhandled requests', () => {
  it('fails the request with a ParityError listing the 3 nearest recorded requests, same method first', async () => {
    const handlers = await handlersFromBaseline(path.join(ordersDir, 'orders'));
    await withMsw(handlers, async () => {
      const { error, cause } = await fetchError('http://orders.test/orders/9/pay', { method: 'POST' });
      expect(error).toBeInstanceOf(TypeError);
      expect(cause).toBeInstanceOf(ParityError);
      const e = cause as ParityError;
      expect(e.code).toBe('BASELINE_MISSING');
      const nearest = e.message.slice(e.message.indexOf('nearest: ') + 'nearest: '.length);
      expect(e.message.startsWith('paritykit: no recorded response for POST /orders/9/pay in baseline orders; nearest: ')).toBe(true);
      // The two recorded POSTs come first (closest path first), then the closest other method.
      expect(nearest.startsWith(
        'POST /orders/7/pay (scenario create-order #3; differs in path), ' +
          'POST /orders (scenario create-order #1; differs in path), ' +
          'GET /orders/7 (scenario create-order #2; differs in method, path).',
      )).toBe(true);
      expect(e.message).toContain('server.use()');
      // msw also prints it, so a consumer that swallows network errors still shows it on stderr.
      expect(consoleError.mock.calls.some((args) => args.includes(e))).toBe(true);
    });
  });

  it('fails node:http clients with the same error on their error event', async () => {
    const handlers = await handlersFromBaseline(path.join(ordersDir, 'orders'));
    await withMsw(handlers, async () => {
      const error = await new Promise<Error>((resolve, reject) => {
        http.get('http://orders.test/nothing-here', () => reject(new Error('expected an error'))).on('error', resolve);
      });
      expect(error).toBeInstanceOf(ParityError);
      expect(error.message).toContain('no recorded response for GET /nothing-here in baseline orders');
    });
  });

  it("emits the error as msw's unhandledException event", async () => {
    const handlers = await handlersFromBaseline(path.join(ordersDir, 'orders'));
    await withMsw(handlers, async (server) => {
      const seen: unknown[] = [];
      server.events.on('unhandledException', ({ error }) => {
        seen.push(error);
      });
      await fetchError('http://orders.test/orders/8');
      expect(seen).toHaveLength(1);
      expect((seen[0] as Error).message).toContain('no recorded response for GET /orders/8');
    });
  });

  it("with onUnhandled: 'bypass', lets the request go on to the real server", async () => {
    const real = await startServer((req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(`real ${req.method} ${req.url}`);
    });
    try {
      const handlers = await handlersFromBaseline(path.join(ordersDir, 'orders'), { onUnhandled: 'bypass' });
      const server = setupServer(...handlers);
      server.listen({ onUnhandledFrame: 'bypass' });
      try {
        expect(await (await fetch(`${real.url}/orders/9`)).text()).toBe('real GET /orders/9');
        expect(await (await fetch(`${real.url}/orders/404`)).json()).toEqual({ error: 'order 404 not found' });
      } finally {
        server.close();
      }
    } finally {
      await real.close();
    }
  });
});

describe('handlersFromBaseline: baseUrl', () => {
  it('answers only its origin, puts its path in front of recorded paths, and catches only that origin', async () => {
    const real = await startServer((_req, res) => {
      res.end('from the real server');
    });
    try {
      const handlers = await handlersFromBaseline(path.join(ordersDir, 'orders'), { baseUrl: 'http://api.test/v1/' });
      const server = setupServer(...handlers);
      server.listen({ onUnhandledFrame: 'bypass' });
      try {
        expect(await (await fetch('http://api.test/v1/orders/404')).json()).toEqual({ error: 'order 404 not found' });
        const outsidePrefix = await fetchError('http://api.test/orders/404');
        const message = (outsidePrefix.cause as ParityError).message;
        expect(message).toContain('no recorded response for GET /orders/404 at http://api.test in baseline orders; nearest: GET /v1/orders/404 (scenario missing-order #1; differs in path)');
        // Another origin: not ours to answer or to fail.
        expect(await (await fetch(`${real.url}/v1/orders/404`)).text()).toBe('from the real server');
      } finally {
        server.close();
      }
    } finally {
      await real.close();
    }
  });
});

describe('handlersFromBaseline: absolute recorded URLs', () => {
  it('answers a recorded absolute URL at its own origin, whatever baseUrl says', async () => {
    const dir = await saveBaseline('absolute', 'pay', [
      scenario('redirected', [exchange('GET', 'http://pay.test/receipts/5?lang=en', { response: { receipt: 5 } })]),
    ]);
    await withMsw(await handlersFromBaseline({ baselineDir: dir, suite: 'pay' }, { baseUrl: 'http://api.test' }), async () => {
      expect(await (await fetch('http://pay.test/receipts/5?lang=en')).json()).toEqual({ receipt: 5 });
      const elsewhere = await fetchError('http://api.test/receipts/5?lang=en');
      expect((elsewhere.cause as ParityError).message).toContain('nearest: GET http://pay.test/receipts/5?lang=en (scenario redirected #1; differs in origin)');
    });
  });
});

describe('handlersFromBaseline: a baseline recorded from a real legacy service', () => {
  it('gives a consumer the same status, headers and decoded body as the legacy gave', async () => {
    const legacy = await startServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        if (req.method === 'POST' && req.url === '/orders') {
          const input = JSON.parse(Buffer.concat(chunks).toString()) as { sku: string };
          res.writeHead(201, 'Created', { 'content-type': 'application/json', location: '/orders/41' });
          res.end(JSON.stringify({ id: 41, sku: input.sku }));
        } else if (req.url === '/orders/41') {
          const body = zlib.gzipSync(JSON.stringify({ id: 41, sku: 'Z9', lines: Array.from({ length: 50 }, (_, i) => i) }));
          res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip', 'x-legacy': 'yes', 'content-length': String(body.length) });
          res.end(body);
        } else {
          res.writeHead(404, { 'content-type': 'text/plain' });
          res.end('no such route');
        }
      });
    });
    let direct: Array<{ status: number; type: string | null; body: string }>;
    try {
      const observation = await runExchanges(legacy.url, {
        id: 'create-and-read',
        requests: [
          { method: 'POST', path: '/orders', body: { json: { sku: 'Z9' } }, capture: { orderId: { json: '$.id' } } },
          { path: '/orders/{{orderId}}' },
          { path: '/nope' },
        ],
      });
      expect(observation.error).toBeUndefined();
      await saveBaseline('recorded', 'legacy-orders', [{ ...scenario('create-and-read', observation.exchanges) }]);
      direct = await Promise.all(
        ['/orders/41', '/nope'].map(async (p) => {
          const r = await fetch(legacy.url + p);
          return { status: r.status, type: r.headers.get('content-type'), body: await r.text() };
        }),
      );
    } finally {
      await legacy.close(); // from here on only the baseline answers
    }
    const handlers = await handlersFromBaseline(path.join(tmp, 'recorded', 'legacy-orders'), { baseUrl: legacy.url, matchBody: true });
    await withMsw(handlers, async () => {
      const created = await fetch(`${legacy.url}/orders`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"sku":"Z9"}' });
      expect([created.status, created.statusText, created.headers.get('location')]).toEqual([201, 'Created', '/orders/41']);
      expect(await created.json()).toEqual({ id: 41, sku: 'Z9' });
      const read = await fetch(`${legacy.url}/orders/41`);
      expect(read.headers.get('x-legacy')).toBe('yes');
      expect(read.headers.has('content-encoding')).toBe(false);
      expect({ status: read.status, type: read.headers.get('content-type'), body: await read.text() }).toEqual(direct[0]);
      const nope = await fetch(`${legacy.url}/nope`);
      expect({ status: nope.status, type: nope.headers.get('content-type'), body: await nope.text() }).toEqual(direct[1]);
    });
  });
});

describe('handlersFromBaseline: where the baseline comes from', () => {
  it('accepts a folder path, { baselineDir, suite }, and a bare suite name under ./baselines', async () => {
    const viaPath = await handlersFromBaseline(path.join(ordersDir, 'orders'));
    const viaObject = await handlersFromBaseline({ baselineDir: ordersDir, suite: 'orders' });
    const headers = (hs: RequestHandler[]) => hs.map((h) => h.info.header);
    expect(headers(viaObject)).toEqual(headers(viaPath));
    expect(headers(viaPath)).toContain('GET /orders/7 (paritykit baseline orders, 2 recorded responses)');
    expect(headers(viaPath).at(-1)).toBe('* (paritykit baseline orders: requests nothing recorded)');
    expect(headers(await handlersFromBaseline(path.join(ordersDir, 'orders'), { onUnhandled: 'bypass' }))).toHaveLength(viaPath.length - 1);

    const project = path.join(tmp, 'project');
    await saveBaseline(path.join('project', 'baselines'), 'orders', [scenario('one', [exchange('GET', '/ping', { response: { ok: true } })])]);
    const cwd = process.cwd();
    process.chdir(project);
    try {
      const byName = await handlersFromBaseline('orders');
      const byDefaultDir = await handlersFromBaseline({ suite: 'orders' });
      expect(headers(byName)[0]).toBe('GET /ping (paritykit baseline orders, 1 recorded response)');
      expect(headers(byDefaultDir)).toEqual(headers(byName));
    } finally {
      process.chdir(cwd);
    }
  });

  it('throws BASELINE_MISSING naming the folder when nothing was recorded there', async () => {
    const missing = path.join(tmp, 'nowhere', 'orders');
    const error = await handlersFromBaseline(missing).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ParityError);
    expect((error as ParityError).code).toBe('BASELINE_MISSING');
    expect((error as ParityError).message).toContain('no baseline recorded there');
    expect((error as ParityError).message).toContain('paritykit record --suite orders');
  });

  it('throws BASELINE_MISSING for a baseline without HTTP exchanges', async () => {
    const cli = scenario('cli', []);
    delete cli.observation.http;
    const dir = await saveBaseline('cli', 'ledger', [cli]);
    const error = await handlersFromBaseline({ baselineDir: dir, suite: 'ledger' }).catch((e: unknown) => e);
    expect((error as ParityError).code).toBe('BASELINE_MISSING');
    expect((error as ParityError).message).toContain('holds no HTTP exchanges');
  });

  it('throws USAGE for an invalid onUnhandled or baseUrl', async () => {
    const bad = (options: object) =>
      handlersFromBaseline(path.join(ordersDir, 'orders'), options as never).then(
        (): ParityError => {
          throw new Error('expected a ParityError');
        },
        (e: unknown) => e as ParityError,
      );
    expect((await bad({ onUnhandled: 'warn' })).code).toBe('USAGE');
    const url = await bad({ baseUrl: 'ftp://x' });
    expect(url.code).toBe('USAGE');
    expect(url.message).toContain('not an http(s) URL');
  });
});

afterEach(() => {
  // A test that changed directory and failed must not leak it into the next.
  expect(process.cwd()).not.toContain('paritykit-msw-');
});
