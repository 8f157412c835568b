/**
 * orders-candidate: the TypeScript rewrite of the orders HTTP API (node:http, `pg` with
 * async/await). Run with Node ≥ 22.18, which strips the types: `node candidate/server.ts`.
 *
 * Environment (as the legacy):
 * - `PORT` (required), `HOST` (default `127.0.0.1`)
 * - `DATABASE_URL` (required): PostgreSQL connection URL
 * - `PAYMENT_URL`: base URL of the payment service
 * - `HTTP_PROXY`: optional forward proxy for the calls to the payment service
 *
 * Prints `orders-candidate listening on http://HOST:PORT` when it accepts connections.
 * Differs from the legacy only where DIVERGENCES.md says (search for `DIVERGENCE`).
 */
import http from 'node:http';
import pg from 'pg';
import { HttpError, matchRoute } from './routes.ts';

const MAX_BODY_BYTES = 1_048_576;

/** Writes a JSON answer (none for 204) with the legacy's headers, in the legacy's order. */
function send(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const out: Record<string, string | number> = {};
  let payload: string | undefined;
  if (status !== 204) {
    payload = JSON.stringify(body);
    out['Content-Type'] = 'application/json; charset=utf-8';
    out['Content-Length'] = Buffer.byteLength(payload);
  }
  Object.assign(out, headers);
  res.writeHead(status, out);
  res.end(payload);
}

/** Query parameters by name; a repeated parameter is joined with commas, as the legacy saw it. */
function queryOf(search: string): Record<string, string | undefined> {
  const params = new URLSearchParams(search);
  const query: Record<string, string | undefined> = Object.create(null);
  for (const name of new Set(params.keys())) query[name] = params.getAll(name).join(',');
  return query;
}

async function handle(pool: pg.Pool, req: http.IncomingMessage, res: http.ServerResponse, raw: Buffer): Promise<void> {
  const target = req.url ?? '/';
  const queryAt = target.indexOf('?');
  const path = queryAt === -1 ? target : target.slice(0, queryAt);
  const method = req.method ?? 'GET';
  const route = matchRoute(method, path);
  if (!route) return send(res, 404, { error: 'not_found', message: `no route for ${method} ${path}` });
  if ('allow' in route) {
    return send(res, 405, { error: 'method_not_allowed', message: `${method} is not allowed on ${path}` }, { Allow: route.allow });
  }
  let body: unknown = {};
  if (raw.length > 0 && (method === 'POST' || method === 'PATCH')) {
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      return send(res, 400, { error: 'invalid_json', message: 'request body is not valid JSON' });
    }
  }
  try {
    const answer = await route.handler({ pool, params: route.params, query: queryOf(queryAt === -1 ? '' : target.slice(queryAt)), body });
    send(res, answer.status, answer.body, answer.headers);
  } catch (err) {
    if (err instanceof HttpError) return send(res, err.status, { error: err.code, message: err.message });
    console.error(`orders-candidate: ${method} ${target}: ${(err as Error).stack ?? String(err)}`);
    send(res, 500, { error: 'internal_error', message: 'internal server error' });
  }
}

function main(): void {
  const port = process.env.PORT;
  const databaseUrl = process.env.DATABASE_URL;
  if (!port || !databaseUrl) {
    console.error('orders-candidate: PORT and DATABASE_URL must be set');
    process.exit(2);
  }
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 5 });
  pool.on('error', (err) => console.error(`orders-candidate: idle database client error: ${err.message}`));

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on('end', () => {
      if (size > MAX_BODY_BYTES) {
        send(res, 413, { error: 'payload_too_large', message: `request body is larger than ${MAX_BODY_BYTES} bytes` });
        return;
      }
      void handle(pool, req, res, Buffer.concat(chunks));
    });
  });

  const host = process.env.HOST || '127.0.0.1';
  server.listen(Number.parseInt(port, 10), host, () => {
    const address = server.address();
    const actual = typeof address === 'object' && address ? address.port : port;
    console.log(`orders-candidate listening on http://${host}:${actual}`);
  });

  const shutdown = (): void => {
    server.close(() => {
      void pool.end().finally(() => process.exit(0));
    });
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
}

main();
