/**
 * The API's routes and handlers. A handler takes the request's parts and returns the answer;
 * an `HttpError` it throws becomes `{error, message}` with its status.
 */
import type pg from 'pg';
import {
  HttpError,
  addItems,
  cancelOrder,
  createOrder,
  customerSummary,
  listCustomers,
  listOrders,
  loadCustomer,
  loadOrder,
  markPaid,
  orderHistory,
  removeItem,
  updateOrder,
  type NewItem,
  type NewOrder,
} from './orders.ts';
import { charge } from './payments.ts';
import {
  validateAddItems,
  validateCreateOrder,
  validateCustomerListQuery,
  validateListQuery,
  validatePayOrder,
  validateUpdateOrder,
  type JsonObject,
  type OrderStatus,
} from './validate.ts';

/** What a handler gets. */
export interface RouteContext {
  pool: pg.Pool;
  /** Groups of the route's pattern (ids, as digits). */
  params: string[];
  /** Query parameters; a repeated one is joined with commas. */
  query: Record<string, string | undefined>;
  /** The JSON body (`{}` when there is none). */
  body: unknown;
}

/** What a handler answers. `body` undefined: no body (204). */
export interface RouteAnswer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

type Handler = (ctx: RouteContext) => Promise<RouteAnswer>;

const MAX_INT4 = 2_147_483_647;

function invalid(messages: string[]): RouteAnswer {
  return { status: 400, body: { error: 'validation_failed', messages } };
}

function notFound(what: string, id: number | string): RouteAnswer {
  return { status: 404, body: { error: 'not_found', message: `${what} ${id} not found` } };
}

/** An id from the URL (digits), or `null` when it cannot be a row id. */
function idParam(value: string): number | null {
  const id = Number.parseInt(value, 10);
  return id > MAX_INT4 ? null : id;
}

async function answerOrder(pool: pg.Pool, id: number, status: number, headers?: Record<string, string>): Promise<RouteAnswer> {
  const order = await loadOrder(pool, id);
  return order ? { status, body: order, headers } : notFound('order', id);
}

async function health({ pool }: RouteContext): Promise<RouteAnswer> {
  try {
    await pool.query('SELECT 1');
    return { status: 200, body: { status: 'ok' } };
  } catch {
    return { status: 503, body: { status: 'unavailable' } };
  }
}

async function listHandler({ pool, query }: RouteContext): Promise<RouteAnswer> {
  const messages = validateListQuery(query);
  if (messages.length > 0) return invalid(messages);
  const page = await listOrders(pool, {
    page: query.page ? Number.parseInt(query.page, 10) : 1,
    pageSize: query.pageSize ? Number.parseInt(query.pageSize, 10) : 10,
    status: query.status,
    customerId: query.customerId ? Number.parseInt(query.customerId, 10) : undefined,
  });
  // DIVERGENCE 3: the count travels in `X-Total`; the legacy called it `X-Total-Count`.
  return { status: 200, body: page.orders, headers: { 'X-Total': String(page.total) } };
}

async function createHandler({ pool, body }: RouteContext): Promise<RouteAnswer> {
  const messages = validateCreateOrder(body);
  if (messages.length > 0) return invalid(messages);
  const input = body as unknown as NewOrder;
  const customer = await loadCustomer(pool, input.customerId);
  if (!customer) {
    return { status: 422, body: { error: 'unknown_customer', message: `customer ${input.customerId} does not exist` } };
  }
  const id = await createOrder(pool, input);
  return answerOrder(pool, id, 201, { Location: `/orders/${id}` });
}

/** Wraps a handler of `/orders/:id…` so that it gets the parsed id; ids beyond int4 are 404. */
function withOrderId(handler: (ctx: RouteContext, id: number) => Promise<RouteAnswer>): Handler {
  return async (ctx) => {
    const id = idParam(ctx.params[0]);
    return id === null ? notFound('order', ctx.params[0]) : handler(ctx, id);
  };
}

async function updateHandler({ pool, body }: RouteContext, id: number): Promise<RouteAnswer> {
  const messages = validateUpdateOrder(body);
  if (messages.length > 0) return invalid(messages);
  const changes = body as JsonObject;
  await updateOrder(pool, id, { status: changes.status as OrderStatus | undefined, note: changes.note as string | null | undefined });
  return answerOrder(pool, id, 200);
}

async function addItemsHandler({ pool, body }: RouteContext, id: number): Promise<RouteAnswer> {
  const messages = validateAddItems(body);
  if (messages.length > 0) return invalid(messages);
  await addItems(pool, id, (body as { items: NewItem[] }).items);
  return answerOrder(pool, id, 200);
}

async function removeItemHandler({ pool, params }: RouteContext, id: number): Promise<RouteAnswer> {
  const itemId = idParam(params[1]);
  if (itemId === null) return notFound('item', params[1]);
  await removeItem(pool, id, itemId);
  return answerOrder(pool, id, 200);
}

