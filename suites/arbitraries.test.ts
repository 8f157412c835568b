import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Scenario } from '../harness/model.ts';
import {
  BOUNDARY_STRINGS,
  csvColumnsOf,
  csvFile,
  endpointsOf,
  exchangeSequences,
  formatCsv,
  fromJsonSchema,
  fromRecordedArgs,
  jsonFile,
  jsonSchemaOf,
  oneLeafMutation,
  parseCsv,
  type JsonSchema,
} from './arbitraries.ts';

const recorded: Scenario[] = [
  { id: 'sum', args: ['tx.csv', '--precision', '2'], files: { 'tx.csv': 'account,amount\nbank,12.50\nfood,3.20\n' } },
  { id: 'stdin', args: ['--stdin'], stdin: 'alpha 1\nbeta 2\n' },
];

describe('CSV', () => {
  it('parses quoted fields, doubled quotes and CRLF, and writes them back', () => {
    const text = 'a,b\r\n"x, y","say ""hi"""\n3,\n';
    const rows = parseCsv(text);
    expect(rows).toEqual([['a', 'b'], ['x, y', 'say "hi"'], ['3', '']]);
    expect(parseCsv(formatCsv(rows))).toEqual(rows);
  });

  it('csvColumnsOf merges columns by header across files', () => {
    const cols = csvColumnsOf(['k,v\na,1\n', 'v,k\n2,b\n']);
    expect(cols).toEqual([{ name: 'k', examples: ['a', 'b'] }, { name: 'v', examples: ['1', '2'] }]);
  });

  it('csvFile generates the header and rows of the right width', () => {
    const arb = csvFile([{ name: 'account', examples: ['bank'] }, { name: 'amount', examples: ['1.50'] }], { maxRows: 5 });
    for (const text of fc.sample(arb, { seed: 3, numRuns: 50 })) {
      const rows = parseCsv(text);
      expect(rows[0]).toEqual(['account', 'amount']);
      expect(rows.length).toBeLessThanOrEqual(6);
      for (const r of rows) expect(r).toHaveLength(2);
    }
  });
});

describe('fromRecordedArgs', () => {
  it('generates variations of a recorded scenario, never the recorded input itself only', () => {
    const samples = fc.sample(fromRecordedArgs(recorded), { seed: 11, numRuns: 200 });
    let changed = 0;
    for (const s of samples) {
      const base = s.stdin !== undefined ? recorded[1] : recorded[0];
      expect(s.requests).toBeUndefined();
      if (JSON.stringify({ args: s.args, files: s.files, stdin: s.stdin }) !== JSON.stringify({ args: base.args, files: base.files, stdin: base.stdin })) changed++;
    }
    // Some edits are no-ops (replacing a token with an equal one cannot happen; a drop on an
    // empty list can), so most but not necessarily all samples differ.
    expect(changed).toBeGreaterThan(150);
  });

  it('reaches boundary values: a negative amount, an empty cell, a Unicode cell, a dropped argument', () => {
    const samples = fc.sample(fromRecordedArgs([recorded[0]]), { seed: 5, numRuns: 400 });
    const cells = samples.flatMap((s) => parseCsv(s.files!['tx.csv']).slice(1).flat());
    expect(cells.some((c) => c.startsWith('-') && Number(c) < 0)).toBe(true);
    expect(cells).toContain('');
    expect(cells.some((c) => /日本語/.test(c))).toBe(true);
    expect(samples.some((s) => s.args!.length < 3)).toBe(true);
    expect(samples.some((s) => s.args!.length > 3)).toBe(true);
  });

  it('shrinks a failure to one edit of the first recorded scenario', () => {
    // A "bug" on any negative amount: the minimal case is one cell made negative.
    const result = fc.check(
      fc.property(fromRecordedArgs(recorded), (s) => !parseCsv(s.files?.['tx.csv'] ?? 'a\n').slice(1).some((r) => Number(r[1]) < 0)),
      { seed: 8 },
    );
    expect(result.failed).toBe(true);
    const minimal = result.counterexample![0];
    expect(minimal.args).toEqual(['tx.csv', '--precision', '2']);
    const rows = parseCsv(minimal.files!['tx.csv']);
    expect(rows).toHaveLength(3);
    const original = parseCsv(recorded[0].files!['tx.csv']);
    const diffs = rows.flatMap((r, i) => r.filter((c, j) => c !== original[i][j]));
    expect(diffs).toHaveLength(1);
    expect(Number(diffs[0])).toBeLessThan(0);
  });

  it('refuses a source without command scenarios', () => {
    expect(() => fromRecordedArgs([{ id: 'x', requests: [{ path: '/' }] }])).toThrow(/no recorded command scenarios/);
  });
});

