import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import zlib from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { runExchanges } from '../../recorders/http.ts';
import type { ExchangeScenario, HttpObservation } from '../http-model.ts';
import type { ChannelResult, JsonChange } from '../model.ts';
import { compareHttp, DEFAULT_IGNORED_HEADERS, MAX_EXCHANGE_BODY_BYTES, type HttpDifference } from './http.ts';

const require = createRequire(import.meta.url);
const { PNG } = require('pngjs') as {
  PNG: {
    new (o: { width: number; height: number }): { width: number; height: number; data: Buffer };
    sync: { read(b: Buffer): { width: number; height: number; data: Buffer }; write(p: unknown, o?: object): Buffer };
  };
};

type Handler = (req: { method: string; url: string; body: string }, res: http.ServerResponse) => void;

const open: http.Server[] = [];

afterEach(async () => {
  await Promise.all(
    open.splice(0).map(
      (server) =>
        new Promise<void>((ok) => {
          server.closeAllConnections();
          server.close(() => ok());
        }),
    ),
  );
});

/** Starts a real server on 127.0.0.1 (OS-chosen port) and returns its base URL. */
async function serve(handler: Handler): Promise<string> {
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => handler({ method: req.method ?? '', url: req.url ?? '', body }, res));
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  open.push(server);
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Replays the scenario against a legacy and a candidate server and compares. */
async function observeBoth(
  scenario: ExchangeScenario,
  legacy: Handler,
  candidate: Handler,
): Promise<{ legacy: HttpObservation; candidate: HttpObservation }> {
  const [l, c] = await Promise.all([serve(legacy), serve(candidate)]);
  return { legacy: await runExchanges(l, scenario), candidate: await runExchanges(c, scenario) };
}

function send(res: http.ServerResponse, status: number, headers: Record<string, string | string[]>, body: string | Buffer = ''): void {
  res.writeHead(status, headers);
  res.end(body);
}

function diffs(results: ChannelResult[]): ChannelResult[] {
  return results.filter((r) => r.verdict === 'diff');
}

function changesOf(result: ChannelResult): JsonChange[] {
  const d = result.difference as HttpDifference;
  if (d.kind === 'json') return d.changes;
  return d.head ?? [];
}

/** An orders service that hands out ids from `firstId`, like a legacy and a rewrite would. */
function ordersService(firstId: number, options: { total?: number; extraHeaders?: Record<string, string> } = {}): Handler {
  let next = firstId;
  const orders = new Map<number, { id: number; sku: string; total: number }>();
  return (req, res) => {
    const volatile = { date: new Date(Date.now() + next).toUTCString(), 'x-request-id': `req-${Math.random()}`, etag: `"${next}"` };
    if (req.method === 'POST' && req.url === '/orders') {
      const id = next++;
      const order = { id, sku: (JSON.parse(req.body) as { sku: string }).sku, total: options.total ?? 10.5 };
      orders.set(id, order);
      return send(
        res,
        201,
        { 'content-type': 'application/json', location: `/orders/${id}`, ...volatile, ...options.extraHeaders },
        JSON.stringify(order),
      );
    }
    const match = /^\/orders\/(\d+)$/.exec(req.url);
    if (match && orders.has(Number(match[1]))) {
      const order = orders.get(Number(match[1]))!;
      return send(
        res,
        200,
        { 'content-type': 'application/json; charset=utf-8', ...volatile, ...options.extraHeaders },
        JSON.stringify({ ...order, links: { self: `/orders/${order.id}` }, note: `order ${order.id} is open` }),
      );
    }
    send(res, 404, { 'content-type': 'application/json' }, JSON.stringify({ error: 'not found' }));
  };
}

const CREATE_AND_READ: ExchangeScenario = {
  id: 'create-and-read',
  requests: [
    { method: 'POST', path: '/orders', body: { json: { sku: 'A1' } }, capture: { orderId: { json: '$.id' } } },
    { path: '/orders/{{orderId}}' },
  ],
};

