import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import zlib from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { ParityError } from '../harness/errors.ts';
import type { ExchangeScenario } from '../harness/http-model.ts';
import { checkExchangeScenario, extractCapture, guessContentType, runExchanges } from './http.ts';

const FIXTURES = resolve(import.meta.dirname, 'fixtures/http');

interface SeenRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

interface TestServer {
  url: string;
  port: number;
  seen: SeenRequest[];
  close(): Promise<void>;
}

const servers: TestServer[] = [];

/** A real HTTP server on 127.0.0.1 (port chosen by the OS) that records what it received. */
async function startServer(handler: (req: SeenRequest, res: http.ServerResponse) => void): Promise<TestServer> {
  const seen: SeenRequest[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const request = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks) };
      seen.push(request);
      handler(request, res);
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const port = (server.address() as AddressInfo).port;
  const handle: TestServer = {
    url: `http://127.0.0.1:${port}`,
    port,
    seen,
    close: () =>
      new Promise<void>((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
  servers.push(handle);
  return handle;
}

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

function json(res: http.ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(value));
}

/** A port nothing listens on: one the OS just handed out and that was closed again. */
async function closedPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((ok) => server.close(() => ok()));
  return port;
}

describe('runExchanges: requests, captures and templating', () => {
  it('captures by JSONPath, header and regex, and fills {{name}} in path, query, headers and bodies', async () => {
    const server = await startServer((req, res) => {
      if (req.method === 'POST' && req.url === '/orders') {
        return json(res, 201, { id: 17, items: [{ sku: 'A1', token: 'tok-xyz' }] }, { location: '/orders/17', 'x-csrf': 'csrf-123' });
      }
      if (req.url === '/orders/17?expand=items&tag=a&tag=b') {
        res.writeHead(200, { 'content-type': 'text/html' });
        return res.end('<form><input name="nonce" value="n0nce-42"></form>');
      }
      json(res, 200, { ok: true });
    });
    const scenario: ExchangeScenario = {
      id: 'create-read-update',
      requests: [
        {
          method: 'post',
          path: '/orders',
          body: { json: { sku: 'A1', qty: 2 } },
          capture: { orderId: { json: '$.id' }, token: { json: '$.items[*].token' }, csrf: { header: 'X-CSRF' }, where: { header: 'location' } },
        },
        {
          path: '/orders/{{orderId}}',
          query: { expand: 'items', tag: ['a', 'b'] },
          capture: { nonce: { regex: 'name="nonce" value="([^"]+)"' } },
        },
        {
          method: 'PUT',
          path: '/orders/{{orderId}}/notes',
          headers: { 'X-CSRF-Token': '{{csrf}}', authorization: 'Bearer {{token}}' },
          body: { json: { note: 'order {{orderId}} nonce {{nonce}}', n: 3, nested: ['{{token}}'] } },
        },
        { method: 'POST', path: '/forms', body: { form: { order: '{{orderId}}', nonce: '{{nonce}}' } } },
        { method: 'POST', path: '/text', body: { text: 'id={{ orderId }}', contentType: 'text/x-custom' } },
        { path: '{{where}}' },
      ],
    };

    const obs = await runExchanges(server.url, scenario);

    expect(obs.error).toBeUndefined();
    expect(obs.exchanges.map((x) => x.response.status)).toEqual([201, 200, 200, 200, 200, 200]);
    expect(obs.exchanges[0].captures).toEqual({ orderId: '17', token: 'tok-xyz', csrf: 'csrf-123', where: '/orders/17' });
    expect(obs.exchanges[1].captures).toEqual({ nonce: 'n0nce-42' });

    expect(server.seen[0].headers['content-type']).toBe('application/json');
    expect(JSON.parse(server.seen[0].body.toString())).toEqual({ sku: 'A1', qty: 2 });
    expect(server.seen[1].url).toBe('/orders/17?expand=items&tag=a&tag=b');
    expect(server.seen[2].url).toBe('/orders/17/notes');
    expect(server.seen[2].headers['x-csrf-token']).toBe('csrf-123');
    expect(server.seen[2].headers.authorization).toBe('Bearer tok-xyz');
    expect(JSON.parse(server.seen[2].body.toString())).toEqual({ note: 'order 17 nonce n0nce-42', n: 3, nested: ['tok-xyz'] });
    expect(server.seen[3].headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(server.seen[3].body.toString()).toBe('order=17&nonce=n0nce-42');
    expect(server.seen[4].headers['content-type']).toBe('text/x-custom');
    expect(server.seen[4].body.toString()).toBe('id=17');
    expect(server.seen[5].url).toBe('/orders/17');

    const put = obs.exchanges[2].request;
    expect(put.method).toBe('PUT');
    expect(put.url).toBe('/orders/17/notes');
    expect(put.headers).toContainEqual(['x-csrf-token', 'csrf-123']);
    expect(put.body?.toString()).toContain('order 17 nonce n0nce-42');
    expect(obs.exchanges[1].request.url).toBe('/orders/17?expand=items&tag=a&tag=b');
    expect(obs.exchanges[0].durationMs).toBeGreaterThanOrEqual(0);
  });

  it('percent-encodes a captured value inside a path but inserts a whole-path value as is', async () => {
    const server = await startServer((req, res) => json(res, 200, { key: 'a b/c', next: '/x/y?z=1' }));
    const obs = await runExchanges(server.url, {
      id: 'encode',
      requests: [
        { path: '/start', capture: { key: { json: '$.key' }, next: { json: '$.next' } } },
        { path: '/items/{{key}}' },
        { path: '{{next}}' },
      ],
    });
    expect(obs.error).toBeUndefined();
    expect(server.seen.map((r) => r.url)).toEqual(['/start', '/items/a%20b%2Fc', '/x/y?z=1']);
  });

  it('does not send a request that uses a name nothing captured, and says which', async () => {
    const server = await startServer((req, res) => json(res, 200, { id: 1 }));
    const obs = await runExchanges(server.url, {
      id: 'unknown-name',
      requests: [{ path: '/a', capture: { id: { json: '$.id' } } }, { path: '/b/{{orderId}}' }, { path: '/c' }],
    });
    expect(server.seen.map((r) => r.url)).toEqual(['/a']);
    expect(obs.exchanges).toHaveLength(1);
    expect(obs.error).toContain('scenario "unknown-name"');
    expect(obs.error).toContain('request #2');
    expect(obs.error).toContain('{{orderId}}');
    expect(obs.error).toContain('captured so far: id');
  });

  it('ends the scenario with an error when a capture finds nothing, keeping the exchange', async () => {
    const server = await startServer((req, res) => json(res, 200, { items: [] }));
    const obs = await runExchanges(server.url, {
      id: 'capture-miss',
      requests: [{ path: '/list', capture: { first: { json: '$.items[0].id' } } }, { path: '/next' }],
    });
    expect(obs.exchanges).toHaveLength(1);
    expect(obs.exchanges[0].response.status).toBe(200);
    expect(obs.error).toContain('scenario "capture-miss", request #1 (GET /list)');
    expect(obs.error).toContain('capture "first" (json $.items[0].id) found nothing');
    expect(server.seen).toHaveLength(1);
  });

  it('keeps precise numbers as written when capturing them', async () => {
    const server = await startServer((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"id": 12345678901234567890, "price": 1.50, "ok": true, "obj": {"a": 1}}');
    });
    const obs = await runExchanges(server.url, {
      id: 'precise',
      requests: [
        { path: '/x', capture: { id: { json: '$.id' }, price: { json: '$.price' }, ok: { json: '$.ok' }, obj: { json: '$.obj' } } },
      ],
    });
    expect(obs.exchanges[0].captures).toEqual({ id: '12345678901234567890', price: '1.5', ok: 'true', obj: '{"a":1}' });
  });

  it('joins a path under a base URL prefix and records the path relative to it', async () => {
    const server = await startServer((req, res) => json(res, 200, {}));
    const obs = await runExchanges(`${server.url}/api/`, { id: 'prefix', requests: [{ path: '/orders', query: { q: 'a&b' } }] });
    expect(server.seen[0].url).toBe('/api/orders?q=a%26b');
    expect(obs.exchanges[0].request.url).toBe('/orders?q=a%26b');
    const bare = await runExchanges(server.url, { id: 'bare', requests: [{ path: 'health' }] });
    expect(bare.exchanges[0].request.url).toBe('/health');
    expect(server.seen[1].url).toBe('/health');
  });

  it('sends default and extra headers, with the request winning', async () => {
    const server = await startServer((req, res) => json(res, 200, {}));
    await runExchanges(
      server.url,
      { id: 'headers', requests: [{ path: '/', headers: { 'User-Agent': 'legacy-client/1.0' } }] },
      { headers: { authorization: 'Bearer t0ken', 'user-agent': 'ignored' } },
    );
    expect(server.seen[0].headers['user-agent']).toBe('legacy-client/1.0');
    expect(server.seen[0].headers.authorization).toBe('Bearer t0ken');
    expect(server.seen[0].headers['accept-encoding']).toBe('gzip, deflate, br');
  });

  it('sends a file body with a content type guessed from its extension', async () => {
    const server = await startServer((req, res) => json(res, 200, { size: req.body.length }));
    const obs = await runExchanges(
      server.url,
      {
        id: 'upload',
        requests: [
          { method: 'POST', path: '/images', body: { file: 'upload.png' } },
          { method: 'POST', path: '/blobs', body: { file: 'payload.bin' } },
          { method: 'POST', path: '/raw', body: { file: 'payload.bin', contentType: 'application/x-thing' } },
        ],
      },
      { scenarioDir: FIXTURES },
    );
    expect(obs.error).toBeUndefined();
    expect(server.seen[0].headers['content-type']).toBe('image/png');
    expect(server.seen[0].body.equals(readFileSync(resolve(FIXTURES, 'upload.png')))).toBe(true);
    expect(server.seen[1].headers['content-type']).toBe('application/octet-stream');
    expect([...server.seen[1].body]).toEqual([0, 1, 2, 3, 254, 255]);
    expect(server.seen[2].headers['content-type']).toBe('application/x-thing');
    expect(obs.exchanges[0].request.body?.length).toBe(readFileSync(resolve(FIXTURES, 'upload.png')).length);
  });

  it('throws SCENARIO_INVALID for a body file that does not exist, before sending', async () => {
    const server = await startServer((req, res) => json(res, 200, {}));
    const error = await runExchanges(
      server.url,
      { id: 'no-file', requests: [{ method: 'POST', path: '/x', body: { file: 'missing.bin' } }] },
      { scenarioDir: FIXTURES },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ParityError);
    expect((error as ParityError).code).toBe('SCENARIO_INVALID');
    expect((error as ParityError).message).toContain('missing.bin');
    expect(server.seen).toHaveLength(0);
  });
});

