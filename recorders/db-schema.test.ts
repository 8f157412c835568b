import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ParityError } from '../harness/errors.ts';
import { anonymizeIndexDef, captureSchema } from './db-schema.ts';
import { startDatabaseProvider, type DatabaseProvider } from './postgres.ts';

const SCHEMA = (names: { fk: string; idx: string; uq: string }) => `
CREATE SCHEMA shop;
CREATE TABLE shop.customers (id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY, email varchar(200) NOT NULL, CONSTRAINT ${names.uq} UNIQUE (email));
CREATE TABLE shop.orders (
  id bigserial PRIMARY KEY,
  customer_id int NOT NULL CONSTRAINT ${names.fk} REFERENCES shop.customers (id) ON DELETE CASCADE,
  status text NOT NULL DEFAULT 'new' CHECK (status IN ('new', 'paid')),
  price numeric(10,2),
  qty int DEFAULT 1,
  total numeric GENERATED ALWAYS AS (price * qty) STORED,
  created_at timestamptz DEFAULT now());
CREATE INDEX ${names.idx} ON shop.orders (customer_id, status);
CREATE TABLE lines (order_id bigint, n int, PRIMARY KEY (n, order_id));
CREATE SEQUENCE invoice_no;
CREATE VIEW shop.paid AS SELECT id, price FROM shop.orders WHERE status = 'paid';
`;

async function exec(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

describe('captureSchema', () => {
  let provider: DatabaseProvider;
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'paritykit-schema-'));
    if (process.getuid?.() === 0) await chmod(root, 0o755);
    await writeFile(join(root, 'empty.sql'), 'SELECT 1;');
    provider = await startDatabaseProvider({}, { rootDir: root });
    await provider.prepareTemplate('empty', ['empty.sql']);
  });
  afterAll(async () => {
    await provider?.stop();
    await rm(root, { recursive: true, force: true });
  });

  it('reads tables, columns, keys, constraints, indexes, sequences and views, without what paritykit installed', async () => {
    const db = await provider.cloneDatabase('empty', 'schema');
    try {
      expect(await captureSchema(db.url)).toEqual({ tables: [], sequences: [], views: {} });
      await exec(db.url, SCHEMA({ fk: 'orders_customer_fk', idx: 'orders_by_customer', uq: 'customers_email_key' }));
      const schema = await captureSchema(db.url);
      expect(schema.sequences).toEqual(['public.invoice_no', 'shop.customers_id_seq', 'shop.orders_id_seq']);
      expect(schema.views).toEqual({ 'shop.paid': expect.stringMatching(/SELECT id,\s+price\s+FROM shop\.orders\s+WHERE \(status = 'paid'::text\);$/) });
      expect(schema.tables.map((t) => `${t.schema}.${t.name}`)).toEqual(['public.lines', 'shop.customers', 'shop.orders']);
      const [lines, customers, orders] = schema.tables;
      expect(lines).toEqual({
        schema: 'public',
        name: 'lines',
        columns: [
          { name: 'order_id', type: 'bigint', nullable: false, default: null },
          { name: 'n', type: 'integer', nullable: false, default: null },
        ],
        primaryKey: ['n', 'order_id'],
        foreignKeys: [],
        uniques: [],
        checks: [],
        indexes: ['CREATE UNIQUE INDEX _ ON public.lines USING btree (n, order_id)'],
      });
      expect(customers.columns[0]).toEqual({ name: 'id', type: 'integer', nullable: false, default: null, identity: 'always' });
      expect(customers.uniques).toEqual(['UNIQUE (email)']);
      expect(orders.columns).toEqual([
        { name: 'id', type: 'bigint', nullable: false, default: "nextval('shop.orders_id_seq'::regclass)" },
        { name: 'customer_id', type: 'integer', nullable: false, default: null },
        { name: 'status', type: 'text', nullable: false, default: "'new'::text" },
        { name: 'price', type: 'numeric(10,2)', nullable: true, default: null },
        { name: 'qty', type: 'integer', nullable: true, default: '1' },
        { name: 'total', type: 'numeric', nullable: true, default: '(price * (qty)::numeric)', generated: 'stored' },
        { name: 'created_at', type: 'timestamp with time zone', nullable: true, default: 'now()' },
      ]);
      expect(orders.primaryKey).toEqual(['id']);
      expect(orders.foreignKeys).toEqual(['FOREIGN KEY (customer_id) REFERENCES shop.customers(id) ON DELETE CASCADE']);
      expect(orders.checks).toEqual(["CHECK ((status = ANY (ARRAY['new'::text, 'paid'::text])))"]);
      expect(orders.indexes).toEqual(['CREATE INDEX _ ON shop.orders USING btree (customer_id, status)', 'CREATE UNIQUE INDEX _ ON shop.orders USING btree (id)']);
    } finally {
      await db.drop();
    }
  });

  it('is the same for two databases whose constraint and index names differ, and shows a type change', async () => {
    const a = await provider.cloneDatabase('empty', 'schema');
    const b = await provider.cloneDatabase('empty', 'schema');
    try {
      await exec(a.url, SCHEMA({ fk: 'fk_one', idx: 'idx_one', uq: 'uq_one' }));
      await exec(b.url, SCHEMA({ fk: '"FK Two"', idx: '"Idx Two"', uq: 'uq_two' }));
      expect(await captureSchema(b.url)).toEqual(await captureSchema(a.url));
      await exec(b.url, 'ALTER TABLE shop.customers ALTER COLUMN email TYPE varchar(20)');
      const email = (await captureSchema(b.url)).tables.find((t) => t.name === 'customers')?.columns.find((c) => c.name === 'email');
      expect(email?.type).toBe('character varying(20)');
    } finally {
      await a.drop();
      await b.drop();
    }
  });

  it('throws a ParityError naming the database it cannot reach, without the password', async () => {
    const err = await captureSchema('postgres://app:hunter2@127.0.0.1:1/app').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ParityError);
    expect((err as ParityError).message).toContain('postgres://app:***@127.0.0.1:1/app');
    expect((err as ParityError).message).not.toContain('hunter2');
  });
});

describe('anonymizeIndexDef', () => {
  it('replaces plain and quoted index names', () => {
    expect(anonymizeIndexDef('CREATE INDEX orders_idx ON public.orders USING btree (a)')).toBe('CREATE INDEX _ ON public.orders USING btree (a)');
    expect(anonymizeIndexDef('CREATE UNIQUE INDEX "My ""Idx""" ON s.t USING btree (a)')).toBe('CREATE UNIQUE INDEX _ ON s.t USING btree (a)');
  });
});
