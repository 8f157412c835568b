/**
 * Request validation. Every function returns the list of messages (empty: valid), with the
 * legacy's exact wording: API clients show these messages to people.
 */

/** Order statuses, in lifecycle order. */
export const STATUSES = ['pending', 'paid', 'shipped', 'delivered', 'cancelled'] as const;
/** An order status. */
export type OrderStatus = (typeof STATUSES)[number];

const CURRENCIES = ['EUR', 'USD', 'GBP'];
const METHODS = ['card', 'invoice'];
const MAX_ITEMS = 50;
const MAX_QTY = 1000;
const MAX_PRICE = 1_000_000;
const MAX_NOTE = 200;
const MAX_INT4 = 2_147_483_647;

/** A JSON object from a request body. */
export type JsonObject = Record<string, unknown>;

/** True for a JSON object (not an array, not null). */
export function isJsonObject(value: unknown): value is JsonObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** True for a value of STATUSES. */
export function isStatus(value: unknown): value is OrderStatus {
  return (STATUSES as readonly unknown[]).includes(value);
}

function isPositiveInt4(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value > 0 && value <= MAX_INT4;
}

function hasAtMost4Decimals(value: number): boolean {
  const units = value * 10_000;
  return Math.abs(units - Math.round(units)) < 1e-6;
}

function checkNote(body: JsonObject, messages: string[]): void {
  if (body.note === undefined || body.note === null) return;
  if (typeof body.note !== 'string' || body.note.length > MAX_NOTE) {
    messages.push(`note must be a string of at most ${MAX_NOTE} characters`);
  }
}

function checkItem(item: unknown, at: string, messages: string[]): void {
  if (!isJsonObject(item)) {
    messages.push(`${at} must be an object`);
    return;
  }
  const { sku, qty, price } = item;
  if (typeof sku !== 'string' || sku.trim() === '') messages.push(`${at}.sku is required`);
  else if (!/^[A-Z0-9][A-Z0-9-]{0,31}$/.test(sku)) messages.push(`${at}.sku must be upper-case letters, digits and dashes`);
  if (typeof qty !== 'number' || !Number.isInteger(qty) || qty < 1 || qty > MAX_QTY) {
    messages.push(`${at}.qty must be an integer between 1 and ${MAX_QTY}`);
  }
  // PLANTED (property): a truthiness test. A price of 0 is "not a number" here (400), where
  // the legacy accepts it (a free line).
  if (!price || typeof price !== 'number' || !Number.isFinite(price)) messages.push(`${at}.price must be a number`);
  else if (price < 0) messages.push(`${at}.price must not be negative`);
  else if (price > MAX_PRICE) messages.push(`${at}.price must be at most ${MAX_PRICE}`);
  else if (!hasAtMost4Decimals(price)) messages.push(`${at}.price must have at most 4 decimals`);
}

function checkItems(items: unknown, required: boolean, messages: string[]): void {
  if (items === undefined || items === null) {
    if (required) messages.push('items is required');
    return;
  }
  if (!Array.isArray(items)) {
    messages.push('items must be an array');
    return;
  }
  if (required && items.length === 0) messages.push('items must contain at least one item');
  if (items.length > MAX_ITEMS) messages.push(`items must contain at most ${MAX_ITEMS} items`);
  items.forEach((item, i) => checkItem(item, `items[${i}]`, messages));
}

/** Body of `POST /orders`. */
export function validateCreateOrder(body: unknown): string[] {
  if (!isJsonObject(body)) return ['body must be a JSON object'];
  const messages: string[] = [];
  if (body.customerId === undefined || body.customerId === null) messages.push('customerId is required');
  else if (!isPositiveInt4(body.customerId)) messages.push('customerId must be a positive integer');
  if (body.currency !== undefined && !CURRENCIES.includes(body.currency as string)) {
    messages.push(`currency must be one of ${CURRENCIES.join(', ')}`);
  }
  checkNote(body, messages);
  checkItems(body.items, false, messages);
  return messages;
}

/** Body of `POST /orders/:id/items`. */
export function validateAddItems(body: unknown): string[] {
  if (!isJsonObject(body)) return ['body must be a JSON object'];
  const messages: string[] = [];
  checkItems(body.items, true, messages);
  return messages;
}

/** Body of `PATCH /orders/:id`. */
export function validateUpdateOrder(body: unknown): string[] {
  if (!isJsonObject(body)) return ['body must be a JSON object'];
  if (body.status === undefined && body.note === undefined) return ['nothing to update: give status or note'];
  const messages: string[] = [];
  if (body.status !== undefined && !isStatus(body.status)) messages.push(`status must be one of ${STATUSES.join(', ')}`);
  checkNote(body, messages);
  return messages;
}

/** Body of `POST /orders/:id/pay`. */
export function validatePayOrder(body: unknown): string[] {
  if (!isJsonObject(body)) return ['body must be a JSON object'];
  if (body.method !== undefined && !METHODS.includes(body.method as string)) {
    return [`method must be one of ${METHODS.join(', ')}`];
  }
  return [];
}

/** Query of `GET /customers`: `page` and `pageSize`, with the rules and words of `GET /orders`. */
export function validateCustomerListQuery(query: Record<string, string | undefined>): string[] {
  const messages: string[] = [];
  if (query.page !== undefined && !/^[1-9][0-9]{0,8}$/.test(query.page)) messages.push('page must be a positive integer');
  if (query.pageSize !== undefined) {
    const size = /^[0-9]+$/.test(query.pageSize) ? Number.parseInt(query.pageSize, 10) : Number.NaN;
    if (!(size >= 1 && size <= 50)) messages.push('pageSize must be an integer between 1 and 50');
  }
  return messages;
}

/** Query of `GET /orders` (a repeated parameter arrives joined with commas). */
export function validateListQuery(query: Record<string, string | undefined>): string[] {
  const messages: string[] = [];
  if (query.page !== undefined && !/^[1-9][0-9]{0,8}$/.test(query.page)) messages.push('page must be a positive integer');
  if (query.pageSize !== undefined) {
    const size = /^[0-9]+$/.test(query.pageSize) ? Number.parseInt(query.pageSize, 10) : Number.NaN;
    if (!(size >= 1 && size <= 50)) messages.push('pageSize must be an integer between 1 and 50');
  }
  if (query.status !== undefined && !isStatus(query.status)) messages.push(`status must be one of ${STATUSES.join(', ')}`);
  if (query.customerId !== undefined && !/^[1-9][0-9]{0,8}$/.test(query.customerId)) {
    messages.push('customerId must be a positive integer');
  }
  return messages;
}
