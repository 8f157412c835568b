/**
 * Data access for orders and customers (PostgreSQL through `pg`), and their JSON shapes.
 * Statements run in the same order as the legacy's, so both hand out the same ids from the
 * same starting database.
 */
import pg from 'pg';
import { centsToAmount, lineCents, totalCents } from './money.ts';
import type { OrderStatus } from './validate.ts';

/** Something that runs queries: the pool, or a client inside a transaction. */
export type Queryable = Pick<pg.Pool, 'query'> | pg.PoolClient;

/** An error that becomes an HTTP answer `{error: code, message}` with this status. */
export class HttpError extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** Status changes PATCH and DELETE allow. Paying (pending → paid) has its own endpoint. */
const TRANSITIONS: Record<OrderStatus, readonly OrderStatus[]> = {
  pending: ['cancelled'],
  paid: ['shipped', 'cancelled'],
  shipped: ['delivered'],
  delivered: [],
  cancelled: [],
};

const ORDER_COLUMNS = 'id, customer_id, status, currency, note, total_cents, created_at, updated_at';

interface OrderRow {
  id: number;
  customer_id: number;
  status: OrderStatus;
  currency: string;
  note: string | null;
  total_cents: string;
  created_at: Date;
  updated_at: Date;
}

interface ItemRow {
  id: number;
  sku: string;
  qty: number;
  unit_price: string;
  line_total_cents: string;
}

/** One line of an order. */
export interface OrderItem {
  id: number;
  sku: string;
  qty: number;
  price: number;
  lineTotal: number;
}

/**
 * An order as `GET /orders/:id` shows it.
 *
 * DIVERGENCE 5: no `legacyCode`. The legacy showed the pre-legacy system's code of imported
 * orders; nothing reads it any more (see DIVERGENCES.md).
 */
