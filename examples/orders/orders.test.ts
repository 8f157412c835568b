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
import { EXPECTED, checkOrders, loadScenarios, unexplained } from './check.ts';

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
  });
});