describe('jsonSchemaOf', () => {
  it('infers types, required and optional fields, enums, formats and number ranges', () => {
    const schema = jsonSchemaOf([
      { id: 1, email: 'a@example.com', currency: 'EUR', price: 2.5, note: 'x', at: '2024-01-02', ref: '123e4567-e89b-12d3-a456-426614174000', items: [{ sku: 'A', qty: 1 }] },
      { id: 2, email: 'b@example.org', currency: 'EUR', price: 3, note: null, at: '2024-02-03', ref: '123e4567-e89b-12d3-a456-426614174001', items: [] },
      { id: 3, email: 'c@example.net', currency: 'USD', price: 1, at: '2024-03-04', ref: '123e4567-e89b-12d3-a456-426614174002', items: [{ sku: 'B', qty: 2, gift: true }] },
      { id: 4, email: 'd@example.net', currency: 'USD', price: 4, at: '2024-03-05', ref: '123e4567-e89b-12d3-a456-426614174003' },
    ]);
    expect(schema.type).toBe('object');
    expect(schema.required).toEqual(['id', 'email', 'currency', 'price', 'at', 'ref']);
    const p = schema.properties!;
    expect(p.id).toMatchObject({ type: 'integer', minimum: 1, maximum: 4 });
    expect(p.price.type).toBe('number');
    expect(p.email.format).toBe('email');
    expect(p.at.format).toBe('date');
    expect(p.ref.format).toBe('uuid');
    expect(p.currency.enum).toEqual(['EUR', 'USD']);
    expect(p.note.type).toEqual(['null', 'string']);
    expect(p.items.type).toBe('array');
    expect(p.items.items!.required).toEqual(['sku', 'qty']);
    expect(p.items.items!.properties!.gift.type).toBe('boolean');
  });

  it('does not make an enum of strings seen once each', () => {
    expect(jsonSchemaOf(['a', 'b', 'c']).enum).toBeUndefined();
    expect(jsonSchemaOf(['a', 'b', 'c', 'a', 'b', 'c']).enum).toEqual(['a', 'b', 'c']);
  });
});

describe('fromJsonSchema', () => {
  const schema: JsonSchema = {
    type: 'object',
    required: ['qty', 'sku'],
    properties: {
      qty: { type: 'integer', examples: [1, 2] },
      sku: { type: 'string', examples: ['A-100'] },
      note: { type: ['string', 'null'] },
      when: { type: 'string', format: 'date-time' },
    },
  };

  it('generates values of the schema, with boundary values and optional fields left out', () => {
    const values = fc.sample(fromJsonSchema(schema), { seed: 2, numRuns: 300 }) as Array<Record<string, unknown>>;
    for (const v of values) {
      expect(Number.isInteger(v.qty)).toBe(true);
      expect(typeof v.sku).toBe('string');
      if ('note' in v) expect(v.note === null || typeof v.note === 'string').toBe(true);
      if ('when' in v) expect(typeof v.when).toBe('string');
    }
    expect(values.some((v) => v.qty === 0)).toBe(true);
    expect(values.some((v) => (v.qty as number) < 0)).toBe(true);
    expect(values.some((v) => v.sku === '')).toBe(true);
    expect(values.some((v) => BOUNDARY_STRINGS.includes(v.sku as string) && (v.sku as string).length >= 1000)).toBe(true);
    expect(values.some((v) => v.note === null)).toBe(true);
    expect(values.some((v) => !('note' in v))).toBe(true);
    // a date-time field gets real date-times, and boundary strings too
    expect(values.some((v) => typeof v.when === 'string' && /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/.test(v.when))).toBe(true);
    expect(values.some((v) => v.when === '')).toBe(true);
  });

  it('jsonFile writes parseable JSON', () => {
    for (const text of fc.sample(jsonFile(schema), { seed: 4, numRuns: 30 })) expect(() => JSON.parse(text)).not.toThrow();
  });
});