describe('runExchanges: responses as observed', () => {
  it('does not follow a redirect: a 302 is an observation', async () => {
    const server = await startServer((req, res) => {
      if (req.url === '/old') {
        res.writeHead(302, 'Found', { location: '/new' });
        return res.end();
      }
      json(res, 200, { page: 'new' });
    });
    const obs = await runExchanges(server.url, { id: 'redirect', requests: [{ path: '/old' }] });
    expect(obs.exchanges).toHaveLength(1);
    expect(obs.exchanges[0].response.status).toBe(302);
    expect(obs.exchanges[0].response.statusText).toBe('Found');
    expect(obs.exchanges[0].response.headers).toContainEqual(['location', '/new']);
    expect(server.seen.map((r) => r.url)).toEqual(['/old']);
  });

  it('decodes gzip, br and deflate bodies and notes the wire encoding', async () => {
    const payload = JSON.stringify({ message: 'hello '.repeat(50) });
    const server = await startServer((req, res) => {
      const coding = req.url.slice(1);
      const body =
        coding === 'gzip'
          ? zlib.gzipSync(payload)
          : coding === 'br'
            ? zlib.brotliCompressSync(payload)
            : coding === 'deflate'
              ? zlib.deflateRawSync(payload)
              : Buffer.from(payload);
      res.writeHead(200, { 'content-type': 'application/json', ...(coding === 'plain' ? {} : { 'content-encoding': coding }) });
      res.end(body);
    });
    const obs = await runExchanges(server.url, {
      id: 'encodings',
      requests: [{ path: '/gzip', capture: { m: { json: '$.message' } } }, { path: '/br' }, { path: '/deflate' }, { path: '/plain' }],
    });
    expect(obs.error).toBeUndefined();
    expect(obs.exchanges.map((x) => x.response.body.toString())).toEqual([payload, payload, payload, payload]);
    expect(obs.exchanges.map((x) => x.response.encoding)).toEqual(['gzip', 'br', 'deflate', undefined]);
    expect(obs.exchanges[0].captures.m).toBe('hello '.repeat(50));
  });

  it('reports a body its content-encoding does not describe, keeping the raw bytes', async () => {
    const server = await startServer((req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain', 'content-encoding': 'gzip' });
      res.end('not gzip at all');
    });
    const obs = await runExchanges(server.url, { id: 'bad-gzip', requests: [{ path: '/' }, { path: '/again' }] });
    expect(obs.exchanges).toHaveLength(1);
    expect(obs.exchanges[0].response.body.toString()).toBe('not gzip at all');
    expect(obs.error).toContain('could not be decoded');
    expect(obs.error).toContain('gzip');
  });

  it('keeps repeated headers and their order', async () => {
    const server = await startServer((req, res) => {
      res.setHeader('Set-Cookie', ['sid=abc; Path=/; HttpOnly', 'theme=dark']);
      res.setHeader('X-Multi', ['one', 'two']);
      res.setHeader('Content-Type', 'text/plain');
      res.end('ok');
    });
    const obs = await runExchanges(server.url, {
      id: 'repeated',
      requests: [{ path: '/', capture: { cookie: { header: 'set-cookie' }, multi: { header: 'x-multi' } } }],
    });
    const headers = obs.exchanges[0].response.headers;
    expect(headers.filter(([n]) => n === 'set-cookie')).toEqual([
      ['set-cookie', 'sid=abc; Path=/; HttpOnly'],
      ['set-cookie', 'theme=dark'],
    ]);
    expect(headers.filter(([n]) => n === 'x-multi').map(([, v]) => v)).toEqual(['one', 'two']);
    expect(headers.findIndex(([n]) => n === 'set-cookie')).toBeLessThan(headers.findIndex(([n]) => n === 'x-multi'));
    expect(obs.exchanges[0].captures).toEqual({ cookie: 'sid=abc; Path=/; HttpOnly', multi: 'one, two' });
  });

  it('records HEAD and 204 responses with empty bodies', async () => {
    const server = await startServer((req, res) => {
      if (req.method === 'HEAD') {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': '42' });
        return res.end();
      }
      res.writeHead(204);
      res.end();
    });
    const obs = await runExchanges(server.url, {
      id: 'empty',
      requests: [{ method: 'HEAD', path: '/thing' }, { method: 'DELETE', path: '/thing' }],
    });
    expect(obs.error).toBeUndefined();
    expect(obs.exchanges.map((x) => [x.response.status, x.response.body.length])).toEqual([
      [200, 0],
      [204, 0],
    ]);
    expect(obs.exchanges[0].response.headers).toContainEqual(['content-length', '42']);
  });
});

