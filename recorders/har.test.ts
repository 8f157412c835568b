import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ParityError } from '../harness/errors.ts';
import type { HttpExchange } from '../harness/http-model.ts';
import { createRedactor } from '../harness/redact.ts';
import { fromHar, readHarExchanges, toHar } from './har.ts';
import type { HarLog } from './har.ts';
import { requestSpecsFromExchanges, startRecordingProxy } from './proxy.ts';

const SHOP_HAR = resolve(import.meta.dirname, 'fixtures/proxy/shop.har');
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');

function exchange(
  method: string,
  url: string,
  request: { headers?: Array<[string, string]>; body?: Buffer | null },
  response: { status: number; statusText?: string; headers?: Array<[string, string]>; body?: Buffer; encoding?: string },
  extra: Partial<Pick<HttpExchange, 'captures' | 'durationMs'>> = {},
): HttpExchange {
  return {
    request: { method, url, headers: [['host', 'legacy.test:8080'], ...(request.headers ?? [])], body: request.body ?? null },
    response: {
      status: response.status,
      statusText: response.statusText ?? 'OK',
      headers: response.headers ?? [],
      body: response.body ?? Buffer.alloc(0),
      ...(response.encoding !== undefined ? { encoding: response.encoding } : {}),
    },
    captures: extra.captures ?? {},
    durationMs: extra.durationMs ?? 12.5,
  };
}

/** Scenarios exercising every body and header shape the HAR must carry. */
function sampleScenarios(): Array<{ id: string; exchanges: HttpExchange[] }> {
  return [
    {
      id: 'session-1-post-login',
      exchanges: [
        exchange(
          'POST',
          '/login',
          { headers: [['content-type', 'application/x-www-form-urlencoded']], body: Buffer.from('user=ann&remember=1') },
          {
            status: 302,
            statusText: 'Found',
            headers: [['location', '/account'], ['set-cookie', 'sid=<redacted:cookie:1>; Path=/; HttpOnly; SameSite=Lax'], ['set-cookie', 'lang=en; Expires=Wed, 21 Oct 2037 07:28:00 GMT']],
          },
          { durationMs: 30.25 },
        ),
        exchange(
          'POST',
          '/orders?draft=1&tag=a&tag=b',
          { headers: [['content-type', 'application/json'], ['cookie', 'sid=<redacted:cookie:1>; lang=en']], body: Buffer.from('{"sku":"pen","qty":2}') },
          {
            status: 201,
            statusText: 'Created',
            headers: [['content-type', 'application/json'], ['content-encoding', 'gzip'], ['x-multi', 'a'], ['x-multi', 'b']],
            body: Buffer.from('{"id":"ord_123","total":"4.20"}'),
            encoding: 'gzip',
          },
          { captures: { orders_id: 'ord_123' } },
        ),
      ],
    },
    {
      id: 'session-2-put-avatar',
      exchanges: [
        exchange('PUT', '/avatar', { headers: [['content-type', 'image/png']], body: PNG }, { status: 204, statusText: 'No Content' }),
        exchange('GET', '/avatar', {}, { status: 200, headers: [['content-type', 'image/png']], body: PNG }),
      ],
    },
  ];
}

