import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config.ts';
import type { HttpExchange, HttpObservation } from '../http-model.ts';
import type { DbObservation, DbRow, Difference, RowChange, RowTableDiff, ScenarioObservation, SchemaObservation } from '../model.ts';
import { compareObservations } from '../runner.ts';
import { compareDb, keyPairsFromCaptures, resolveDbOptions, UNIFIED_WIDTH } from './db.ts';

type Change = Omit<RowChange, 'seq' | 'tx' | 'schema'> & { tx?: number };

/** An insert; the key is `id` when the row has one, else the table has no primary key. */
function c(table: string, after: DbRow, tx?: number): Change {
  return { table, op: 'c', before: null, after, key: 'id' in after ? { id: after.id } : null, tx };
}
function u(table: string, before: DbRow, after: DbRow, tx?: number): Change {
  return { table, op: 'u', before, after, key: 'id' in after ? { id: after.id } : null, tx };
}
function d(table: string, before: DbRow, tx?: number): Change {
  return { table, op: 'd', before, after: null, key: 'id' in before ? { id: before.id } : null, tx };
}
function t(table: string, tx?: number): Change {
  return { table, op: 't', before: null, after: null, key: null, tx };
}

/** A logical-decoding observation: `seq` in the order given, `tx` 1 unless set. */
function obs(...changes: Change[]): DbObservation {
  return { method: 'logical', changes: changes.map((ch, i) => ({ ...ch, schema: 'public', tx: ch.tx ?? 1, seq: i + 1 })) };
}

function rows(diff: Difference | null): RowTableDiff[] {
  if (diff === null) throw new Error('expected a difference, got none');
  if (diff.kind !== 'rows') throw new Error(`expected a rows difference, got ${diff.kind}`);
  return diff.tables;
}

/** orders.id serial, line_items.id identity with a foreign key to orders. */
const SCHEMA: SchemaObservation = {
  tables: [
    {
      schema: 'public',
      name: 'orders',
      columns: [
        { name: 'id', type: 'integer', nullable: false, default: "nextval('orders_id_seq'::regclass)" },
        { name: 'status', type: 'text', nullable: false, default: null },
      ],
      primaryKey: ['id'],
      foreignKeys: [],
      uniques: [],
      checks: [],
      indexes: [],
    },
    {
      schema: 'public',
      name: 'line_items',
      columns: [
        { name: 'id', type: 'bigint', nullable: false, default: null, identity: 'by default' },
        { name: 'order_id', type: 'integer', nullable: false, default: null },
        { name: 'sku', type: 'text', nullable: false, default: null },
      ],
      primaryKey: ['id'],
      foreignKeys: ['FOREIGN KEY (order_id) REFERENCES orders(id)'],
      uniques: [],
      checks: [],
      indexes: [],
    },
  ],
  sequences: ['public.orders_id_seq'],
  views: {},
};