describe('compareHttp: captured values compare as "the value the flow received"', () => {
  it('treats legacy id 17 and candidate id 903 as the same id created by request #1', async () => {
    const obs = await observeBoth(CREATE_AND_READ, ordersService(17), ordersService(903));
    expect(obs.legacy.exchanges[0].captures.orderId).toBe('17');
    expect(obs.candidate.exchanges[0].captures.orderId).toBe('903');

    const results = compareHttp(obs.legacy, obs.candidate);

    expect(results.map((r) => [r.channel, r.path, r.verdict, r.format])).toEqual([
      ['http', '#1 POST /orders', 'pass', 'json'],
      ['http', '#2 GET /orders/{{orderId}}', 'pass', 'json'],
    ]);
  });

  it('still reports a real difference beside the captured id, and only that', async () => {
    const obs = await observeBoth(CREATE_AND_READ, ordersService(17), ordersService(903, { total: 10.51 }));
    const results = compareHttp(obs.legacy, obs.candidate);
    expect(results.map((r) => r.verdict)).toEqual(['diff', 'diff']);
    expect(changesOf(results[1])).toEqual([{ path: '$.body.total', kind: 'changed', legacy: 10.5, candidate: 10.51 }]);
    expect(results[1].difference!.summary).toBe('body $.body.total changed');
  });

  it('does not equate two different ids: 17 against a candidate that returns another order', async () => {
    const candidate: Handler = (req, res) => {
      if (req.method === 'POST') return send(res, 201, { 'content-type': 'application/json' }, JSON.stringify({ id: 903, sku: 'A1', total: 10.5 }));
      // The rewrite's read endpoint returns some other order (id 904) than the one created.
      send(res, 200, { 'content-type': 'application/json' }, JSON.stringify({ id: 904, sku: 'A1', total: 10.5 }));
    };
    const legacy: Handler = (req, res) => {
      if (req.method === 'POST') return send(res, 201, { 'content-type': 'application/json' }, JSON.stringify({ id: 17, sku: 'A1', total: 10.5 }));
      send(res, 200, { 'content-type': 'application/json' }, JSON.stringify({ id: 17, sku: 'A1', total: 10.5 }));
    };
    const obs = await observeBoth(CREATE_AND_READ, legacy, candidate);
    const results = compareHttp(obs.legacy, obs.candidate);
    expect(results[0].verdict).toBe('pass');
    expect(changesOf(results[1])).toEqual([{ path: '$.body.id', kind: 'changed', legacy: 17, candidate: 904 }]);
  });

  it('replaces long captured values anywhere in each side (uuids in text bodies and headers)', async () => {
    const flow = (id: string): Handler => (req, res) => {
      if (req.method === 'POST') {
        return send(res, 201, { 'content-type': 'application/json', 'x-order': `urn:order:${id}` }, JSON.stringify({ orderId: id }));
      }
      send(res, 200, { 'content-type': 'text/plain' }, `Order ${id}\nstatus: open\nref=${id.toUpperCase()}\n`);
    };
    const scenario: ExchangeScenario = {
      id: 'uuid',
      requests: [
        { method: 'POST', path: '/orders', body: { json: {} }, capture: { id: { json: '$.orderId' } } },
        { path: '/orders/{{id}}/receipt' },
      ],
    };
    const obs = await observeBoth(scenario, flow('0f8fad5b-d9cb-469f-a165-70867728950e'), flow('7c9e6679-7425-40de-944b-e07fc1f90ae7'));
    const results = compareHttp(obs.legacy, obs.candidate);
    expect(results[0].verdict).toBe('pass');
    expect(results[1].path).toBe('#2 GET /orders/{{id}}/receipt');
    // The upper-cased copy is not the captured value: a real (if odd) difference.
    expect(results[1].verdict).toBe('diff');
    expect(results[1].format).toBe('text');
    expect(results[1].difference!.kind).toBe('text');
    expect(results[1].difference!.unified).toContain('-ref=0F8FAD5B-D9CB-469F-A165-70867728950E');
    expect(results[1].difference!.unified).toContain('\n Order {{id}}\n status: open\n-ref=');
    expect(results[1].difference!.summary).toBe('1 line changed');
  });
});