function paymentUnavailable(): RouteAnswer {
  return { status: 502, body: { error: 'payment_unavailable', message: 'payment service unavailable' } };
}

async function payHandler({ pool, body }: RouteContext, id: number): Promise<RouteAnswer> {
  const messages = validatePayOrder(body);
  if (messages.length > 0) return invalid(messages);
  const method = ((body as JsonObject).method as string | undefined) || 'card';
  const order = await loadOrder(pool, id);
  if (!order) return notFound('order', id);
  if (order.status === 'cancelled') return { status: 409, body: { error: 'conflict', message: `order ${id} is cancelled` } };
  if (order.status !== 'pending') return { status: 409, body: { error: 'conflict', message: `order ${id} is already paid` } };
  const amountCents = Math.round(order.total * 100);
  if (amountCents === 0) return { status: 409, body: { error: 'conflict', message: `order ${id} has no items to pay` } };
  let answer;
  try {
    answer = await charge(process.env.PAYMENT_URL ?? '', { orderId: id, amountCents, currency: order.currency, method });
  } catch (err) {
    console.error(`orders-candidate: payment for order ${id} failed: ${(err as Error).message}`);
    return paymentUnavailable();
  }
  if (answer.status === 402) {
    return { status: 402, body: { error: 'payment_declined', message: `payment declined: ${answer.body.reason}` } };
  }
  if (answer.status !== 201 || !answer.body.id) {
    console.error(`orders-candidate: payment for order ${id} answered HTTP ${answer.status}`);
    return paymentUnavailable();
  }
  await markPaid(pool, id, {
    id: answer.body.id,
    amountCents,
    currency: order.currency,
    method,
    status: answer.body.status ?? 'captured',
  });
  return answerOrder(pool, id, 200);
}

async function historyHandler({ pool }: RouteContext, id: number): Promise<RouteAnswer> {
  const entries = await orderHistory(pool, id);
  return entries ? { status: 200, body: entries } : notFound('order', id);
}

async function customerHandler({ pool, params }: RouteContext): Promise<RouteAnswer> {
  const id = idParam(params[0]);
  if (id === null) return notFound('customer', params[0]);
  const customer = await loadCustomer(pool, id);
  return customer ? { status: 200, body: customer } : notFound('customer', id);
}

async function customerListHandler({ pool, query }: RouteContext): Promise<RouteAnswer> {
  const messages = validateCustomerListQuery(query);
  if (messages.length > 0) return invalid(messages);
  const page = query.page ? Number.parseInt(query.page, 10) : 1;
  const pageSize = query.pageSize ? Number.parseInt(query.pageSize, 10) : 10;
  return { status: 200, body: await listCustomers(pool, page, pageSize) };
}

async function summaryHandler({ pool, params }: RouteContext): Promise<RouteAnswer> {
  const id = idParam(params[0]);
  if (id === null) return notFound('customer', params[0]);
  const summary = await customerSummary(pool, id);
  return summary ? { status: 200, body: summary } : notFound('customer', id);
}

/** Routes: pattern and handlers by method; the first matching pattern wins. */
const ROUTES: ReadonlyArray<[RegExp, Record<string, Handler>]> = [
  [/^\/health$/, { GET: health }],
  [/^\/orders$/, { GET: listHandler, POST: createHandler }],
  [
    /^\/orders\/([0-9]+)$/,
    {
      GET: withOrderId(({ pool }, id) => answerOrder(pool, id, 200)),
      PATCH: withOrderId(updateHandler),
      DELETE: withOrderId(async ({ pool }, id) => {
        await cancelOrder(pool, id);
        return { status: 204 };
      }),
    },
  ],
  [/^\/orders\/([0-9]+)\/items$/, { POST: withOrderId(addItemsHandler) }],
  [/^\/orders\/([0-9]+)\/items\/([0-9]+)$/, { DELETE: withOrderId(removeItemHandler) }],
  [/^\/orders\/([0-9]+)\/pay$/, { POST: withOrderId(payHandler) }],
  [/^\/orders\/([0-9]+)\/history$/, { GET: withOrderId(historyHandler) }],
  [/^\/customers$/, { GET: customerListHandler }],
  [/^\/customers\/([0-9]+)$/, { GET: customerHandler }],
  [/^\/customers\/([0-9]+)\/summary$/, { GET: summaryHandler }],
];

/** The route for a request: its handler and params, the allowed methods (405), or `null` (404). */
export function matchRoute(
  method: string,
  path: string,
): { handler: Handler; params: string[] } | { allow: string } | null {
  for (const [pattern, handlers] of ROUTES) {
    const m = pattern.exec(path);
    if (!m) continue;
    const handler = Object.hasOwn(handlers, method) ? handlers[method] : undefined;
    if (!handler) return { allow: Object.keys(handlers).join(', ') };
    return { handler, params: m.slice(1) };
  }
  return null;
}

export { HttpError };