describe('toHar', () => {
  it('writes a HAR 1.2 log devtools can open: pages per scenario, entries with every required field', () => {
    const har = JSON.parse(JSON.stringify(toHar(sampleScenarios(), undefined, { startedAt: '2025-01-02T03:04:05.000Z' }))) as HarLog;
    expect(har.log.version).toBe('1.2');
    expect(har.log.creator.name).toBe('paritykit');
    expect(har.log.pages!.map((p) => [p.id, p.title, p.startedDateTime])).toEqual([
      ['session-1-post-login', 'session-1-post-login', '2025-01-02T03:04:05.000Z'],
      ['session-2-put-avatar', 'session-2-put-avatar', '2025-01-02T03:04:05.042Z'],
    ]);
    const [login, order, upload, download] = har.log.entries;
    expect(login).toMatchObject({
      pageref: 'session-1-post-login',
      startedDateTime: '2025-01-02T03:04:05.000Z',
      time: 30.25,
      request: {
        method: 'POST',
        url: 'http://legacy.test:8080/login',
        httpVersion: 'HTTP/1.1',
        headersSize: -1,
        bodySize: 19,
        postData: {
          mimeType: 'application/x-www-form-urlencoded',
          text: 'user=ann&remember=1',
          params: [
            { name: 'user', value: 'ann' },
            { name: 'remember', value: '1' },
          ],
        },
      },
      response: {
        status: 302,
        statusText: 'Found',
        redirectURL: '/account',
        headersSize: -1,
        cookies: [
          { name: 'sid', value: '<redacted:cookie:1>', path: '/', httpOnly: true, sameSite: 'Lax' },
          { name: 'lang', value: 'en', expires: '2037-10-21T07:28:00.000Z' },
        ],
        content: { size: 0, mimeType: 'x-unknown', text: '' },
      },
      cache: {},
      timings: { send: 0, wait: 30.25, receive: 0 },
    });
    expect(order.startedDateTime).toBe('2025-01-02T03:04:05.030Z');
    expect(order.request.queryString).toEqual([
      { name: 'draft', value: '1' },
      { name: 'tag', value: 'a' },
      { name: 'tag', value: 'b' },
    ]);
    expect(order.request.cookies).toEqual([
      { name: 'sid', value: '<redacted:cookie:1>' },
      { name: 'lang', value: 'en' },
    ]);
    expect(order.response.headers.filter((h) => h.name === 'x-multi')).toEqual([
      { name: 'x-multi', value: 'a' },
      { name: 'x-multi', value: 'b' },
    ]);
    expect(order.response.content).toEqual({ size: 31, mimeType: 'application/json', text: '{"id":"ord_123","total":"4.20"}' });
    expect(order.response.bodySize).toBe(-1); // sent gzip-compressed; the compressed size is not known
    expect(upload.request.postData).toEqual({ mimeType: 'image/png', text: PNG.toString('base64'), _encoding: 'base64' });
    expect(download.response.content).toEqual({ size: PNG.length, mimeType: 'image/png', text: PNG.toString('base64'), encoding: 'base64' });
    for (const entry of har.log.entries) {
      const timings = Object.values(entry.timings).filter((t): t is number => typeof t === 'number' && t >= 0);
      expect(timings.reduce((a, b) => a + b, 0)).toBeCloseTo(entry.time);
    }
  });

  it('round-trips through JSON back to the same exchanges', () => {
    const scenarios = sampleScenarios();
    const har: unknown = JSON.parse(JSON.stringify(toHar(scenarios)));
    expect(readHarExchanges(har, 'baseline.har')).toEqual(scenarios);
  });
});