describe('compareHttp: headers', () => {
  it('ignores volatile headers (date, etag, x-request-id, server, content-length)', async () => {
    const obs = await observeBoth(
      CREATE_AND_READ,
      ordersService(1, { extraHeaders: { server: 'Apache/2.2', 'x-powered-by': 'PHP/5.6' } }),
      ordersService(1, { extraHeaders: { server: 'node', 'x-response-time': '3ms' } }),
    );
    const results = compareHttp(obs.legacy, obs.candidate);
    expect(results.map((r) => r.verdict)).toEqual(['pass', 'pass']);
    expect(DEFAULT_IGNORED_HEADERS).toContain('date');
  });

  it('detects a changed header and reports it by path', async () => {
    const handler = (name: string): Handler => (req, res) =>
      send(res, 200, { 'content-type': 'application/json', [name]: '42', 'cache-control': 'no-store' }, '[]');
    const obs = await observeBoth({ id: 'list', requests: [{ path: '/orders', query: { page: '2' } }] }, handler('X-Total-Count'), handler('X-Total'));
    const [result] = compareHttp(obs.legacy, obs.candidate);
    expect(result.path).toBe('#1 GET /orders?page=2');
    expect(result.verdict).toBe('diff');
    expect(result.difference!.kind).toBe('json');
    expect(changesOf(result)).toEqual([
      { path: '$.headers["x-total-count"]', kind: 'removed', legacy: '42' },
      { path: '$.headers["x-total"]', kind: 'added', candidate: '42' },
    ]);
    expect(result.difference!.summary).toBe('2 headers differ (x-total-count, x-total)');
  });

  it('is configurable both ways: ignore more, or compare a default-ignored header', async () => {
    const handler = (server: string, cache: string): Handler => (req, res) =>
      send(res, 200, { 'content-type': 'text/plain', server, 'x-cache': cache }, 'ok');
    const obs = await observeBoth({ id: 'h', requests: [{ path: '/' }] }, handler('legacy/1', 'HIT'), handler('rewrite/2', 'MISS'));
    expect(changesOf(compareHttp(obs.legacy, obs.candidate)[0]).map((c) => c.path)).toEqual(['$.headers["x-cache"]']);
    expect(compareHttp(obs.legacy, obs.candidate, { ignoreHeaders: ['X-*'] })[0].verdict).toBe('pass');
    expect(changesOf(compareHttp(obs.legacy, obs.candidate, { ignoreHeaders: ['x-cache'], compareHeaders: ['Server'] })[0])).toEqual([
      { path: '$.headers.server', kind: 'changed', legacy: 'legacy/1', candidate: 'rewrite/2' },
    ]);
  });

  it('compares repeated headers as lists and cookies by name and attributes, not value', async () => {
    const handler = (cookies: string[], vary: string[]): Handler => (req, res) => {
      res.setHeader('Set-Cookie', cookies);
      res.setHeader('Vary', vary);
      res.setHeader('Content-Type', 'Application/JSON;Charset=UTF-8');
      res.end('{}');
    };
    const obs = await observeBoth(
      { id: 'cookies', requests: [{ path: '/login' }] },
      handler(['sid=abc123; Path=/; HttpOnly; Expires=Wed, 21 Oct 2015 07:28:00 GMT', 'theme=dark'], ['accept', 'origin']),
      handler(['theme=light', 'sid=zz9; HttpOnly; path=/; expires=Thu, 01 Jan 2026 00:00:00 GMT'], ['accept', 'origin']),
    );
    expect(compareHttp(obs.legacy, obs.candidate)[0].verdict).toBe('pass');
    // Values are compared when asked to.
    const literal = compareHttp(obs.legacy, obs.candidate, { compareHeaders: ['set-cookie'] })[0];
    expect(changesOf(literal).map((c) => c.path)).toEqual(['$.headers["set-cookie"][0]', '$.headers["set-cookie"][1]']);
    expect(literal.difference!.summary).toBe('header set-cookie changed');

    const lost = await observeBoth(
      { id: 'cookies', requests: [{ path: '/login' }] },
      handler(['sid=abc123; Path=/; HttpOnly'], ['accept', 'origin']),
      handler(['sid=abc123; Path=/'], ['accept']),
    );
    expect(changesOf(compareHttp(lost.legacy, lost.candidate)[0])).toEqual([
      { path: '$.headers["set-cookie"]', kind: 'changed', legacy: 'sid=…; httponly; path=/', candidate: 'sid=…; path=/' },
      { path: '$.headers.vary', kind: 'type', legacy: ['accept', 'origin'], candidate: 'accept' },
    ]);
  });

  it('compares content-length for HEAD requests, where it is the only body signal', async () => {
    const handler = (length: string): Handler => (req, res) => send(res, 200, { 'content-type': 'application/json', 'content-length': length });
    const obs = await observeBoth({ id: 'head', requests: [{ method: 'HEAD', path: '/report' }] }, handler('120'), handler('98'));
    expect(changesOf(compareHttp(obs.legacy, obs.candidate)[0])).toEqual([
      { path: '$.headers["content-length"]', kind: 'changed', legacy: '120', candidate: '98' },
    ]);
    expect(compareHttp(obs.legacy, obs.candidate, { ignoreHeaders: ['content-length'] })[0].verdict).toBe('pass');
  });
});