export interface Order {
  id: number;
  customerId: number;
  status: OrderStatus;
  currency: string;
  note: string | null;
  items: OrderItem[];
  /** Sum of the quantities. */
  itemCount: number;
  total: number;
  paymentId: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/** An order as `GET /orders` lists it. No `legacyCode` either (DIVERGENCE 5). */
export interface OrderSummary {
  id: number;
  customerId: number;
  status: OrderStatus;
  currency: string;
  total: number;
  itemCount: number;
  createdAt: Date;
}

/** A new order, as validated from `POST /orders`. */
export interface NewOrder {
  customerId: number;
  currency?: string;
  note?: string | null;
  items?: NewItem[];
}

/** A new order line. */
export interface NewItem {
  sku: string;
  qty: number;
  price: number;
}

/** Opens a transaction, runs `work`, commits (rolls back when it throws). */
export async function inTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

function notFound(what: string, id: number | string): HttpError {
  return new HttpError(404, 'not_found', `${what} ${id} not found`);
}

/** The order with its items and payment id, or `null` when it does not exist. */
export async function loadOrder(db: Queryable, id: number): Promise<Order | null> {
  const found = await db.query<OrderRow>(`SELECT ${ORDER_COLUMNS} FROM orders WHERE id = $1`, [id]);
  const row = found.rows[0];
  if (!row) return null;
  const items = await db.query<ItemRow>(
    'SELECT id, sku, qty, unit_price, line_total_cents FROM order_items WHERE order_id = $1 ORDER BY id',
    [id],
  );
  const payment = await db.query<{ id: string }>('SELECT id FROM payments WHERE order_id = $1', [id]);
  return {
    id: row.id,
    customerId: row.customer_id,
    status: row.status,
    currency: row.currency,
    note: row.note,
    items: items.rows.map((item) => ({
      id: item.id,
      sku: item.sku,
      qty: item.qty,
      price: Number.parseFloat(item.unit_price),
      lineTotal: centsToAmount(item.line_total_cents),
    })),
    itemCount: items.rows.reduce((sum, item) => sum + item.qty, 0),
    total: centsToAmount(row.total_cents),
    paymentId: payment.rows[0]?.id ?? null,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** Locks the order row until the transaction ends. @throws HttpError 404 when it does not exist. */
async function lockOrder(client: pg.PoolClient, id: number): Promise<OrderRow> {
  const found = await client.query<OrderRow>(`SELECT ${ORDER_COLUMNS} FROM orders WHERE id = $1 FOR UPDATE`, [id]);
  const row = found.rows[0];
  if (!row) throw notFound('order', id);
  return row;
}

/** Filters and page of `GET /orders` (page is 1-based). */
export interface ListFilters {
  page: number;
  pageSize: number;
  status?: string;
  customerId?: number;
}

/**
 * One page of orders, and how many orders match the filters in all.
 *
 * DIVERGENCE 4: newest first (`created_at DESC, id DESC`); the legacy listed by id. Orders
 * imported into the legacy were created out of id order, so the two differ.
 */
export async function listOrders(db: Queryable, filters: ListFilters): Promise<{ total: number; orders: OrderSummary[] }> {
  const where: string[] = [];
  const params: unknown[] = [];
  if (filters.status) {
    params.push(filters.status);
    where.push(`o.status = $${params.length}`);
  }
  if (filters.customerId) {
    params.push(filters.customerId);
    where.push(`o.customer_id = $${params.length}`);
  }
  const whereSql = where.length > 0 ? ` WHERE ${where.join(' AND ')}` : '';
  const counted = await db.query<{ total: string }>(`SELECT count(*) AS total FROM orders o${whereSql}`, params);
  const page = await db.query<OrderRow & { item_count: string }>(
    'SELECT o.id, o.customer_id, o.status, o.currency, o.total_cents, o.created_at, ' +
      '(SELECT coalesce(sum(i.qty), 0) FROM order_items i WHERE i.order_id = o.id) AS item_count ' +
      `FROM orders o${whereSql} ORDER BY o.created_at DESC, o.id DESC ` +
      `LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
    [...params, filters.pageSize, (filters.page - 1) * filters.pageSize],
  );
  return {
    total: Number(counted.rows[0].total),
    orders: page.rows.map((row) => ({
      id: row.id,
      customerId: row.customer_id,
      status: row.status,
      currency: row.currency,
      total: centsToAmount(row.total_cents),
      itemCount: Number(row.item_count),
      createdAt: row.created_at,
    })),
  };
}

async function insertItems(client: pg.PoolClient, orderId: number, items: readonly NewItem[]): Promise<void> {
  for (const item of items) {
    await client.query(
      'INSERT INTO order_items (order_id, sku, qty, unit_price, line_total_cents) VALUES ($1, $2, $3, $4, $5)',
      [orderId, item.sku, item.qty, String(item.price), lineCents(item.qty, item.price)],
    );
  }
}

/** Recomputes `orders.total_cents` from the order's items: their exact sum, rounded once. */
async function updateTotal(client: pg.PoolClient, orderId: number): Promise<void> {
  const items = await client.query<{ qty: number; price: string }>(
    'SELECT qty, unit_price AS price FROM order_items WHERE order_id = $1 ORDER BY id',
    [orderId],
  );
  await client.query('UPDATE orders SET total_cents = $2, updated_at = now() WHERE id = $1', [orderId, totalCents(items.rows)]);
}

async function audit(client: pg.PoolClient, orderId: number, from: OrderStatus | null, to: OrderStatus): Promise<void> {
  await client.query('INSERT INTO order_audit (order_id, from_status, to_status) VALUES ($1, $2, $3)', [orderId, from, to]);
}

/** Kinds of rows of the append-only `order_events` log (status changes go to `order_audit`). */
type EventKind = 'created' | 'items_added' | 'item_removed' | 'note_changed';

/** Appends one row to `order_events` (a table without a primary key: a log). */
async function event(client: pg.PoolClient, orderId: number, kind: EventKind, detail: string | null): Promise<void> {
  await client.query('INSERT INTO order_events (order_id, kind, detail) VALUES ($1, $2, $3)', [orderId, kind, detail]);
}

async function setStatus(client: pg.PoolClient, row: OrderRow, to: OrderStatus): Promise<void> {
  await client.query('UPDATE orders SET status = $2, updated_at = now() WHERE id = $1', [row.id, to]);
  await audit(client, row.id, row.status, to);
}

/**
 * The refusal of a status change the order does not allow, or `null`.
 *
 * DIVERGENCE 2: the message reads `invalid status transition: shipped -> pending`; the
 * legacy said `cannot change status from shipped to pending` (see DIVERGENCES.md).
 */
function transitionError(row: OrderRow, to: OrderStatus): HttpError | null {
  if (row.status === to) return new HttpError(409, 'conflict', `order ${row.id} is already ${to}`);
  if (!TRANSITIONS[row.status].includes(to)) {
    return new HttpError(409, 'invalid_transition', `invalid status transition: ${row.status} -> ${to}`);
  }
  return null;
}

function notPending(row: OrderRow): HttpError {
  return new HttpError(409, 'conflict', `order ${row.id} is not pending (status: ${row.status})`);
}

/** Creates an order with its items and first audit row; returns its id. */
export async function createOrder(pool: pg.Pool, input: NewOrder): Promise<number> {
  return inTransaction(pool, async (client) => {
    const inserted = await client.query<{ id: number }>(
      'INSERT INTO orders (customer_id, currency, note) VALUES ($1, $2, $3) RETURNING id',
      [input.customerId, input.currency || 'EUR', input.note === undefined ? null : input.note],
    );
    const id = inserted.rows[0].id;
    await insertItems(client, id, input.items ?? []);
    await updateTotal(client, id);
    await audit(client, id, null, 'pending');
    await event(client, id, 'created', String((input.items ?? []).length));
    return id;
  });
}

/** Adds lines to a pending order. @throws HttpError 404 (no such order), 409 (not pending). */
export async function addItems(pool: pg.Pool, id: number, items: readonly NewItem[]): Promise<void> {
  await inTransaction(pool, async (client) => {
    const row = await lockOrder(client, id);
    if (row.status !== 'pending') throw notPending(row);
    await insertItems(client, id, items);
    await updateTotal(client, id);
    await event(client, id, 'items_added', items.map((item) => item.sku).join(','));
  });
}

/** Removes a line from a pending order. @throws HttpError 404 (no such order or item), 409 (not pending). */
export async function removeItem(pool: pg.Pool, id: number, itemId: number): Promise<void> {
  await inTransaction(pool, async (client) => {
    const row = await lockOrder(client, id);
    if (row.status !== 'pending') throw notPending(row);
    const deleted = await client.query('DELETE FROM order_items WHERE id = $1 AND order_id = $2', [itemId, id]);
    if (deleted.rowCount === 0) throw new HttpError(404, 'not_found', `item ${itemId} not found in order ${id}`);
    await updateTotal(client, id);
    await event(client, id, 'item_removed', String(itemId));
  });
}

/** Changes an order's note and/or status. @throws HttpError 404, 409 (transition refused). */
export async function updateOrder(
  pool: pg.Pool,
  id: number,
  changes: { status?: OrderStatus; note?: string | null },
): Promise<void> {
  await inTransaction(pool, async (client) => {
    const row = await lockOrder(client, id);
    if (changes.status !== undefined) {
      const refused = transitionError(row, changes.status);
      if (refused) throw refused;
    }
    if (changes.note !== undefined) {
      await client.query('UPDATE orders SET note = $2, updated_at = now() WHERE id = $1', [id, changes.note]);
      await event(client, id, 'note_changed', changes.note);
    }
    if (changes.status !== undefined) await setStatus(client, row, changes.status);
  });
}

/** Cancels an order. @throws HttpError 404, 409 (already cancelled, or too late to cancel). */
export async function cancelOrder(pool: pg.Pool, id: number): Promise<void> {
  await inTransaction(pool, async (client) => {
    const row = await lockOrder(client, id);
    const refused = transitionError(row, 'cancelled');
    if (refused) throw refused;
    await setStatus(client, row, 'cancelled');
  });
}

/** A captured payment, to store with the order. */
export interface Payment {
  id: string;
  amountCents: number;
  currency: string;
  method: string;
  status: string;
}

/**
 * Stores the payment and marks the order paid. @throws HttpError 404, 409 (not pending any more).
 *
 * DIVERGENCE 6: `payments.status` is stored in upper case (`CAPTURED`), the spelling of the
 * finance ledger's status codes; the legacy stored the payment service's word as it came
 * (`captured`). Nothing in the API reads the column back, so it shows in the database only
 * (see DIVERGENCES.md).
 */
export async function markPaid(pool: pg.Pool, id: number, payment: Payment): Promise<void> {
  await inTransaction(pool, async (client) => {
    const row = await lockOrder(client, id);
    if (row.status !== 'pending') throw new HttpError(409, 'conflict', `order ${id} is already paid`);
    await client.query(
      'INSERT INTO payments (id, order_id, amount_cents, currency, method, status) VALUES ($1, $2, $3, $4, $5, $6)',
      [payment.id, id, payment.amountCents, payment.currency, payment.method, payment.status.toUpperCase()],
    );
    await setStatus(client, row, 'paid');
  });
}

/** One status change of an order. */
export interface HistoryEntry {
  from: OrderStatus | null;
  to: OrderStatus;
  at: Date;
}

/** The order's status changes, oldest first, or `null` when the order does not exist. */
export async function orderHistory(db: Queryable, id: number): Promise<HistoryEntry[] | null> {
  const found = await db.query('SELECT id FROM orders WHERE id = $1', [id]);
  if (found.rows.length === 0) return null;
  const rows = await db.query<{ from_status: OrderStatus | null; to_status: OrderStatus; changed_at: Date }>(
    'SELECT from_status, to_status, changed_at FROM order_audit WHERE order_id = $1 ORDER BY id',
    [id],
  );
  return rows.rows.map((row) => ({ from: row.from_status, to: row.to_status, at: row.changed_at }));
}

/** A customer. */
export interface Customer {
  id: number;
  name: string;
  email: string;
  tier: string;
  createdAt: Date;
}

/** The customer, or `null`. */
export async function loadCustomer(db: Queryable, id: number): Promise<Customer | null> {
  const found = await db.query<{ id: number; name: string; email: string; tier: string; created_at: Date }>(
    'SELECT id, name, email, tier, created_at FROM customers WHERE id = $1',
    [id],
  );
  const row = found.rows[0];
  return row ? { id: row.id, name: row.name, email: row.email, tier: row.tier, createdAt: row.created_at } : null;
}

/** A customer as the directory (`GET /customers`) lists them. */
export interface CustomerListEntry {
  id: number;
  name: string;
  tier: string;
  /** Orders of the customer, in every status. */
  orderCount: number;
}

/**
 * One page of the customer directory (page is 1-based), by id, each customer with their
 * number of orders.
 *
 * PLANTED (perf): an N+1 query on purpose. The page comes first, then one `count(*)` query
 * per customer on it (up to 50), where the legacy runs a single `LEFT JOIN … GROUP BY`. Same
 * answer, many more round trips to the database: the endpoint the perf suite must flag.
 */
export async function listCustomers(db: Queryable, page: number, pageSize: number): Promise<CustomerListEntry[]> {
  const found = await db.query<{ id: number; name: string; tier: string }>(
    'SELECT id, name, tier FROM customers ORDER BY id LIMIT $1 OFFSET $2',
    [pageSize, (page - 1) * pageSize],
  );
  const entries: CustomerListEntry[] = [];
  for (const row of found.rows) {
    const counted = await db.query<{ n: string }>('SELECT count(*) AS n FROM orders WHERE customer_id = $1', [row.id]);
    entries.push({ id: row.id, name: row.name, tier: row.tier, orderCount: Number(counted.rows[0].n) });
  }
  return entries;
}

/** What `GET /customers/:id/summary` shows. */
export interface CustomerSummary {
  customerId: number;
  name: string;
  tier: string;
  orderCount: number;
  /** Orders pending or paid. */
  openOrders: number;
  /** Totals of paid, shipped and delivered orders, in all currencies added up as they are
   * (a legacy quirk that consumers rely on, kept on purpose). */
  spent: number;
  lastOrderId: number | null;
}

/** The customer's order summary, or `null` when the customer does not exist. */
export async function customerSummary(db: Queryable, id: number): Promise<CustomerSummary | null> {
  const found = await db.query<{
    id: number;
    name: string;
    tier: string;
    order_count: string;
    open_orders: string;
    spent_cents: string;
    last_order_id: number | null;
  }>(
    'SELECT c.id, c.name, c.tier, count(o.id) AS order_count, ' +
      "count(o.id) FILTER (WHERE o.status IN ('pending', 'paid')) AS open_orders, " +
      "coalesce(sum(o.total_cents) FILTER (WHERE o.status IN ('paid', 'shipped', 'delivered')), 0) AS spent_cents, " +
      'max(o.id) AS last_order_id ' +
      'FROM customers c LEFT JOIN orders o ON o.customer_id = c.id WHERE c.id = $1 GROUP BY c.id',
    [id],
  );
  const row = found.rows[0];
  if (!row) return null;
  return {
    customerId: row.id,
    name: row.name,
    tier: row.tier,
    orderCount: Number(row.order_count),
    openOrders: Number(row.open_orders),
    spent: centsToAmount(row.spent_cents),
    lastOrderId: row.last_order_id,
  };
}