describe('exchangeSequences', () => {
  const scenarios: Scenario[] = [
    {
      id: 'create-and-get',
      requests: [
        { method: 'POST', path: '/orders', body: { json: { qty: 1, sku: 'A' } }, capture: { orderId: { json: '$.id' } } },
        { path: '/orders/{{orderId}}' },
        { method: 'DELETE', path: '/orders/{{orderId}}' },
      ],
    },
    { id: 'list', requests: [{ path: '/orders' }] },
  ];

  it('finds the endpoints with what they need and capture', () => {
    const endpoints = endpointsOf(scenarios);
    expect(endpoints.map((e) => `${e.method} ${e.path} needs=${e.needs.join(',')}`)).toEqual([
      'POST /orders needs=',
      'GET /orders/{{orderId}} needs=orderId',
      'DELETE /orders/{{orderId}} needs=orderId',
      'GET /orders needs=',
    ]);
    expect(endpoints[0].body?.type).toBe('object');
  });

  it('uses a captured id only after a request that captures it', () => {
    const samples = fc.sample(exchangeSequences(scenarios), { seed: 9, numRuns: 200 });
    let usedCapture = 0;
    for (const s of samples) {
      expect(s.requests!.length).toBeGreaterThan(0);
      let captured = false;
      for (const r of s.requests!) {
        if (r.path.includes('{{orderId}}')) {
          expect(captured).toBe(true);
          usedCapture++;
        }
        if (r.capture?.orderId) captured = true;
      }
    }
    expect(usedCapture).toBeGreaterThan(20);
  });

  it('varies numeric path segments and query values from the recorded ones, with boundaries', () => {
    const recordedReads: Scenario[] = [
      { id: 'a', requests: [{ path: '/orders/4' }, { path: '/orders', query: { page: '2', pageSize: '5' } }] },
      { id: 'b', requests: [{ path: '/orders/3' }, { path: '/orders', query: { page: '1' } }] },
    ];
    const endpoints = endpointsOf(recordedReads);
    expect(endpoints.map((e) => e.path)).toEqual(['/orders/{#}', '/orders']);
    expect(endpoints[0].pathValues).toEqual([['4', '3']]);
    expect(endpoints[1].query).toEqual({ page: { values: ['2', '1'], always: true }, pageSize: { values: ['5'], always: false } });
    const requests = fc.sample(exchangeSequences(recordedReads), { seed: 3, numRuns: 300 }).flatMap((s) => s.requests!);
    const ids = new Set(requests.filter((r) => r.path.startsWith('/orders/')).map((r) => r.path.slice('/orders/'.length)));
    expect(ids.has('4') && ids.has('3')).toBe(true);
    expect([...ids].some((id) => id === '0' || id.startsWith('-'))).toBe(true);
    const lists = requests.filter((r) => r.path === '/orders');
    expect(lists.every((r) => r.query && 'page' in r.query)).toBe(true);
    expect(lists.some((r) => r.query!.pageSize === undefined)).toBe(true);
    expect(lists.some((r) => r.query!.page === '0' || r.query!.page === '')).toBe(true);
  });

  it('shrinks a failing sequence to the requests that matter', () => {
    // A "bug" when an order is deleted: the minimal sequence is create, then delete.
    const result = fc.check(fc.property(exchangeSequences(scenarios), (s) => !s.requests!.some((r) => r.method === 'DELETE')), { seed: 1 });
    expect(result.failed).toBe(true);
    expect(result.counterexample![0].requests!.map((r) => `${r.method} ${r.path}`)).toEqual(['POST /orders', 'DELETE /orders/{{orderId}}']);
  });
});

describe('oneLeafMutation', () => {
  it('changes exactly one leaf of a recorded body, to a boundary value, and often to 0 for a number', () => {
    const recorded = { items: [{ sku: 'A-100', qty: 2, price: 3.5 }], note: 'gift' };
    const samples = fc.sample(oneLeafMutation([recorded]), { seed: 7, numRuns: 300 }) as Array<typeof recorded>;
    const leaves = (b: typeof recorded) => [b.items[0].sku, b.items[0].qty, b.items[0].price, b.note];
    for (const s of samples) {
      const changed = leaves(s).filter((v, i) => !Object.is(v, leaves(recorded)[i]));
      expect(changed.length).toBeLessThanOrEqual(1);
    }
    const prices = samples.filter((s) => s.items[0].price !== 3.5).map((s) => s.items[0].price);
    expect(prices).toContain(0);
    expect(prices).toContain(-1);
    expect(samples.some((s) => s.note === '')).toBe(true);
  });
});