describe('compareHttp: status and bodies', () => {
  it('reports a status change alone as a value difference', async () => {
    const handler = (status: number): Handler => (req, res) => send(res, status, { 'content-type': 'application/json' }, '{"error":"invalid"}');
    const obs = await observeBoth({ id: 'validation', requests: [{ method: 'POST', path: '/orders', body: { json: {} } }] }, handler(400), handler(422));
    const [result] = compareHttp(obs.legacy, obs.candidate);
    expect(result.difference).toMatchObject({ kind: 'value', summary: 'status: 400 → 422', legacy: 400, candidate: 422 });
  });

  it('reports JSON body differences by path, with the status beside them', async () => {
    const handler = (status: number, items: unknown[]): Handler => (req, res) =>
      send(res, status, { 'content-type': 'application/json' }, JSON.stringify({ items, page: 1 }));
    const obs = await observeBoth(
      { id: 'list', requests: [{ path: '/orders' }] },
      handler(200, [{ sku: 'A1', price: 1.25 }, { sku: 'B2', price: 3 }]),
      handler(206, [{ sku: 'A1', price: 1.25 }, { sku: 'B2', price: 3.01, extra: true }]),
    );
    const [result] = compareHttp(obs.legacy, obs.candidate);
    expect(result.difference!.kind).toBe('json');
    expect(changesOf(result)).toEqual([
      { path: '$.status', kind: 'changed', legacy: 200, candidate: 206 },
      { path: '$.body.items[1].price', kind: 'changed', legacy: 3, candidate: 3.01 },
      { path: '$.body.items[1].extra', kind: 'added', candidate: true },
    ]);
    expect(result.difference!.summary).toBe('status 200 → 206; 2 body paths differ (1 changed, 1 added)');
    expect(result.difference!.unified.split('\n')[0]).toBe('~ $.status: 200 → 206');

    const tolerant = compareHttp(obs.legacy, obs.candidate, { tolerances: [{ path: '$.items[*].price', absolute: 0.01 }] });
    expect(changesOf(tolerant[0]).map((c) => c.path)).toEqual(['$.status', '$.body.items[1].extra']);
  });

  it('compares a gzip body with a plain one by their decoded content', async () => {
    const payload = JSON.stringify({ report: 'x'.repeat(500) });
    const obs = await observeBoth(
      { id: 'gzip', requests: [{ path: '/report' }] },
      (req, res) => send(res, 200, { 'content-type': 'application/json', 'content-encoding': 'gzip' }, zlib.gzipSync(payload)),
      (req, res) => send(res, 200, { 'content-type': 'application/json' }, payload),
    );
    expect(obs.legacy.exchanges[0].response.encoding).toBe('gzip');
    expect(compareHttp(obs.legacy, obs.candidate)[0].verdict).toBe('pass');
  });

  it('diffs text bodies by line and puts header changes in front', async () => {
    const handler = (body: string, lang: string): Handler => (req, res) =>
      send(res, 200, { 'content-type': 'text/html; charset=utf-8', 'content-language': lang }, body);
    const obs = await observeBoth(
      { id: 'page', requests: [{ path: '/page' }] },
      handler('<h1>Orders</h1>\n<p>3 open</p>\n', 'en'),
      handler('<h1>Orders</h1>\n<p>3 opened</p>\n', 'en-GB'),
    );
    const [result] = compareHttp(obs.legacy, obs.candidate);
    const d = result.difference as HttpDifference;
    expect(result.format).toBe('text');
    expect(d.kind).toBe('text');
    expect(d.head).toEqual([{ path: '$.headers["content-language"]', kind: 'changed', legacy: 'en', candidate: 'en-GB' }]);
    expect(d.summary).toBe('header content-language changed; body: 1 line changed');
    expect(d.unified).toContain('~ $.headers["content-language"]: "en" → "en-GB"');
    expect(d.unified).toContain('+<p>3 opened</p>');
  });

  it('compares YAML bodies structurally, with paths under $.body', async () => {
    const handler = (body: string): Handler => (req, res) => send(res, 200, { 'content-type': 'application/yaml' }, body);
    const obs = await observeBoth({ id: 'yaml', requests: [{ path: '/config' }] }, handler('name: orders\nreplicas: 2\n'), handler('replicas: 3\nname: orders\n'));
    const [result] = compareHttp(obs.legacy, obs.candidate);
    expect(result.format).toBe('yaml');
    expect(changesOf(result)).toEqual([{ path: '$.body.replicas', kind: 'changed', legacy: 2, candidate: 3 }]);
  });

  it('compares binary bodies by hash', async () => {
    const handler = (bytes: number[]): Handler => (req, res) => send(res, 200, { 'content-type': 'application/octet-stream' }, Buffer.from(bytes));
    const obs = await observeBoth({ id: 'bin', requests: [{ path: '/blob' }] }, handler([0, 1, 2, 255]), handler([0, 1, 3, 255]));
    const [result] = compareHttp(obs.legacy, obs.candidate);
    expect(result.format).toBe('binary');
    expect(result.difference).toMatchObject({ kind: 'binary', legacy: { size: 4 }, candidate: { size: 4 } });
  });

  it('runs the normalize hook on text bodies with the exchange index', async () => {
    const handler = (stamp: string): Handler => (req, res) =>
      send(res, 200, { 'content-type': 'application/json' }, JSON.stringify({ generatedAt: stamp, n: 1 }));
    const obs = await observeBoth({ id: 'n', requests: [{ path: '/a' }, { path: '/b' }] }, handler('2020-01-01T00:00:00Z'), handler('2024-06-30T12:00:00Z'));
    expect(diffs(compareHttp(obs.legacy, obs.candidate))).toHaveLength(2);
    const seen: number[] = [];
    const results = compareHttp(obs.legacy, obs.candidate, {
      normalize: (text, format, ctx) => {
        expect(format).toBe('json');
        seen.push(ctx.exchange);
        return text.replace(/\d{4}-\d\d-\d\dT[\d:]+Z/g, '<timestamp>');
      },
    });
    expect(diffs(results)).toHaveLength(0);
    expect(seen).toEqual([0, 0, 1, 1]);
  });

  it('reports the exchanges one side never sent, naming its error', async () => {
    const scenario: ExchangeScenario = {
      id: 'stops',
      requests: [{ path: '/a', capture: { id: { json: '$.id' } } }, { path: '/b/{{id}}' }],
    };
    const obs = await observeBoth(
      scenario,
      (req, res) => send(res, 200, { 'content-type': 'application/json' }, '{"id":"abcd-1"}'),
      (req, res) => send(res, 200, { 'content-type': 'application/json' }, '{"ident":"abcd-1"}'),
    );
    expect(obs.candidate.error).toBeDefined();
    const results = compareHttp(obs.legacy, obs.candidate);
    expect(results).toHaveLength(2);
    expect(results[1].path).toBe('#2 GET /b/{{id}}');
    expect(results[1].difference).toMatchObject({ kind: 'value', legacy: 200, candidate: null });
    expect(results[1].difference!.summary).toContain('the candidate did not send request #2 (its scenario stopped:');
  });
});

