// A fake payment service for the orders example. Both the legacy and the candidate call it
// when an order is paid. Its answers depend only on the request, so recordings repeat:
//
//   POST /payments  {"orderId": 3, "amountCents": 1744, "currency": "EUR", "method": "card"}
//     201 {"id": "pay_3_1744", "status": "captured", "amountCents": 1744, "currency": "EUR"}
//     402 {"status": "declined", "reason": "amount over limit"}   when amountCents > 500000
//     400 {"status": "rejected", "reason": "..."}                  for a malformed request
//   GET /health     200 {"status": "ok"}
//
// Listens on 127.0.0.1:$PORT (0 or unset: a free port) and prints
// "payments listening on http://127.0.0.1:<port>" once it accepts connections.
import http from 'node:http';

/** Amounts above this many cents are declined (5,000.00). */
const LIMIT_CENTS = 500000;

function send(res, status, body) {
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(payload),
  });
  res.end(payload);
}

/** Why a payment request is malformed, or null when it is fine. */
function problem(body) {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return 'body must be a JSON object';
  if (!Number.isSafeInteger(body.orderId) || body.orderId <= 0) return 'orderId must be a positive integer';
  if (!Number.isSafeInteger(body.amountCents) || body.amountCents <= 0) return 'amountCents must be a positive integer';
  if (typeof body.currency !== 'string' || !/^[A-Z]{3}$/.test(body.currency)) return 'currency must be an ISO 4217 code';
  return null;
}

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && path === '/health') return send(res, 200, { status: 'ok' });
    if (req.method !== 'POST' || path !== '/payments') return send(res, 404, { status: 'rejected', reason: 'no such endpoint' });
    let body;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      return send(res, 400, { status: 'rejected', reason: 'body is not JSON' });
    }
    const why = problem(body);
    if (why) return send(res, 400, { status: 'rejected', reason: why });
    if (body.amountCents > LIMIT_CENTS) return send(res, 402, { status: 'declined', reason: 'amount over limit' });
    send(res, 201, {
      id: `pay_${body.orderId}_${body.amountCents}`,
      status: 'captured',
      amountCents: body.amountCents,
      currency: body.currency,
    });
  });
});

server.listen(Number(process.env.PORT ?? 0), process.env.HOST ?? '127.0.0.1', () => {
  const { port } = server.address();
  console.log(`payments listening on http://127.0.0.1:${port}`);
});

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => server.close(() => process.exit(0)));
}