describe('fromHar', () => {
  it('imports a paritykit HAR as the same scenarios and requests the recording derived', () => {
    const scenarios = sampleScenarios();
    const har: unknown = JSON.parse(JSON.stringify(toHar(scenarios)));
    const imported = fromHar(har, 'orders.har', { all: true });
    expect(imported).toEqual(scenarios.map((s) => ({ id: s.id, requests: requestSpecsFromExchanges(s.exchanges, s.id).requests })));
    expect(imported[1].requests[0].body).toEqual({ file: 'bodies/session-2-put-avatar/0.bin', contentType: 'image/png' });
    // By default the image download is a static asset and is skipped.
    expect(fromHar(har, 'orders.har')[1].requests.map((r) => r.method)).toEqual(['PUT']);
  });

  it('imports a browser capture: pages and hosts as scenarios, static assets and non-HTTP entries skipped, secrets redacted', () => {
    const har: unknown = JSON.parse(readFileSync(SHOP_HAR, 'utf8'));
    const scenarios = fromHar(har, SHOP_HAR, { redactBodyPaths: ['$.password'], redactText: createRedactor([]).redactText });
    expect(scenarios.map((s) => [s.id, s.requests.map((r) => `${r.method} ${r.path}`)])).toEqual([
      [
        'sign-in-example-shop',
        ['GET /login', 'POST /login', 'GET /account', 'POST /api/cart', 'GET /api/cart/{{cart_id}}'],
      ],
      ['sign-in-example-shop-analytics-tracker-test', ['POST /collect']],
      ['your-orders-example-shop', ['GET /api/orders']],
    ]);
    const [page, loginForm, , addToCart, readCart] = scenarios[0].requests;
    expect(page.headers).toEqual({
      'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36',
      accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8',
      'accept-language': 'en-GB,en;q=0.9',
    });
    expect(loginForm.body).toEqual({ form: { username: 'ann@example.test', password: '<redacted:password:1>' } });
    expect(addToCart).toEqual({
      method: 'POST',
      path: '/api/cart',
      headers: { authorization: 'Bearer <redacted:authorization:1>', 'x-csrf-token': 'csrf-9d8c7b6a5f', accept: 'application/json' },
      body: { json: { sku: 'MUG-01', qty: 2 } },
      capture: { cart_id: { json: '$.id' } },
    });
    // HTTP/2 pseudo-headers dropped; the same token, the same placeholder.
    expect(readCart.headers).toEqual({ authorization: 'Bearer <redacted:authorization:1>', accept: 'application/json' });
    expect(scenarios[1].requests[0]).toEqual({
      method: 'POST',
      path: '/collect',
      query: { v: '2', tid: 'SHOP-1' },
      body: { text: 'event=add_to_cart&qty=2', contentType: 'text/plain;charset=UTF-8' },
    });
    expect(scenarios[2].requests[0]).toEqual({ method: 'GET', path: '/api/orders', query: { page: '2', status: 'open' }, headers: { accept: 'application/json' } });
    const text = JSON.stringify(scenarios);
    for (const secret of ['hunter2-secret', 'eyJhbGciOiJIUzI1NiJ9', '3f9a0c2e7b1d4a6f8e5c']) expect(text).not.toContain(secret);
  });

  it('keeps static assets, preflights and unanswered requests with { all: true }, never data: or ws:', () => {
    const har: unknown = JSON.parse(readFileSync(SHOP_HAR, 'utf8'));
    const scenarios = fromHar(har, SHOP_HAR, { all: true });
    expect(scenarios.map((s) => [s.id, s.requests.map((r) => `${r.method} ${r.path}`)])).toEqual([
      [
        'sign-in-example-shop',
        [
          'GET /login',
          'GET /static/app.css',
          'GET /static/app.js',
          'GET /static/logo.png',
          'GET /fonts/inter.woff2',
          'POST /login',
          'GET /account',
          'OPTIONS /api/cart',
          'POST /api/cart',
          'GET /api/cart/{{cart_id}}',
          'GET /api/recommendations',
        ],
      ],
      ['sign-in-example-shop-analytics-tracker-test', ['POST /collect']],
      ['your-orders-example-shop', ['GET /favicon.ico', 'GET /api/orders']],
    ]);
  });

  it('groups entries without pages by host, and makes ids unique', () => {
    const entry = (url: string) => ({ request: { method: 'GET', url }, response: { status: 200 } });
    const har = { log: { version: '1.2', entries: [entry('https://api.example.test/a'), entry('https://www.example.test/b'), entry('https://api.example.test/c')] } };
    expect(fromHar(har, 'x.har').map((s) => [s.id, s.requests.map((r) => r.path)])).toEqual([
      ['api-example-test', ['/a', '/c']],
      ['www-example-test', ['/b']],
    ]);
  });

  it('names the file and the entry index when the HAR is not valid', () => {
    const error = (har: unknown): ParityError => {
      try {
        fromHar(har, 'captures/shop.har');
      } catch (err) {
        return err as ParityError;
      }
      throw new Error('expected fromHar to throw');
    };
    expect(error('<html>')).toMatchObject({ code: 'SCENARIO_INVALID', file: 'captures/shop.har' });
    expect(error('<html>').message).toMatch(/^captures\/shop\.har: the document is not a HAR file/);
    expect(error({ log: {} }).message).toContain('captures/shop.har: log.entries is missing or not an array');
    const ok = { request: { method: 'GET', url: 'http://a.test/' }, response: { status: 200 } };
    expect(error({ log: { entries: [ok, ok, { request: { method: 'GET' } }] } }).message).toContain(
      'captures/shop.har: log.entries[2].request.url is missing or not a string',
    );
    expect(error({ log: { entries: [{ request: { method: 'GET', url: 'http://a.test/' }, response: { status: '200' } }] } }).message).toContain(
      'log.entries[0].response.status is not a number',
    );
  });
});

describe('recording proxy → HAR → import', () => {
  it('gives back the scenarios and requests the proxy recorded', async () => {
    const server = createServer((req, res) => {
      res.setHeader('content-type', 'application/json');
      if (req.method === 'POST') {
        res.setHeader('set-cookie', 'sid=a-long-session-value; Path=/');
        res.statusCode = 201;
        res.end('{"id":"ord_77aa","status":"new"}');
      } else res.end(`{"path":"${req.url}"}`);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const proxy = await startRecordingProxy({ target: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, port: 0 });
    try {
      const created = await fetch(`${proxy.url}/orders`, { method: 'POST', body: '{"sku":"pen"}', headers: { 'content-type': 'application/json' } });
      const cookie = created.headers.get('set-cookie')!.split(';')[0];
      await created.text();
      await (await fetch(`${proxy.url}/orders/ord_77aa?x=1`, { headers: { cookie } })).text();
    } finally {
      await proxy.close();
      server.close();
    }
    const recorded = proxy.scenarios();
    expect(recorded.map((s) => s.requests.map((r) => r.path))).toEqual([['/orders', '/orders/{{orders_id}}']]);
    const har: unknown = JSON.parse(JSON.stringify(toHar(recorded)));
    expect(fromHar(har, 'recorded.har')).toEqual(recorded.map((s) => ({ id: s.id, requests: s.requests })));
    expect(readHarExchanges(har, 'recorded.har')).toEqual(recorded.map((s) => ({ id: s.id, exchanges: s.exchanges })));
  });
});