describe('compareHttp: images', () => {
  /** A 20×10 PNG with a gradient; `changed` pixels get a different colour. */
  function png(changed: Array<[number, number]> = [], options: object = {}): Buffer {
    const image = new PNG({ width: 20, height: 10 });
    for (let y = 0; y < 10; y++) {
      for (let x = 0; x < 20; x++) {
        const i = (y * 20 + x) * 4;
        image.data[i] = x * 12;
        image.data[i + 1] = y * 25;
        image.data[i + 2] = 100;
        image.data[i + 3] = 255;
      }
    }
    for (const [x, y] of changed) {
      const i = (y * 20 + x) * 4;
      image.data[i] = 255 - image.data[i];
      image.data[i + 1] = 255 - image.data[i + 1];
    }
    return PNG.sync.write(image, options);
  }

  const imageScenario: ExchangeScenario = { id: 'chart', requests: [{ path: '/chart.png' }] };
  const pngHandler = (bytes: Buffer): Handler => (req, res) => send(res, 200, { 'content-type': 'image/png' }, bytes);

  it('finds images with the same pixels equal, even when their bytes differ', async () => {
    const a = png();
    const b = png([], { deflateLevel: 1, filterType: 0 });
    expect(a.equals(b)).toBe(false);
    const obs = await observeBoth(imageScenario, pngHandler(a), pngHandler(b));
    const [result] = compareHttp(obs.legacy, obs.candidate);
    expect(result).toMatchObject({ verdict: 'pass', format: 'image' });
  });

  it('counts the pixels that differ and returns a diff image', async () => {
    const obs = await observeBoth(imageScenario, pngHandler(png()), pngHandler(png([[1, 1], [5, 5], [18, 9]])));
    const [result] = compareHttp(obs.legacy, obs.candidate);
    const d = result.difference as HttpDifference;
    expect(d.kind).toBe('binary');
    expect(d.summary).toBe('image differs: 3 pixels differ (1.50%) of 20×10 at threshold 0.01');
    expect(d.image).toMatchObject({ differingPixels: 3, ratio: 0.015, threshold: 0.01, legacy: { width: 20, height: 10 } });
    const diffImage = PNG.sync.read(Buffer.from(d.image!.diffPng!, 'base64'));
    expect([diffImage.width, diffImage.height]).toEqual([20, 10]);
    // pixelmatch paints differing pixels red.
    const i = (5 * 20 + 5) * 4;
    expect([diffImage.data[i], diffImage.data[i + 1], diffImage.data[i + 2]]).toEqual([255, 0, 0]);
  });

  it('lets a looser threshold accept a slight colour change', async () => {
    const base = png();
    const image = PNG.sync.read(base);
    image.data[0] += 3; // one pixel, barely different
    const obs = await observeBoth(imageScenario, pngHandler(base), pngHandler(PNG.sync.write(image)));
    expect(compareHttp(obs.legacy, obs.candidate, { imageThreshold: 0 })[0].verdict).toBe('diff');
    expect(compareHttp(obs.legacy, obs.candidate, { imageThreshold: 0.1 })[0].verdict).toBe('pass');
  });

  it('reports images of different sizes without a pixel comparison', async () => {
    const small = new PNG({ width: 4, height: 4 });
    small.data.fill(255);
    const obs = await observeBoth(imageScenario, pngHandler(png()), pngHandler(PNG.sync.write(small)));
    const d = compareHttp(obs.legacy, obs.candidate)[0].difference as HttpDifference;
    expect(d.summary).toBe('image size differs: 20×10 → 4×4 px');
    expect(d.image).toMatchObject({ differingPixels: null, candidate: { width: 4, height: 4 } });
  });

  it('compares JPEG images by hash and says so', async () => {
    const jpeg = (last: number) => Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 16, 0x4a, 0x46, 0x49, 0x46, last, 0xff, 0xd9]);
    const handler = (bytes: Buffer): Handler => (req, res) => send(res, 200, { 'content-type': 'image/jpeg' }, bytes);
    const obs = await observeBoth({ id: 'photo', requests: [{ path: '/photo.jpg' }] }, handler(jpeg(1)), handler(jpeg(2)));
    const [result] = compareHttp(obs.legacy, obs.candidate);
    expect(result.format).toBe('image');
    expect(result.difference!.kind).toBe('binary');
    expect(result.difference!.summary).toMatch(/^JPEG compared by hash \(only PNG images are decoded: no JPEG, GIF or WebP decoder is installed\); binary content differs/);
  });
});