describe('compareDb: net effect', () => {
  it('returns null when both sides made the same changes', () => {
    const a = obs(c('orders', { id: 1, status: 'new' }), u('orders', { id: 5, status: 'new' }, { id: 5, status: 'paid' }), d('orders', { id: 6, status: 'old' }));
    expect(compareDb(a, structuredClone(a))).toBeNull();
  });

  it('reports a missing delete, an extra insert and a changed update with their net operations', () => {
    const legacy = obs(c('orders', { id: 1, status: 'new' }), u('orders', { id: 5, status: 'new' }, { id: 5, status: 'paid' }), d('orders', { id: 6, status: 'old' }));
    const candidate = obs(c('orders', { id: 1, status: 'new' }), c('orders', { id: 2, status: 'new' }), u('orders', { id: 5, status: 'new' }, { id: 5, status: 'shipped' }));
    const [orders] = rows(compareDb(legacy, candidate));
    expect(orders.table).toBe('public.orders');
    expect(orders.rows.map((r) => [r.kind, r.key, r.legacyOp, r.candidateOp, r.cells])).toEqual([
      ['changed', 'id=5', 'u', 'u', ['status']],
      ['missing', 'id=6', 'd', undefined, undefined],
      ['extra', 'id=2', undefined, 'c', undefined],
    ]);
    expect(orders.rows[0].legacy).toEqual({ before: { id: 5, status: 'new' }, after: { id: 5, status: 'paid' } });
  });

  it('detects a status stored in another case (PAID vs paid) and renders it for the terminal', () => {
    const diff = compareDb(obs(c('orders', { id: 1, status: 'PAID' })), obs(c('orders', { id: 1, status: 'paid' })));
    const [orders] = rows(diff);
    expect(orders.rows).toMatchObject([{ kind: 'changed', key: 'id=1', cells: ['status'] }]);
    expect(diff!.unified).toBe("~ orders id=1: status 'PAID' → 'paid'");
    expect(diff!.summary).toBe('orders 1 changed');
  });

  it('folds several changes of a row into its net effect', () => {
    // legacy: insert, then two updates; candidate: one insert of the final row
    const legacy = obs(
      c('orders', { id: 1, status: 'new' }, 1),
      u('orders', { id: 1, status: 'new' }, { id: 1, status: 'paid' }, 2),
      u('orders', { id: 1, status: 'paid' }, { id: 1, status: 'shipped' }, 3),
      // an update and its undo cancel out
      u('orders', { id: 9, status: 'x' }, { id: 9, status: 'y' }, 4),
      u('orders', { id: 9, status: 'y' }, { id: 9, status: 'x' }, 5),
    );
    expect(compareDb(legacy, obs(c('orders', { id: 1, status: 'shipped' })))).toBeNull();
    const [orders] = rows(compareDb(legacy, obs(c('orders', { id: 1, status: 'paid' }))));
    expect(orders.rows[0]).toMatchObject({ kind: 'changed', legacyOp: 'c', legacy: { before: null, after: { id: 1, status: 'shipped' } } });
  });

  it('lets a row created then deleted vanish, and treats delete-then-insert as an update', () => {
    const legacy = obs(c('orders', { id: 7, status: 'tmp' }), d('orders', { id: 7, status: 'tmp' }), d('orders', { id: 5, status: 'a' }), c('orders', { id: 5, status: 'b' }));
    expect(compareDb(legacy, obs(u('orders', { id: 5, status: 'a' }, { id: 5, status: 'b' })))).toBeNull();
    const [orders] = rows(compareDb(legacy, obs()));
    expect(orders.rows).toMatchObject([{ kind: 'missing', key: 'id=5', legacyOp: 'u' }]);
  });

  it('compares truncate: a truncate on one side only is reported, rows added after it are compared', () => {
    const legacy = obs(u('orders', { id: 5, status: 'a' }, { id: 5, status: 'b' }), c('orders', { id: 6, status: 'x' }), t('orders'), c('orders', { id: 1, status: 'fresh' }));
    // the truncate stands for every row it removed, whatever happened to them before
    expect(compareDb(legacy, obs(t('orders'), c('orders', { id: 1, status: 'fresh' })))).toBeNull();
    expect(compareDb(legacy, obs(u('orders', { id: 5, status: 'a' }, { id: 5, status: 'z' }), t('orders'), c('orders', { id: 1, status: 'fresh' })))).toBeNull();
    const diff = compareDb(legacy, obs(d('orders', { id: 5, status: 'a' }), c('orders', { id: 1, status: 'FRESH' })));
    const [orders] = rows(diff);
    expect(orders.rows.map((r) => [r.kind, r.key, r.cells])).toEqual([['missing', 'TRUNCATE', undefined], ['changed', 'id=1', ['status']], ['extra', 'id=5', undefined]]);
    expect(diff!.unified.split('\n')[0]).toBe('- orders: TRUNCATE (legacy only)');
    // truncate on a table without a primary key
    expect(compareDb(obs(c('log', { m: 'a' }), t('log')), obs(t('log')))).toBeNull();
  });

  it('matches rows of a table without a primary key by content, counting duplicates', () => {
    const audit = (action: string) => c('audit_log', { action, actor: 'api' });
    const legacy = obs(audit('created'), audit('paid'), audit('paid'));
    expect(compareDb(legacy, obs(audit('paid'), audit('created'), audit('paid')))).toBeNull();
    const diff = compareDb(legacy, obs(audit('created'), audit('paid')));
    const [log] = rows(diff);
    expect(log.rows).toHaveLength(1);
    expect(log.rows[0]).toMatchObject({ kind: 'missing', legacyOp: 'c', legacy: { after: { action: 'paid', actor: 'api' } } });
    expect(log.rows[0].key).toMatch(/^#[0-9a-f]{8}$/);
    expect(diff!.unified).toMatch(/^- audit_log #[0-9a-f]{8} \(created\): action='paid' actor='api'$/);
    // two identical rows missing are one entry counted ×2
    const [both] = rows(compareDb(legacy, obs(audit('created'))));
    expect(both.rows.map((r) => r.key)).toEqual([expect.stringMatching(/^#[0-9a-f]{8} ×2$/)]);
  });

  it('pairs differing rows of a table without a primary key and names the differing cells', () => {
    const legacy = obs(c('audit_log', { action: 'paid', actor: 'api', order_id: 1 }));
    const [log] = rows(compareDb(legacy, obs(c('audit_log', { action: 'PAID', actor: 'api', order_id: 1 }))));
    expect(log.rows).toMatchObject([{ kind: 'changed', cells: ['action'] }]);
    // nothing in common: missing and extra
    const [apart] = rows(compareDb(legacy, obs(c('audit_log', { action: 'refund', actor: 'cron', order_id: 2 }))));
    expect(apart.rows.map((r) => r.kind)).toEqual(['missing', 'extra']);
  });

  it('leaves ignored columns out, so an update of only ignored columns vanishes', () => {
    const legacy = obs(c('orders', { id: 1, status: 'new', updated_at: '2026-01-01T00:00:00Z' }), u('orders', { id: 2, updated_at: 'a' }, { id: 2, updated_at: 'b' }));
    const candidate = obs(c('orders', { id: 1, status: 'new', updated_at: '2026-11-21T12:00:00Z' }));
    expect(rows(compareDb(legacy, candidate))[0].rows.map((r) => [r.kind, r.key])).toEqual([['changed', 'id=1'], ['missing', 'id=2']]);
    expect(compareDb(legacy, candidate, { ignoreColumns: ['*.updated_at'] })).toBeNull();
    expect(compareDb(legacy, candidate, { ignoreColumns: ['public.orders.updated_at'] })).toBeNull();
    expect(compareDb(legacy, candidate, { ignoreColumns: ['line_items.*'] })).not.toBeNull();
  });

  it('applies numeric tolerances per column glob, to numbers and numeric strings', () => {
    const legacy = obs(c('orders', { id: 1, total: 10.0, tax: '1.50' }));
    const candidate = obs(c('orders', { id: 1, total: 10.004, tax: '1.501' }));
    expect(rows(compareDb(legacy, candidate))[0].rows[0].cells).toEqual(['total', 'tax']);
    expect(compareDb(legacy, candidate, { tolerances: [{ column: 'orders.*', absolute: 0.005 }] })).toBeNull();
    expect(rows(compareDb(legacy, candidate, { tolerances: [{ column: '*.total', relative: 0.001 }] }))[0].rows[0].cells).toEqual(['tax']);
  });
});

describe('compareDb: generated keys', () => {
  const order = (id: number, status = 'new') => c('orders', { id, status });
  const item = (id: number, orderId: number, sku: string) => c('line_items', { id, order_id: orderId, sku });

  it('maps keys through keyPairs (HTTP captures), in key and foreign-key columns', () => {
    const legacy = obs(order(17), item(1, 17, 'A'));
    const candidate = obs(order(903), item(1, 903, 'A'));
    expect(compareDb(legacy, candidate, { keyPairs: [['17', '903']], schema: { legacy: SCHEMA, candidate: SCHEMA } })).toBeNull();
    // without a schema too
    expect(compareDb(legacy, candidate, { keyPairs: [['17', '903']] })).toBeNull();
  });

  it('keyPairs apply in every column (an audit table without a foreign key), other values stay compared', () => {
    const legacy = obs(order(17, 'PAID'), c('audit_log', { order_id: 17, action: 'paid' }));
    const candidate = obs(order(903, 'paid'), c('audit_log', { order_id: 903, action: 'paid' }));
    const tables = rows(compareDb(legacy, candidate, { keyPairs: [['17', '903']], schema: { legacy: SCHEMA, candidate: SCHEMA } }));
    expect(tables.map((x) => [x.table, x.rows.map((r) => r.cells)])).toEqual([['public.orders', [['status']]]]);
  });

  it('pairs created rows in creation order when no capture maps them, foreign keys included', () => {
    // The candidate's sequences start elsewhere: orders 11, 12 and line items 501, 502.
    const legacy = obs(order(1), order(2), item(1, 1, 'A'), item(2, 2, 'B'));
    const candidate = obs(order(11), order(12), item(501, 11, 'A'), item(502, 12, 'B'));
    expect(compareDb(legacy, candidate, { schema: { legacy: SCHEMA, candidate: SCHEMA } })).toBeNull();
    // An item attached to the other order is a difference in its foreign key column.
    const wrong = obs(order(11), order(12), item(501, 12, 'A'), item(502, 12, 'B'));
    const [items] = rows(compareDb(legacy, wrong, { schema: { legacy: SCHEMA, candidate: SCHEMA } }));
    expect(items.table).toBe('public.line_items');
    expect(items.rows).toMatchObject([{ kind: 'changed', key: 'id=1 (candidate id=501)', cells: ['order_id'] }]);
  });

  it('maps uuid-default keys and the foreign keys to them, and a primary key changed by an update', () => {
    const schema: SchemaObservation = {
      tables: [
        { schema: 'public', name: 'carts', columns: [{ name: 'id', type: 'uuid', nullable: false, default: 'gen_random_uuid()' }, { name: 'owner', type: 'text', nullable: true, default: null }], primaryKey: ['id'], foreignKeys: [], uniques: [], checks: [], indexes: [] },
        { schema: 'shop', name: 'cart_items', columns: [{ name: 'cart_id', type: 'uuid', nullable: false, default: null }, { name: 'sku', type: 'text', nullable: false, default: null }], primaryKey: null, foreignKeys: ['FOREIGN KEY (cart_id) REFERENCES carts(id)'], uniques: [], checks: [], indexes: [] },
      ],
      sequences: [],
      views: {},
    };
    const uuid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
    const side = (a: number, b: number, sku: string): DbObservation => ({
      method: 'logical' as const,
      changes: [
        { schema: 'public', table: 'carts', op: 'c' as const, before: null, after: { id: uuid(a), owner: 'ann' }, key: { id: uuid(a) }, tx: 1, seq: 1 },
        { schema: 'public', table: 'carts', op: 'c' as const, before: null, after: { id: uuid(b), owner: 'bob' }, key: { id: uuid(b) }, tx: 1, seq: 2 },
        { schema: 'shop', table: 'cart_items', op: 'c' as const, before: null, after: { cart_id: uuid(b), sku }, key: null, tx: 2, seq: 3 },
      ],
    });
    const options = { schema: { legacy: schema, candidate: schema } };
    expect(compareDb(side(1, 2, 'A'), side(71, 72, 'A'), options)).toBeNull();
    // the item in the other cart: a changed cart_id, named in the shop schema's table
    const [items] = rows(compareDb(side(1, 2, 'A'), { ...side(71, 72, 'A'), changes: [...side(71, 72, 'A').changes.slice(0, 2), { ...side(71, 72, 'A').changes[2], after: { cart_id: uuid(71), sku: 'A' } }] }, options));
    expect(items).toMatchObject({ table: 'shop.cart_items', rows: [{ kind: 'changed', cells: ['cart_id'] }] });
    // an update that changes the primary key: the net row is found under its new key
    const moved = obs(u('orders', { id: 5, status: 'a' }, { id: 6, status: 'a' }));
    expect(compareDb(moved, structuredClone(moved))).toBeNull();
    expect(rows(compareDb(moved, obs(u('orders', { id: 5, status: 'a' }, { id: 7, status: 'a' }))))[0].rows.map((r) => [r.kind, r.key])).toEqual([['missing', 'id=6'], ['extra', 'id=7']]);
  });

  it('maps a <table>_id column without a foreign key, and a mapped uuid in any column', () => {
    const side = (orderId: number, cartId: string, status: string) => obs(
      c('orders', { id: orderId, status }),
      c('categories', { id: orderId + 1, name: 'x' }),
      c('audit_log', { order_id: orderId, category_id: orderId + 1, note: cartId }),
      { table: 'carts', op: 'c', before: null, after: { id: cartId }, key: { id: cartId } },
    );
    const uuid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
    expect(compareDb(side(1, uuid(1), 'PAID'), side(901, uuid(9), 'PAID'))).toBeNull();
    const tables = rows(compareDb(side(1, uuid(1), 'PAID'), side(901, uuid(9), 'paid')));
    expect(tables.map((t) => [t.table, t.rows.map((r) => r.cells)])).toEqual([['public.orders', [['status']]]]);
    // an unrelated integer column is not mapped
    const [log] = rows(compareDb(obs(c('orders', { id: 1, status: 'a' }), c('log', { qty: 1, m: 'x' })), obs(c('orders', { id: 901, status: 'a' }), c('log', { qty: 901, m: 'x' }))));
    expect(log.rows).toMatchObject([{ kind: 'changed', cells: ['qty'] }]);
  });

  it('matches rows without a primary key through the mapping before their raw values', () => {
    // candidate ids are shifted by 2: legacy order 3 is candidate order 5, and candidate order 3 is legacy order 1
    const side = (ids: number[]) => obs(...ids.map((id) => order(id)), ...ids.map((id) => c('audit_log', { order_id: id, action: 'created' })));
    expect(compareDb(side([1, 2, 3]), side([3, 4, 5]))).toBeNull();
  });

  it('pairs by creation order without a schema for the primary keys themselves', () => {
    expect(compareDb(obs(order(1), order(2, 'paid')), obs(order(7), order(8, 'paid')))).toBeNull();
    const [orders] = rows(compareDb(obs(order(1), order(2, 'paid')), obs(order(7), order(8, 'PAID'))));
    expect(orders.rows).toMatchObject([{ kind: 'changed', key: 'id=2 (candidate id=8)', cells: ['status'] }]);
  });

  it('without a schema, does not take natural keys for generated ones', () => {
    const product = (sku: string, name: string) => ({ table: 'products', op: 'c' as const, before: null, after: { sku, name }, key: { sku } });
    const [products] = rows(compareDb(obs(product('A', 'apple')), obs(product('B', 'apple'))));
    expect(products.rows.map((r) => [r.kind, r.key])).toEqual([['missing', 'sku=A'], ['extra', 'sku=B']]);
  });

  it('follows the common rows, so a row the candidate skipped is missing rather than shifting the rest', () => {
    const audit = (id: number, action: string) => c('audit', { id, action });
    const legacy = obs(audit(1, 'created'), audit(2, 'paid'), audit(3, 'shipped'));
    const candidate = obs(audit(1, 'created'), audit(2, 'shipped'));
    const [log] = rows(compareDb(legacy, candidate));
    expect(log.rows.map((r) => [r.kind, r.key])).toEqual([['missing', 'id=2']]);
    expect(log.rows[0].legacy?.after).toEqual({ id: 2, action: 'paid' });
  });

  it('keyPairs win over creation order', () => {
    // creation order alone would pair 1↔10 and 2↔20; the capture says legacy 1 is candidate 20
    const legacy = obs(order(1, 'a'), order(2, 'b'));
    const candidate = obs(order(10, 'b'), order(20, 'a'));
    expect(compareDb(legacy, candidate, { keyPairs: [['1', '20'], ['2', '10']], schema: { legacy: SCHEMA } })).toBeNull();
  });
});

describe('compareDb: order, method and errors', () => {
  const legacy = obs(c('orders', { id: 1, status: 'new' }, 1), c('audit', { id: 1, action: 'created' }, 2));
  const swapped = obs(c('audit', { id: 1, action: 'created' }, 1), c('orders', { id: 1, status: 'new' }, 2));

  it('order mode detects a swapped transaction order that net mode accepts', () => {
    expect(compareDb(legacy, swapped)).toBeNull();
    expect(compareDb(legacy, swapped, { mode: 'net' })).toBeNull();
    const diff = compareDb(legacy, swapped, { mode: 'order' });
    const tables = rows(diff);
    const order = tables.flatMap((x) => x.rows).filter((r) => r.kind === 'order');
    expect(order).toHaveLength(2);
    expect(order.find((r) => r.key.startsWith('tx 1 change 1'))).toMatchObject({ kind: 'order', key: 'tx 1 change 1: legacy created orders id=1; candidate created audit id=1', legacyOp: 'c', candidateOp: 'c' });
    expect(diff!.unified.split('\n')).toEqual([
      '! orders order, tx 1 change 1:',
      '    legacy created orders id=1',
      '    candidate created audit id=1',
      '! audit order, tx 2 change 1:',
      '    legacy created audit id=1',
      '    candidate created orders id=1',
    ]);
    expect(diff!.summary).toBe('audit 1 order; orders 1 order');
  });

  it('order mode detects a change moved into another transaction', () => {
    const oneTx = obs(c('orders', { id: 1, status: 'new' }, 1), c('audit', { id: 1, action: 'created' }, 1));
    expect(compareDb(legacy, oneTx)).toBeNull();
    const [audit] = rows(compareDb(legacy, oneTx, { mode: 'order' }));
    expect(audit.rows[0].key).toBe('tx 1 change 2: legacy nothing; candidate created audit id=1');
  });

  it('order mode ignores value differences (the net comparison reports them once)', () => {
    const changed = obs(c('orders', { id: 1, status: 'NEW' }, 1), c('audit', { id: 1, action: 'created' }, 2));
    const all = rows(compareDb(legacy, changed, { mode: 'order' })).flatMap((x) => x.rows);
    expect(all.map((r) => r.kind)).toEqual(['changed']);
  });

  it('compares the net effect only when a side was captured by snapshot, and says so', () => {
    const snap: DbObservation = { ...swapped, method: 'snapshot', reason: 'wal_level is replica' };
    expect(compareDb(legacy, snap, { mode: 'order' })).toBeNull();
    const snapDiff: DbObservation = { method: 'snapshot', changes: obs(c('orders', { id: 1, status: 'x' })).changes };
    expect(compareDb(legacy, snapDiff, { mode: 'order' })?.summary).toBe('audit 1 missing; orders 1 changed (order not compared: candidate captured by snapshot)');
  });

  it('reports a capture error on either side', () => {
    const failed: DbObservation = { method: 'logical', changes: [], error: 'replication slot could not be created' };
    const diff = compareDb(legacy, failed);
    expect(diff).toMatchObject({ kind: 'rows', summary: 'db capture failed (candidate: replication slot could not be created)', tables: [] });
    expect(compareDb(failed, failed)?.summary).toContain('legacy: replication slot');
  });

  it('keeps every unified line within the terminal width', () => {
    const long = 'x'.repeat(200);
    const diff = compareDb(
      obs(c('orders', { id: 1, status: long, note: long, extra: 1 }), c('audit_log', { message: long, detail: long })),
      obs(c('orders', { id: 1, status: `${long}!`, note: `${long}?`, extra: 2 })),
    );
    const lines = diff!.unified.split('\n');
    expect(lines.every((l) => l.length <= UNIFIED_WIDTH)).toBe(true);
    expect(lines[0]).toMatch(/^- audit_log #[0-9a-f]{8} \(created\): message='x{30}… detai…$/);
    expect(lines.slice(1)).toEqual([
      '~ orders id=1:',
      `    status '${'x'.repeat(30)}… → '${'x'.repeat(30)}…`,
      `    note '${'x'.repeat(30)}… → '${'x'.repeat(30)}…`,
      '    extra 1 → 2',
    ]);
  });
});

describe('keyPairsFromCaptures', () => {
  it('pairs the values both sides captured under the same name in the same exchange', () => {
    const http = (caps: Array<Record<string, string>>): HttpObservation => ({ exchanges: caps.map((captures) => ({ captures })) }) as unknown as HttpObservation;
    expect(keyPairsFromCaptures(http([{ id: '17' }, { item: '5', same: 'x' }]), http([{ id: '903' }, { item: '6', same: 'x' }, { id: '1' }]))).toEqual([
      ['17', '903'],
      ['5', '6'],
    ]);
    expect(keyPairsFromCaptures(undefined, http([{ id: '1' }]))).toEqual([]);
  });
});

describe('compareObservations: db and schema channels of an exchange scenario', () => {
  const exchange = (body: string, captures: Record<string, string>): HttpExchange => ({
    request: { method: 'POST', url: '/orders', headers: [], body: null },
    response: { status: 201, statusText: 'Created', headers: [['content-type', 'application/json']], body: Buffer.from(body) },
    captures,
    durationMs: 1,
  });
  function observation(id: number, status: string, extra: Partial<ScenarioObservation> = {}): ScenarioObservation {
    return {
      stdout: Buffer.alloc(0),
      stderr: Buffer.alloc(0),
      exit: { code: 0, signal: null, timedOut: false },
      files: [],
      timing: { durationMs: 1, peakRssBytes: null },
      http: { exchanges: [exchange(JSON.stringify({ id }), { id: String(id) })] },
      db: obs(c('orders', { id, status }), c('audit_log', { order_id: id, action: 'created' })),
      schema: SCHEMA,
      ...extra,
    };
  }
  const scenario = { id: 'create-order', requests: [{ method: 'POST', path: '/orders' }] };
  const suite = { normalize: [], csvKeys: {}, db: resolveDbOptions(undefined) };

  it('passes when only the generated id differs (mapped through the capture of the same exchange)', () => {
    const results = compareObservations(suite, scenario, observation(17, 'PAID'), observation(903, 'PAID'));
    expect(results.map((r) => [r.channel, r.verdict])).toEqual([['http', 'pass'], ['db', 'pass'], ['schema', 'pass']]);
  });

  it('shows a database-only divergence in the db channel while the HTTP responses agree', () => {
    const results = compareObservations(suite, scenario, observation(17, 'PAID'), observation(903, 'paid'));
    expect(results.map((r) => [r.channel, r.verdict])).toEqual([['http', 'pass'], ['db', 'diff'], ['schema', 'pass']]);
    expect(results[1].difference?.unified).toBe("~ orders id=17 (candidate id=903): status 'PAID' → 'paid'");
  });

  it('reports schema changes in the schema channel, unless the suite turns it off', () => {
    const altered = structuredClone(SCHEMA);
    altered.tables[0].columns[1].type = 'character varying(20)';
    const candidate = observation(17, 'PAID', { schema: altered });
    const schema = compareObservations(suite, scenario, observation(17, 'PAID'), candidate).find((r) => r.channel === 'schema');
    expect(schema).toMatchObject({ verdict: 'diff', difference: { kind: 'schema', changes: [{ ddl: 'ALTER TABLE orders ALTER COLUMN status TYPE varchar(20)' }] } });
    const off = { ...suite, db: resolveDbOptions({ schema: false }) };
    expect(compareObservations(off, scenario, observation(17, 'PAID'), candidate).map((r) => r.channel)).toEqual(['http', 'db']);
  });

  it('skips the channels a baseline recorded before them lacks, and flags a candidate that lacks them', () => {
    const old = observation(17, 'PAID', { db: undefined, schema: undefined });
    expect(compareObservations(suite, scenario, old, observation(17, 'paid')).map((r) => r.channel)).toEqual(['http']);
    const blind = compareObservations(suite, scenario, observation(17, 'PAID'), observation(17, 'PAID', { db: undefined, schema: undefined }));
    expect(blind.map((r) => [r.channel, r.verdict, r.difference?.summary])).toEqual([
      ['http', 'pass', undefined],
      ['db', 'diff', 'the candidate has no db observation (its database writes were not captured)'],
      ['schema', 'diff', 'the candidate has no schema observation (its schema was not captured)'],
    ]);
  });

  it('uses the suite options: order mode and ignored columns', () => {
    const legacy = observation(1, 'new', { db: obs(c('orders', { id: 1, status: 'new', updated_at: 'a' }, 1), c('audit_log', { order_id: 1, action: 'created' }, 2)) });
    const candidate = observation(1, 'new', { db: obs(c('audit_log', { order_id: 1, action: 'created' }, 1), c('orders', { id: 1, status: 'new', updated_at: 'b' }, 2)) });
    const net = { ...suite, db: resolveDbOptions({ ignoreColumns: ['*.updated_at'] }) };
    expect(compareObservations(net, scenario, legacy, candidate).find((r) => r.channel === 'db')?.verdict).toBe('pass');
    const order = { ...suite, db: resolveDbOptions({ ignoreColumns: ['*.updated_at'], compare: 'order' }) };
    expect(compareObservations(order, scenario, legacy, candidate).find((r) => r.channel === 'db')?.verdict).toBe('diff');
  });
});

describe('config: the suite-level db option', () => {
  async function load(db: unknown) {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'paritykit-dbopt-'));
    try {
      const suite = { name: 's', legacy: { url: 'http://127.0.0.1:1' }, candidate: { url: 'http://127.0.0.1:2' }, scenarios: [{ id: 'a', requests: [{ path: '/' }] }], ...(db === undefined ? {} : { db }) };
      await writeFile(path.join(dir, 'paritykit.config.json'), JSON.stringify({ suites: [suite] }));
      return await loadConfig(dir);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  it('applies the defaults', async () => {
    expect((await load(undefined)).suites[0].db).toEqual({ compare: 'net', ignoreColumns: [], tolerances: [], schema: true });
    const given = { compare: 'order', ignoreColumns: ['*.updated_at'], tolerances: [{ column: 'orders.total', absolute: 0.01 }], schema: false };
    expect((await load(given)).suites[0].db).toEqual(given);
  });

  it('rejects invalid options naming the field and the fix', async () => {
    await expect(load({ compare: 'strict' })).rejects.toMatchObject({ code: 'CONFIG_INVALID', message: expect.stringContaining('suites[0].db.compare (suite "s"): must be "net"') });
    await expect(load({ ignoreColumns: ['updated_at'] })).rejects.toThrow(/suites\[0\]\.db\.ignoreColumns\[0\].*must name a column as table\.column/);
    await expect(load({ tolerances: [{ column: 'orders.total' }] })).rejects.toThrow(/suites\[0\]\.db\.tolerances\[0\].*needs absolute and\/or relative/);
    await expect(load({ tolerances: [{ column: 'orders.total', absolute: -1 }] })).rejects.toThrow(/db\.tolerances\[0\]\.absolute/);
    await expect(load({ ignore: [] })).rejects.toThrow(/suites\[0\]\.db/);
  });
});
