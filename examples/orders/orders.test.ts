/**
 * The orders example against itself: both services on a real embedded PostgreSQL, every
 * scenario from a fresh clone of the template database, differing exactly where
 * DIVERGENCES.md says (the table in check.ts), plus the two rounding rules side by side.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as candidateMoney from './candidate/money.ts';
import { EXPECTED, checkOrders, compareDb, loadScenarios, unexplained, type DbDump, type ScenarioCheck } from './check.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
const legacyMoney = createRequire(import.meta.url)('./legacy/lib/money.js') as typeof candidateMoney;

describe('rounding to cents (divergence 1)', () => {
  it('legacy rounds half to even, candidate half away from zero; they agree off ties', () => {
    // units of 1/10000: 26650 is 266.5 cents
    const cases: Array<[number, number, number]> = [
      [26650, 266, 267],
      [26750, 268, 268],
      [1250, 12, 13],
      [3750, 38, 38],
      [20050, 200, 201],
      [26649, 266, 266],
      [26651, 267, 267],
      [0, 0, 0],
      [50, 0, 1],
      [150, 2, 2],
    ];
    for (const [units, legacy, candidate] of cases) {
      expect(legacyMoney.unitsToCents(units), `legacy ${units}`).toBe(legacy);
      expect(candidateMoney.unitsToCents(units), `candidate ${units}`).toBe(candidate);
    }
  });

  it('prices with up to 4 decimals become exact units on both sides', () => {
    for (const price of [2.675, 2.665, 0.0199, 1.2345, 1.0025, 999999.9999, '1.2345', '12.5000']) {
      expect(legacyMoney.priceToUnits(price)).toBe(candidateMoney.priceToUnits(price));
    }
    expect(candidateMoney.priceToUnits(2.675)).toBe(26750);
    expect(legacyMoney.totalCents([{ qty: 2, price: 1.0025 }])).toBe(200);
    expect(candidateMoney.totalCents([{ qty: 2, price: 1.0025 }])).toBe(201);
  });
});

describe('scenarios and their documentation', () => {
  const scenarios = loadScenarios();

  it('has at least 25 exchange scenarios with unique ids and requests', () => {
    expect(scenarios.length).toBeGreaterThanOrEqual(25);
    for (const s of scenarios) expect(s.requests.length, s.id).toBeGreaterThan(0);
  });

  it('every scenario with an expected divergence exists and is named in DIVERGENCES.md', () => {
    const doc = readFileSync(join(HERE, 'DIVERGENCES.md'), 'utf8');
    const ids = new Set(scenarios.map((s) => s.id));
    for (const id of Object.keys(EXPECTED)) {
      expect(ids.has(id), id).toBe(true);
      expect(doc, id).toContain(`\`${id}\``);
    }
  });
});

describe('comparing database rows (compareDb)', () => {
  const base: DbDump = {
    payments: [{ id: 'pay_1', status: 'captured' }],
    order_events: [
      { order_id: 1, kind: 'created', detail: '1' },
      { order_id: 1, kind: 'created', detail: '1' },
    ],
  };

  it('reports a changed column by key, and rows of a keyless table as a multiset', () => {
    const changed: DbDump = {
      payments: [{ id: 'pay_1', status: 'CAPTURED' }, { id: 'pay_2', status: 'captured' }],
      order_events: [{ order_id: 1, kind: 'created', detail: '1' }],
    };
    expect(compareDb(base, changed)).toEqual([
      'db payments[pay_1].status: "captured" → "CAPTURED"',
      'db payments[pay_2] added: {"id":"pay_2","status":"captured"}',
      'db order_events removed: {"order_id":1,"kind":"created","detail":"1"}',
    ]);
  });

  it('finds nothing between equal dumps, whatever the order of a keyless table', () => {
    const reordered: DbDump = { ...base, order_events: [...(base.order_events ?? [])].reverse() };
    expect(compareDb(base, reordered)).toEqual([]);
  });
});

/** The legacy's rows of `table` for order `orderId` after scenario `id`. */
function rowsOf(results: ScenarioCheck[], id: string, table: string, orderId: number): Array<Record<string, unknown>> {
  const result = results.find((r) => r.id === id);
  if (!result) throw new Error(`no scenario ${id}`);
  return (result.rows[table] ?? []).filter((row) => row.order_id === orderId);
}

describe('legacy and candidate on an embedded PostgreSQL', () => {
  it('differ exactly as documented, scenario by scenario', { timeout: 900_000 }, async () => {
    const results = await checkOrders();
    const report = results.map((r) => ({ id: r.id, error: r.error, ...unexplained(r) }));
    expect(report.filter((r) => r.error || r.unexpected.length || r.missing.length)).toEqual([]);

    const diverging = results.filter((r) => r.differences.length > 0).map((r) => r.id);
    expect(diverging.sort()).toEqual(Object.keys(EXPECTED).sort());
    // The payment flows really called the payment service, identically on both sides.
    const paying = results.filter((r) => r.outboundCalls > 0).map((r) => r.id);
    expect(paying).toEqual(expect.arrayContaining(['pay-order', 'pay-declined', 'order-lifecycle']));
    // Plenty pass unchanged.
    expect(results.length - diverging.length).toBeGreaterThanOrEqual(25);

    // Divergence 6 shows in the database only: no HTTP or outbound line in those scenarios.
    for (const id of ['pay-order', 'pay-twice', 'pay-seeded-order', 'order-lifecycle']) {
      const lines = results.find((r) => r.id === id)?.differences ?? [];
      expect(lines.length, id).toBeGreaterThan(0);
      expect(lines.every((line) => line.startsWith('db payments[')), id).toBe(true);
    }

    // What the scenarios write (the same on both sides, else a db line above would show it):
    // an audit row per creation and status change, including DELETE (cancel) …
    const audit = (id: string, orderId: number) =>
      rowsOf(results, id, 'order_audit', orderId).map((row) => `${row.from_status ?? '-'}>${row.to_status}`);
    expect(audit('order-lifecycle', 13)).toEqual(['->pending', 'pending>paid', 'paid>shipped', 'shipped>delivered']);
    expect(audit('cancel-order', 13)).toEqual(['->pending', 'pending>cancelled']);
    // … and the keyless order_events log: creation, lines added and removed, note changes.
    const events = (id: string, orderId: number) =>
      rowsOf(results, id, 'order_events', orderId).map((row) => `${row.kind}:${row.detail ?? ''}`);
    expect(events('add-and-remove-items', 13)).toEqual(['created:1', 'items_added:F-600,H-800', 'item_removed:18']);
    expect(events('update-note', 13)).toEqual(['created:1', 'note_changed:deliver to the back door', 'note_changed:']);
    expect(rowsOf(results, 'order-lifecycle', 'payments', 13)).toEqual([
      { id: 'pay_13_2292', order_id: 13, amount_cents: 2292, currency: 'EUR', method: 'card', status: 'captured' },
    ]);
  });
});