describe('compareHttp: the exchange of a differing result, for reports', () => {
  type Exchange = HttpObservation['exchanges'][number];

  /** One hand-made exchange: `POST /orders` unless told otherwise. */
  function exchange(response: Partial<Exchange['response']>, request: Partial<Exchange['request']> = {}): Exchange {
    return {
      request: { method: 'POST', url: '/orders', headers: [['content-type', 'application/json']], body: Buffer.from('{"sku":"A1"}'), ...request },
      response: { status: 201, statusText: 'Created', headers: [['content-type', 'application/json']], body: Buffer.from('{"id":17}'), ...response },
      captures: {},
      durationMs: 3,
    };
  }

  it('carries the request the candidate sent and both responses, on differing results only', async () => {
    const obs = await observeBoth(
      { id: 'orders', requests: [{ method: 'POST', path: '/orders', headers: { 'x-client': 'tests' }, body: { json: { sku: 'A1' } } }, { path: '/health' }] },
      (req, res) => (req.url === '/health' ? send(res, 200, { 'content-type': 'text/plain' }, 'ok') : send(res, 201, { 'content-type': 'application/json', location: '/orders/17' }, '{"id":17}')),
      (req, res) => (req.url === '/health' ? send(res, 200, { 'content-type': 'text/plain' }, 'ok') : send(res, 400, { 'content-type': 'application/json' }, '{"error":"sku"}')),
    );
    const [created, health] = compareHttp(obs.legacy, obs.candidate);
    expect(health.verdict).toBe('pass');
    expect(health).not.toHaveProperty('exchange');
    expect(created.verdict).toBe('diff');
    const ex = created.exchange!;
    expect(ex.request).toMatchObject({ method: 'POST', url: '/orders', body: '{"sku":"A1"}' });
    expect(ex.request.headers).toContainEqual(['x-client', 'tests']);
    expect(ex.legacy).toMatchObject({ status: 201, statusText: 'Created', body: '{"id":17}' });
    expect(ex.legacy!.headers).toContainEqual(['location', '/orders/17']);
    expect(ex.candidate).toMatchObject({ status: 400, statusText: 'Bad Request', body: '{"error":"sku"}' });
    expect(ex.candidate!.headers).toContainEqual(['content-type', 'application/json']);
  });

  it('shows the request as the candidate sent it, captured values and all, and the raw bodies', () => {
    const legacy: HttpObservation = { exchanges: [exchange({ body: Buffer.from('{"id":17,"total":1}') }, { method: 'GET', url: '/orders/17', body: null })] };
    const candidate: HttpObservation = { exchanges: [exchange({ body: Buffer.from('{"id":903,"total":2}') }, { method: 'GET', url: '/orders/903', body: null })] };
    const [result] = compareHttp(legacy, candidate);
    expect(result.exchange).toEqual({
      request: { method: 'GET', url: '/orders/903', headers: [['content-type', 'application/json']] }, // no body: absent
      legacy: { status: 201, statusText: 'Created', headers: [['content-type', 'application/json']], body: '{"id":17,"total":1}' },
      candidate: { status: 201, statusText: 'Created', headers: [['content-type', 'application/json']], body: '{"id":903,"total":2}' },
    });
    // a copy: the report does not share the observation's header lists
    expect(result.exchange!.legacy!.headers).not.toBe(legacy.exchanges[0].response.headers);
  });

  it('cuts text bodies at 4 KiB on a character boundary and says how many bytes were left out', () => {
    // 4,095 ASCII bytes, then 'é' (2 bytes) straddling the 4 KiB mark: it is left out whole.
    const long = Buffer.from(`${'a'.repeat(MAX_EXCHANGE_BODY_BYTES - 1)}é${'b'.repeat(99)}`);
    const [result] = compareHttp(
      { exchanges: [exchange({ headers: [['content-type', 'text/plain']], body: long })] },
      { exchanges: [exchange({ headers: [['content-type', 'text/plain']], body: Buffer.from('short') })] },
    );
    expect(MAX_EXCHANGE_BODY_BYTES).toBe(4096);
    expect(result.exchange!.legacy!.body).toBe(`${'a'.repeat(4095)}\n… (101 more bytes)`);
    expect(result.exchange!.candidate!.body).toBe('short');
    // exactly 4 KiB is kept whole
    const exact = Buffer.from('c'.repeat(4096));
    const [same] = compareHttp({ exchanges: [exchange({ body: exact, status: 200 })] }, { exchanges: [exchange({ body: exact })] });
    expect(same.exchange!.legacy!.body).toBe('c'.repeat(4096));
  });

  it('shows binary bodies as size and hash, and leaves an empty body out', () => {
    const bytes = Buffer.from([0x00, 0x01, 0xfe, 0xff]);
    const [result] = compareHttp(
      { exchanges: [exchange({ headers: [['content-type', 'application/octet-stream']], body: bytes })] },
      { exchanges: [exchange({ status: 204, statusText: 'No Content', headers: [], body: Buffer.alloc(0) })] },
    );
    const sha = createHash('sha256').update(bytes).digest('hex');
    expect(result.exchange!.legacy!.body).toBe(`<binary, 4 bytes, sha256 ${sha}>`);
    expect(result.exchange!.candidate).toEqual({ status: 204, statusText: 'No Content', headers: [] });
    // invalid UTF-8 is binary too
    const [latin1] = compareHttp(
      { exchanges: [exchange({ headers: [['content-type', 'text/plain']], body: Buffer.from('caf\xe9', 'latin1') })] },
      { exchanges: [exchange({ headers: [['content-type', 'text/plain']], body: Buffer.from('café') })] },
    );
    expect(latin1.exchange!.legacy!.body).toMatch(/^<binary, 4 bytes, sha256 [0-9a-f]{64}>$/);
    expect(latin1.exchange!.candidate!.body).toBe('café');
  });

  it('carries only the side that sent it when the other never did, with its request', () => {
    const [, onlyLegacy] = compareHttp(
      { exchanges: [exchange({}), exchange({ status: 200, statusText: 'OK' }, { method: 'GET', url: '/orders/17', body: null })] },
      { exchanges: [exchange({})], error: 'connection reset' },
    );
    expect(onlyLegacy.exchange).toEqual({
      request: { method: 'GET', url: '/orders/17', headers: [['content-type', 'application/json']] },
      legacy: { status: 200, statusText: 'OK', headers: [['content-type', 'application/json']], body: '{"id":17}' },
    });
    const [, onlyCandidate] = compareHttp({ exchanges: [exchange({})] }, { exchanges: [exchange({}), exchange({}, { url: '/orders/extra' })] });
    expect(onlyCandidate.exchange!.request.url).toBe('/orders/extra');
    expect(onlyCandidate.exchange!.legacy).toBeUndefined();
    expect(onlyCandidate.exchange!.candidate!.status).toBe(201);
  });
});
