#!/usr/bin/env node
// The reference legacy HTTP service of test/verdicts: a small in-memory item catalogue with
// deliberately noisy responses, used to prove that paritykit learns the legacy's noise on the
// http channel (A/A: zero differences) and still catches every real change (mutants). Node
// only, no dependencies, no database: paritykit starts one process per scenario, so every
// scenario begins from the same three items. PORT comes from paritykit.
//
// Noise (different on every run; NOISE=0 makes it all fixed):
//   JSON bodies   a random UUID (`requestId`) and a timestamp (`fetchedAt`, `createdAt`,
//                 `generatedAt`), and an item's `tags`, a set serialized in random order
//   text body     the `printed at <timestamp>` line of an item's label
//   headers       a random `x-request-id` and `etag`, and `date`: all on paritykit's default
//                 list of ignored headers. Noise learning covers bodies only, so no other header
//                 varies: a random value in any other header would be a real difference.
// Stable behaviour: status codes, `cache-control`, `x-api-version`, `location`, the content
// types, the order of the item list (by id: order matters there), error messages.
//
// MUTANT=<name> switches exactly one behaviour (mutants.json lists the scenarios and the
// exchange where each must show); an unknown name exits 99 so a typo cannot pass silently.
import http from 'node:http';
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

const table = JSON.parse(readFileSync(new URL('./mutants.json', import.meta.url), 'utf8'));
const MUTANT = process.env.MUTANT ?? '';
const known = new Set([...table.mutants, ...table.equivalents].map((m) => m.name));
if (MUTANT !== '' && !known.has(MUTANT)) {
  process.stderr.write(`service.mjs: unknown MUTANT=${MUTANT}; the names are in mutants.json\n`);
  process.exit(99);
}
const NOISY = process.env.NOISE !== '0';

/** True when this run is the named mutant. */
const mutant = (name) => MUTANT === name;

// ── noise sources ────────────────────────────────────────────────────────────────────────

/** ISO 8601 time with microseconds: `2024-06-01T12:00:00.123456Z`. */
function timestamp() {
  if (!NOISY) return '2024-06-01T12:00:00.000000Z';
  const us = Math.floor((performance.timeOrigin + performance.now()) * 1000);
  return `${new Date(Math.floor(us / 1000)).toISOString().slice(0, 23)}${String(us % 1000).padStart(3, '0')}Z`;
}

function uuid() {
  return NOISY ? randomUUID() : '00000000-0000-4000-8000-000000000000';
}

/** The elements of a set in random order (what iterating a hash set gives in many languages). */
function shuffle(list) {
  const a = [...list];
  if (!NOISY) return a;
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

// ── the catalogue (fresh in every process) ───────────────────────────────────────────────

/** id → item. Tags are a set: six of them, so three runs in the same order are unlikely (1 in 518,400). */
const items = new Map([
  [1, { id: 1, name: 'Apple', price: 2.675, currency: 'EUR', stock: 3, tags: ['fruit', 'fresh', 'local', 'organic', 'seasonal', 'bulk'] }],
  [2, { id: 2, name: 'Bread', price: 3.2, currency: 'EUR', stock: 1, tags: ['bakery', 'fresh'] }],
  [3, { id: 3, name: 'Cheese', price: 7.5, currency: 'EUR', stock: 0, tags: ['dairy'] }],
]);
let nextId = 4;

/** Rounds half up to 2 decimals on the decimal text (2.675 → 2.68, unlike toFixed). */
function round2(n) {
  return Math.round(Number(`${n}e2`)) / 100;
}

/** Headers every response carries: volatile ones paritykit ignores by default, then stable ones. */
function commonHeaders(contentType) {
  const headers = {
    'x-request-id': NOISY ? randomBytes(8).toString('hex') : '0000000000000000',
    etag: `"${NOISY ? randomBytes(6).toString('hex') : '000000000000'}"`,
    'content-type': contentType,
    'cache-control': mutant('http-header-value') ? 'max-age=600' : 'max-age=60',
    'x-api-version': '1',
  };
  if (mutant('http-header-missing')) delete headers['x-api-version'];
  if (mutant('http-header-added')) headers['x-deprecated'] = 'true';
  if (mutant('http-server-header')) headers.server = 'catalogue-rewrite/2.0';
  if (mutant('http-header-name-case')) {
    return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.replace(/(^|-)([a-z])/g, (_, d, c) => d + c.toUpperCase()), v]));
  }
  return headers;
}

