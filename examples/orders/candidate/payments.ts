/**
 * Client of the payment service at `PAYMENT_URL`. Honours `HTTP_PROXY` as the legacy did: the
 * request then goes to the proxy with the absolute URL as its target (RFC 9112 §3.2.2,
 * absolute-form), which is how paritykit's outbound recorder sees it.
 */
import http from 'node:http';

const TIMEOUT_MS = 5_000;

/** What the service is asked to charge. */
export interface PaymentRequest {
  orderId: number;
  amountCents: number;
  currency: string;
  method: string;
}

/** The service's answer: 201 `{id, status}` when captured, 402 `{status, reason}` when declined. */
export interface PaymentAnswer {
  status: number;
  body: { id?: string; status?: string; reason?: string };
}

/**
 * Asks the payment service at `baseUrl` to charge an order.
 * @throws Error when the service cannot be reached, times out (5,000 ms) or answers non-JSON.
 */
export function charge(baseUrl: string, payment: PaymentRequest): Promise<PaymentAnswer> {
  const target = new URL(`${baseUrl.replace(/\/+$/, '')}/payments`);
  const proxyUrl = process.env.HTTP_PROXY || process.env.http_proxy;
  const payload = JSON.stringify(payment);
  const headers: Record<string, string | number> = {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(payload),
    Accept: 'application/json',
  };
  let options: http.RequestOptions = {
    method: 'POST',
    hostname: target.hostname,
    port: target.port || 80,
    path: target.pathname + target.search,
    headers,
  };
  if (proxyUrl) {
    const proxy = new URL(proxyUrl);
    options = { ...options, hostname: proxy.hostname, port: proxy.port || 80, path: target.href, headers: { ...headers, Host: target.host } };
  }
  return new Promise((resolve, reject) => {
    const req = http.request(options, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        try {
          resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
        } catch {
          reject(new Error(`payment service sent a non-JSON answer (HTTP ${res.statusCode})`));
        }
      });
      res.on('error', reject);
    });
    req.setTimeout(TIMEOUT_MS, () => req.destroy(new Error('payment service timed out')));
    req.on('error', reject);
    req.end(payload);
  });
}