describe('runExchanges: failures are observations', () => {
  it('turns a refused connection into an error, not an exception', async () => {
    const port = await closedPort();
    const obs = await runExchanges(`http://127.0.0.1:${port}`, { id: 'refused', requests: [{ path: '/health' }] });
    expect(obs.exchanges).toEqual([]);
    expect(obs.error).toContain('scenario "refused", request #1 (GET /health)');
    expect(obs.error).toContain('ECONNREFUSED');
  });

  it('turns a request past its time limit into an error, keeping earlier exchanges', async () => {
    const server = await startServer((req, res) => {
      if (req.url === '/slow') return; // never answers
      json(res, 200, {});
    });
    const obs = await runExchanges(server.url, { id: 'slow', timeoutMs: 300, requests: [{ path: '/fast' }, { path: '/slow' }] });
    expect(obs.exchanges).toHaveLength(1);
    expect(obs.error).toContain('request #2 (GET /slow)');
    expect(obs.error).toContain('timed out after 300 ms');
  });

  it('rejects with an AbortError when aborted mid-request', async () => {
    const server = await startServer(() => {
      /* never answers */
    });
    const controller = new AbortController();
    const pending = runExchanges(server.url, { id: 'abort', requests: [{ path: '/hang' }] }, { signal: controller.signal });
    await new Promise((ok) => setTimeout(ok, 50));
    controller.abort(new Error('ctrl-c'));
    const error = (await pending.catch((e: unknown) => e)) as Error & { code?: string };
    expect(error.name).toBe('AbortError');
    expect(error.code).toBe('ABORT_ERR');
  });

  it('rejects a base URL that is not http(s)', async () => {
    await expect(runExchanges('ftp://example.test', { id: 'x', requests: [{ path: '/' }] })).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
    });
  });
});