function sendJson(res, status, body, extra = {}) {
  let doc = body;
  if (mutant('http-json-key-order') && doc && typeof doc === 'object' && !Array.isArray(doc)) doc = Object.fromEntries(Object.entries(doc).reverse());
  const text = JSON.stringify(doc, null, mutant('http-json-reindent') ? 4 : 0);
  res.writeHead(status, { ...commonHeaders('application/json; charset=utf-8'), ...extra });
  res.end(text);
}

function sendText(res, status, text) {
  res.writeHead(status, commonHeaders('text/plain; charset=utf-8'));
  res.end(text);
}

/** An item as GET /items/:id shows it. */
function itemView(item) {
  let tags = shuffle(item.tags);
  if (mutant('http-set-element-changed')) tags = tags.map((t) => (t === 'organic' ? 'Organic' : t));
  const view = { id: item.id, name: item.name, price: item.price, currency: item.currency, stock: item.stock, tags, fetchedAt: timestamp(), requestId: uuid() };
  if (mutant('http-json-precision')) view.price = round2(view.price);
  if (mutant('http-json-type-change')) view.stock = String(view.stock);
  if (mutant('http-json-missing-field')) delete view.currency;
  if (mutant('http-json-extra-field')) view.discontinued = false;
  return view;
}

function notFound(res, id) {
  const message = mutant('http-error-wording') ? `no such item: ${id}` : `item ${id} not found`;
  sendJson(res, mutant('http-status-404-to-400') ? 400 : 404, { error: message, requestId: uuid() });
}

// ── routes ───────────────────────────────────────────────────────────────────────────────

async function handle(req, res) {
  const url = new URL(req.url, 'http://localhost');
  let raw = '';
  for await (const chunk of req) raw += chunk;
  if (url.pathname === '/health') return sendJson(res, 200, { ok: true });

  if (req.method === 'GET' && url.pathname === '/items') {
    // Ordered by id: clients page through it, so the order is behaviour.
    let list = [...items.values()].map(({ id, name, price }) => ({ id, name, price }));
    if (mutant('http-list-order')) list.sort((a, b) => b.price - a.price);
    return sendJson(res, mutant('http-status-200-to-201') ? 201 : 200, { generatedAt: timestamp(), count: list.length, items: list });
  }

  if (req.method === 'POST' && url.pathname === '/items') {
    let input;
    try {
      input = JSON.parse(raw || '{}');
    } catch {
      return sendJson(res, 400, { error: 'body is not JSON', requestId: uuid() });
    }
    if (typeof input.name !== 'string' || input.name === '') return sendJson(res, 400, { error: 'name is required', requestId: uuid() });
    const item = { id: nextId++, name: input.name, price: Number(input.price ?? 0), currency: 'EUR', stock: 0, tags: [] };
    if (!mutant('http-created-not-stored')) items.set(item.id, item);
    const location = mutant('http-location-wrong') ? `/item/${item.id}` : `/items/${item.id}`;
    return sendJson(res, 201, { id: item.id, name: item.name, price: item.price, createdAt: timestamp(), requestId: uuid() }, { location });
  }

  const label = url.pathname.match(/^\/items\/(\d+)\/label$/);
  if (req.method === 'GET' && label) {
    const item = items.get(Number(label[1]));
    if (!item) return notFound(res, label[1]);
    const price = `${round2(item.price).toFixed(2)} ${item.currency}`;
    const lines = [item.name.toUpperCase(), mutant('http-body-text') ? `price ${price}` : `price: ${price}`, `printed at ${timestamp()}`];
    return sendText(res, 200, lines.join('\n') + '\n');
  }

  const one = url.pathname.match(/^\/items\/(\d+)$/);
  if (req.method === 'GET' && one) {
    const item = items.get(Number(one[1]));
    if (!item) return notFound(res, one[1]);
    return sendJson(res, 200, itemView(item));
  }

  sendJson(res, 404, { error: `no route for ${req.method} ${url.pathname}`, requestId: uuid() });
}

const server = http.createServer((req, res) => {
  handle(req, res).catch((error) => {
    if (!res.headersSent) sendJson(res, 500, { error: String(error) });
    else res.destroy();
  });
});
server.listen(Number(process.env.PORT), '127.0.0.1', () => console.log(`catalogue listening on ${process.env.PORT}`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