describe('checkExchangeScenario', () => {
  const invalid = (scenario: unknown): ParityError => {
    try {
      checkExchangeScenario(scenario as ExchangeScenario);
    } catch (error) {
      return error as ParityError;
    }
    throw new Error('expected SCENARIO_INVALID');
  };

  it('accepts a well-formed scenario', () => {
    expect(() =>
      checkExchangeScenario({
        id: 'ok',
        requests: [{ path: '/a', capture: { id: { json: "$.items[0]['id']" }, t: { regex: 'token=(\\w+)' } } }],
      }),
    ).not.toThrow();
  });

  it('names the scenario, request and field of each mistake', () => {
    expect(invalid({ id: 's', requests: [] }).message).toContain('requests must be a non-empty list');
    const two = invalid({ id: 's', requests: [{ path: '/a' }, { path: '/b', capture: { x: { json: '$.a', header: 'h' } } }] });
    expect(two.code).toBe('SCENARIO_INVALID');
    expect(two.message).toContain('scenario "s": request #2: capture "x" must have exactly one of json, header, regex (found json, header)');
    expect(invalid({ id: 's', requests: [{ path: '/a', capture: { x: { regex: '(' } } }] }).message).toContain('invalid regex');
    expect(invalid({ id: 's', requests: [{ path: '/a', capture: { x: { json: '$[?(@.a)]' } } }] }).message).toContain(
      'filters and slices are not supported',
    );
    expect(invalid({ id: 's', requests: [{ path: '/a', capture: { 'bad name': { header: 'h' } } }] }).message).toContain(
      'capture name',
    );
    expect(invalid({ id: 's', requests: [{ path: '/a', body: { json: {}, text: 'x' } }] }).message).toContain(
      'exactly one of json, text, form, file (found json, text)',
    );
    expect(invalid({ id: 's', requests: [{ path: '/a', query: { n: 3 } }] }).message).toContain('query "n"');
    expect(invalid({ id: 's', requests: [{ path: '/a', method: 'GET /x' }] }).message).toContain('is not an HTTP method');
  });
});

describe('extractCapture and guessContentType', () => {
  const response = (body: string, headers: Array<[string, string]> = []) => ({ headers, body: Buffer.from(body) });

  it('says why a capture found nothing', () => {
    expect(extractCapture({ json: '$.id' }, response('<html>'))).toMatchObject({ ok: false, why: expect.stringContaining('not JSON') });
    expect(extractCapture({ header: 'X-Id' }, response('', [['etag', '1']]))).toMatchObject({
      ok: false,
      why: 'the response has no "x-id" header (it has: etag)',
    });
    expect(extractCapture({ regex: 'id=(\\d+)' }, response('none'))).toMatchObject({ ok: false });
  });

  it('takes the whole match when the regex has no group', () => {
    expect(extractCapture({ regex: '[a-f0-9]{8}' }, response('token deadbeef!'))).toEqual({ ok: true, value: 'deadbeef' });
  });

  it('guesses content types from extensions', () => {
    expect(guessContentType('a/b.JSON')).toBe('application/json');
    expect(guessContentType('logo.png')).toBe('image/png');
    expect(guessContentType('data')).toBe('application/octet-stream');
  });
});
