import { spawn } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ParityError } from '../harness/errors.ts';
import { loadBaseline, saveBaseline } from '../baselines/store.ts';
import type { ServiceTarget } from '../harness/http-model.ts';
import type { DbObservation } from '../harness/model.ts';
import { runServiceScenario, stopDatabaseProviders } from '../harness/service-run.ts';
import { DRAIN_INTERVAL_MS, startDbCapture, type DbCaptureOptions } from './db-capture.ts';
import { startDatabaseProvider, type DatabaseProvider } from './postgres.ts';
import { UNCHANGED_TOAST } from './test-decoding.ts';

const FIXTURE = `
CREATE TYPE mood AS ENUM ('happy', 'sad');
CREATE TABLE items (id serial PRIMARY KEY, name text NOT NULL, qty int NOT NULL DEFAULT 0);
CREATE TABLE nopk (a int, b text);
CREATE TABLE docs (id int PRIMARY KEY, body text, note text);
CREATE TABLE typed (
  id int PRIMARY KEY, i2 int2, i4 int4, i8 int8, big int8, n numeric(30,2), nbig numeric, r real, d double precision,
  bo bool, tx text, vc varchar(10), ch char(3), u uuid, j json, jb jsonb, by bytea, dt date, ts timestamp,
  tstz timestamptz, iv interval, arr int[], tarr text[], m mood, nul text);
INSERT INTO items (name, qty) VALUES ('apple', 1), ('pear', 2);
INSERT INTO nopk VALUES (1, 'one'), (1, 'one'), (2, 'two');
`;

async function withClient<T>(url: string, use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

async function slotsOnServer(url: string): Promise<string[]> {
  return withClient(url, async (c) => (await c.query<{ slot_name: string }>(`SELECT slot_name FROM pg_replication_slots WHERE slot_name LIKE 'paritykit%'`)).rows.map((r) => r.slot_name));
}

interface Server {
  provider: DatabaseProvider;
  root: string;
  /** Runs `statements` (each one query, autocommit) on a fresh clone while capturing. */
  capture(statements: string[], options?: DbCaptureOptions): Promise<DbObservation>;
  clone(): Promise<{ url: string; drop(): Promise<void> }>;
}

async function startServer(settings?: Record<string, string>): Promise<Server> {
  const root = await mkdtemp(join(tmpdir(), 'paritykit-dbcap-'));
  if (process.getuid?.() === 0) await chmod(root, 0o755);
  await writeFile(join(root, 'fixture.sql'), FIXTURE);
  const provider = await startDatabaseProvider({}, { rootDir: root, ...(settings ? { serverSettings: settings } : {}) });
  await provider.prepareTemplate('fixture', ['fixture.sql']);
  const clone = () => provider.cloneDatabase('fixture', 'cap');
  return {
    provider,
    root,
    clone,
    capture: async (statements, options) => {
      const db = await clone();
      try {
        const capture = await startDbCapture(db.url, options);
        await withClient(db.url, async (c) => {
          for (const sql of statements) await c.query(sql);
        });
        return await capture.finish();
      } finally {
        await db.drop();
      }
    },
  };
}

describe('startDbCapture on a server with wal_level=logical', () => {
  let server: Server;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(async () => {
    await server?.provider.stop();
    if (server) await rm(server.root, { recursive: true, force: true });
  });

  it('captures inserts, updates and deletes with the whole old row, one transaction each, in commit order', async () => {
    const db = await server.capture([
      `INSERT INTO items (name, qty) VALUES ('plum', 3)`,
      `UPDATE items SET qty = 10 WHERE name = 'apple'`,
      `DELETE FROM items WHERE name = 'pear'`,
    ]);
    expect(db.method).toBe('logical');
    expect(db.error).toBeUndefined();
    expect(db.changes).toEqual([
      { schema: 'public', table: 'items', op: 'c', before: null, after: { id: 3, name: 'plum', qty: 3 }, key: { id: 3 }, tx: 1, seq: 1 },
      { schema: 'public', table: 'items', op: 'u', before: { id: 1, name: 'apple', qty: 1 }, after: { id: 1, name: 'apple', qty: 10 }, key: { id: 1 }, tx: 2, seq: 2 },
      { schema: 'public', table: 'items', op: 'd', before: { id: 2, name: 'pear', qty: 2 }, after: null, key: { id: 2 }, tx: 3, seq: 3 },
    ]);
  });

  it('groups a multi-statement transaction and captures nothing of a rolled-back one', async () => {
    const db = await server.capture([
      `BEGIN; INSERT INTO items (name) VALUES ('a'); INSERT INTO items (name) VALUES ('b'); UPDATE items SET qty = 5 WHERE name = 'a'; COMMIT`,
      `BEGIN; INSERT INTO items (name) VALUES ('ghost'); DELETE FROM items; ROLLBACK`,
      `SELECT count(*) FROM items`,
      `INSERT INTO items (name) VALUES ('c')`,
    ]);
    expect(db.changes.map((c) => [c.op, c.tx, c.seq, c.after?.name])).toEqual([
      ['c', 1, 1, 'a'],
      ['c', 1, 2, 'b'],
      ['u', 1, 3, 'a'],
      ['c', 2, 4, 'c'],
    ]);
    expect(JSON.stringify(db.changes)).not.toContain('ghost');
  });

  it('captures TRUNCATE as one event per table', async () => {
    const db = await server.capture([`TRUNCATE items, nopk`]);
    expect(db.changes.map((c) => c.table).sort()).toEqual(['items', 'nopk']);
    expect(db.changes.map(({ op, before, after, key, tx }) => ({ op, before, after, key, tx }))).toEqual(
      Array(2).fill({ op: 't', before: null, after: null, key: null, tx: 1 }),
    );
  });

  it('captures a table without a primary key with the old row and a null key', async () => {
    const db = await server.capture([`UPDATE nopk SET b = 'TWO' WHERE a = 2`, `DELETE FROM nopk WHERE a = 1`]);
    expect(db.changes.map(({ op, before, after, key }) => ({ op, before, after, key }))).toEqual([
      { op: 'u', before: { a: 2, b: 'two' }, after: { a: 2, b: 'TWO' }, key: null },
      { op: 'd', before: { a: 1, b: 'one' }, after: null, key: null },
      { op: 'd', before: { a: 1, b: 'one' }, after: null, key: null },
    ]);
  });

  it('fills an unchanged TOASTed value from the old row, and marks it when the old row is unknown', async () => {
    // md5 text barely compresses: 8,000 characters are stored out of line (TOAST).
    const big = `(SELECT string_agg(md5(i::text), '') FROM generate_series(1, 250) AS i)`;
    const db = await server.capture([
      `INSERT INTO docs VALUES (1, ${big}, 'a')`,
      `UPDATE docs SET note = 'b' WHERE id = 1`,
      `ALTER TABLE docs REPLICA IDENTITY DEFAULT`,
      `UPDATE docs SET note = 'c' WHERE id = 1`,
    ]);
    const [insert, fullUpdate, defaultUpdate] = db.changes;
    const body = insert.after?.body;
    expect(typeof body === 'string' && body.length).toBe(8_000);
    expect(fullUpdate.after).toEqual({ id: 1, body, note: 'b' });
    expect(fullUpdate.before).toEqual({ id: 1, body, note: 'a' });
    expect(defaultUpdate.before).toBeNull();
    expect(defaultUpdate.after).toEqual({ id: 1, body: UNCHANGED_TOAST, note: 'c' });
  });

  it('types every common column type', async () => {
    const db = await server.capture([
      `INSERT INTO typed VALUES (1, -2, 40000, 9007199254740991, 9007199254740993, 12.50, 12345678901234567890.12345, 1.5, -0.25,
        true, 'it''s', 'v', 'c', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{"a": [1, 2]}', '{"b": null}', '\\xdeadbeef',
        '2024-01-02', '2024-01-02 03:04:05.123', '2024-01-02 03:04:05+02', '1 day 2 hours', ARRAY[1, NULL, 3],
        ARRAY['a b', 'c,d', '"x"', NULL], 'happy', NULL)`,
    ]);
    expect(db.changes[0].after).toEqual({
      id: 1,
      i2: -2,
      i4: 40000,
      i8: 9007199254740991,
      big: '9007199254740993',
      n: 12.5,
      nbig: '12345678901234567890.12345',
      r: 1.5,
      d: -0.25,
      bo: true,
      tx: "it's",
      vc: 'v',
      ch: 'c  ',
      u: 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
      j: { json: { a: [1, 2] } },
      jb: { json: { b: null } },
      by: { base64: Buffer.from('deadbeef', 'hex').toString('base64') },
      dt: '2024-01-02',
      ts: '2024-01-02 03:04:05.123',
      tstz: '2024-01-02 01:04:05+00',
      iv: '1 day 02:00:00',
      arr: [1, null, 3],
      tarr: ['a b', 'c,d', '"x"', null],
      m: 'happy',
      nul: null,
    });
  });

  it('captures a table the scenario creates, with the whole old row (event trigger in the template)', async () => {
    const db = await server.capture([
      `CREATE TABLE audit (id int PRIMARY KEY, what text)`,
      `INSERT INTO audit VALUES (1, 'created')`,
      `UPDATE audit SET what = 'changed'`,
      `CREATE TABLE copy AS SELECT * FROM items`,
      `DELETE FROM copy WHERE id = 1`,
    ]);
    expect(db.changes.map(({ table, op, before, after, key }) => ({ table, op, before, after, key }))).toEqual([
      { table: 'audit', op: 'c', before: null, after: { id: 1, what: 'created' }, key: { id: 1 } },
      { table: 'audit', op: 'u', before: { id: 1, what: 'created' }, after: { id: 1, what: 'changed' }, key: { id: 1 } },
      { table: 'copy', op: 'c', before: null, after: { id: 1, name: 'apple', qty: 1 }, key: null },
      { table: 'copy', op: 'c', before: null, after: { id: 2, name: 'pear', qty: 2 }, key: null },
      { table: 'copy', op: 'd', before: { id: 1, name: 'apple', qty: 1 }, after: null, key: null },
    ]);
  });

  it('drains the slot while the scenario runs: transactions numbered across drains, keys of tables created between drains', async () => {
    const db = await server.clone();
    try {
      const capture = await startDbCapture(db.url);
      const pause = () => new Promise((resolve) => setTimeout(resolve, DRAIN_INTERVAL_MS * 3));
      await withClient(db.url, async (c) => {
        await c.query(`INSERT INTO items (name) VALUES ('first')`);
        await pause(); // at least one background drain reads the first transaction
        await c.query(`CREATE TABLE later (code text PRIMARY KEY, n int)`);
        await c.query(`INSERT INTO later VALUES ('a', 1)`);
        await pause();
        await c.query(`BEGIN`);
        await c.query(`UPDATE later SET n = 2`);
        await c.query(`DELETE FROM items WHERE name = 'first'`);
        await c.query(`COMMIT`);
      });
      const observed = await capture.finish();
      expect(observed.changes.map(({ table, op, key, tx, seq }) => ({ table, op, key, tx, seq }))).toEqual([
        { table: 'items', op: 'c', key: { id: 3 }, tx: 1, seq: 1 },
        { table: 'later', op: 'c', key: { code: 'a' }, tx: 2, seq: 2 },
        { table: 'later', op: 'u', key: { code: 'a' }, tx: 3, seq: 3 },
        { table: 'items', op: 'd', key: { id: 3 }, tx: 3, seq: 4 },
      ]);
      expect(await slotsOnServer(db.url)).toEqual([]);
    } finally {
      await db.drop();
    }
  });

  it('reads a large output in batches, numbering every change', async () => {
    const db = await server.capture([`INSERT INTO items (name) SELECT 'n' || i FROM generate_series(1, 12000) AS i`], { batchRows: 1000 });
    expect(db.changes).toHaveLength(12_000);
    expect(db.changes.every((c, i) => c.seq === i + 1 && c.tx === 1 && c.op === 'c')).toBe(true);
    expect(db.changes.at(-1)?.after).toEqual({ id: 12_002, name: 'n12000', qty: 0 });
  });

  it('leaves no replication slot after finish or abort', async () => {
    const db = await server.clone();
    try {
      const maintenance = db.url.replace(/\/[^/]*$/, '/postgres');
      const first = await startDbCapture(db.url);
      const second = await startDbCapture(db.url);
      expect(await slotsOnServer(maintenance)).toHaveLength(2);
      await first.finish();
      await second.abort();
      await second.abort();
      expect(await slotsOnServer(maintenance)).toEqual([]);
      await expect(first.finish()).rejects.toThrow(ParityError);
    } finally {
      await db.drop();
    }
  });

  it('a capture whose process is killed with SIGKILL leaves no slot that blocks the next capture', async () => {
    const db = await server.clone();
    const maintenance = db.url.replace(/\/[^/]*$/, '/postgres');
    try {
      const script = `
        import { startDbCapture } from ${JSON.stringify(pathToFileURL(join(import.meta.dirname, 'db-capture.ts')).href)};
        await startDbCapture(process.argv[1], { method: 'logical' });
        console.log('capturing');
        setInterval(() => {}, 1000);`;
      const child = spawn(process.execPath, ['--input-type=module', '-e', script, db.url], { stdio: ['ignore', 'pipe', 'inherit'] });
      await new Promise<void>((settle, fail) => {
        child.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('capturing') && settle());
        child.once('exit', (code) => fail(new Error(`child exited ${code} before capturing`)));
      });
      expect(await slotsOnServer(maintenance)).toHaveLength(1);
      const exited = new Promise((settle) => child.once('exit', settle));
      child.kill('SIGKILL');
      await exited;
      // The server notices the closed socket and ends the backend, which drops its temporary slot.
      let slots = await slotsOnServer(maintenance);
      for (let i = 0; i < 200 && slots.length > 0; i += 1) {
        await new Promise((settle) => setTimeout(settle, 50));
        slots = await slotsOnServer(maintenance);
      }
      expect(slots).toEqual([]);
      const next = await server.capture([`INSERT INTO items (name) VALUES ('after kill')`], { method: 'logical' });
      expect(next.changes.map((c) => c.after?.name)).toEqual(['after kill']);
    } finally {
      await db.drop();
    }
    expect(await slotsOnServer(maintenance)).toEqual([]);
  });

  it('with method snapshot, emits the net effect per table and key (tx 0), including new tables', async () => {
    const db = await server.capture(
      [
        `INSERT INTO items (name, qty) VALUES ('plum', 3)`,
        `UPDATE items SET qty = qty + 1 WHERE name = 'plum'`,
        `UPDATE items SET qty = 10 WHERE name = 'apple'`,
        `DELETE FROM items WHERE name = 'pear'`,
        `UPDATE nopk SET b = 'TWO' WHERE a = 2`,
        `DELETE FROM nopk WHERE a = 1`,
        `CREATE TABLE audit (id int PRIMARY KEY, what text)`,
        `INSERT INTO audit VALUES (1, 'x')`,
      ],
      { method: 'snapshot' },
    );
    expect(db.method).toBe('snapshot');
    expect(db.reason).toBeUndefined();
    const shown = db.changes.map(({ table, op, before, after, key, tx, seq }) => ({ table, op, before, after, key, tx, seq }));
    expect(shown.map((c) => c.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(shown.slice(0, 4)).toEqual([
      { table: 'audit', op: 'c', before: null, after: { id: 1, what: 'x' }, key: { id: 1 }, tx: 0, seq: 1 },
      { table: 'items', op: 'u', before: { id: 1, name: 'apple', qty: 1 }, after: { id: 1, name: 'apple', qty: 10 }, key: { id: 1 }, tx: 0, seq: 2 },
      { table: 'items', op: 'd', before: { id: 2, name: 'pear', qty: 2 }, after: null, key: { id: 2 }, tx: 0, seq: 3 },
      { table: 'items', op: 'c', before: null, after: { id: 3, name: 'plum', qty: 4 }, key: { id: 3 }, tx: 0, seq: 4 },
    ]);
    // A table without a primary key is keyed by row hash: an update is a delete plus a create.
    const nopk = shown.slice(4).map(({ table, op, before, after, key, tx }) => JSON.stringify({ table, op, before, after, key, tx }));
    expect(nopk.sort()).toEqual(
      [
        { table: 'nopk', op: 'c', before: null, after: { a: 2, b: 'TWO' }, key: null, tx: 0 },
        { table: 'nopk', op: 'd', before: { a: 1, b: 'one' }, after: null, key: null, tx: 0 },
        { table: 'nopk', op: 'd', before: { a: 1, b: 'one' }, after: null, key: null, tx: 0 },
        { table: 'nopk', op: 'd', before: { a: 2, b: 'two' }, after: null, key: null, tx: 0 },
      ]
        .map((c) => JSON.stringify(c))
        .sort(),
    );
  });

  it('types snapshot values exactly like decoded values', async () => {
    const insert = `INSERT INTO typed VALUES (1, -2, 40000, 1, 9007199254740993, 12.50, 1.5, 1.5, 2, false, 'x', 'v', 'c', NULL, '[1]', '{}',
      '\\x00ff', '2024-01-02', NULL, '2024-01-02 03:04:05+02', '1 day', '{{1,2},{3,4}}', '{}', 'sad', NULL)`;
    const logical = await server.capture([insert]);
    const snapshot = await server.capture([insert], { method: 'snapshot' });
    expect(snapshot.changes[0].after).toEqual(logical.changes[0].after);
  });

  it('captures logically as a role with REPLICATION that is not a superuser', async () => {
    const db = await server.clone();
    try {
      await withClient(db.url, (c) =>
        c.query(`DO $$ BEGIN CREATE ROLE capture_repl LOGIN PASSWORD 'repl' NOSUPERUSER REPLICATION; EXCEPTION WHEN duplicate_object THEN NULL; END $$`),
      );
      const replUrl = new URL(db.url);
      replUrl.username = 'capture_repl';
      replUrl.password = 'repl';
      const capture = await startDbCapture(replUrl.href, { method: 'logical' });
      await withClient(db.url, (c) => c.query(`INSERT INTO items (name) VALUES ('by repl')`));
      const observed = await capture.finish();
      expect(observed.method).toBe('logical');
      expect(observed.changes.map((c) => [c.op, c.after?.name, c.key])).toEqual([['c', 'by repl', { id: 3 }]]);
    } finally {
      await db.drop();
    }
  });

  it('falls back to snapshots for a role without REPLICATION, saying why', async () => {
    const db = await server.clone();
    try {
      await withClient(db.url, async (c) => {
        await c.query(`DO $$ BEGIN CREATE ROLE capture_app LOGIN PASSWORD 'app' NOSUPERUSER NOREPLICATION; EXCEPTION WHEN duplicate_object THEN NULL; END $$`);
        await c.query(`GRANT SELECT ON ALL TABLES IN SCHEMA public TO capture_app`);
      });
      const appUrl = new URL(db.url);
      appUrl.username = 'capture_app';
      appUrl.password = 'app';
      const capture = await startDbCapture(appUrl.href);
      expect(capture.method).toBe('snapshot');
      expect(capture.reason).toBe('role "capture_app" has neither REPLICATION nor superuser');
      await withClient(db.url, (c) => c.query(`INSERT INTO items (name) VALUES ('by app')`));
      const observed = await capture.finish();
      expect(observed).toMatchObject({ method: 'snapshot', reason: capture.reason });
      expect(observed.changes.map((c) => c.after?.name)).toEqual(['by app']);
      const err = await startDbCapture(appUrl.href, { method: 'logical' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ParityError);
      expect((err as ParityError).message).toMatch(/neither REPLICATION nor superuser.*use capture 'auto' or 'snapshot'/);
    } finally {
      await db.drop();
    }
  });
});

describe('startDbCapture on a server with wal_level=replica', () => {
  let server: Server;
  beforeAll(async () => {
    server = await startServer({ wal_level: 'replica' });
  });
  afterAll(async () => {
    await server?.provider.stop();
    if (server) await rm(server.root, { recursive: true, force: true });
  });

  it('detects that logical decoding is unavailable and captures by snapshot', async () => {
    const db = await server.capture([`INSERT INTO items (name) VALUES ('plum')`, `DELETE FROM items WHERE id = 1`]);
    expect(db).toEqual({
      method: 'snapshot',
      reason: 'wal_level is replica, not logical',
      changes: [
        { schema: 'public', table: 'items', op: 'd', before: { id: 1, name: 'apple', qty: 1 }, after: null, key: { id: 1 }, tx: 0, seq: 1 },
        { schema: 'public', table: 'items', op: 'c', before: null, after: { id: 3, name: 'plum', qty: 0 }, key: { id: 3 }, tx: 0, seq: 2 },
      ],
    });
  });

  it('refuses method logical with the setting to change', async () => {
    const db = await server.clone();
    try {
      const err = await startDbCapture(db.url, { method: 'logical' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ParityError);
      expect((err as ParityError).code).toBe('TARGET_FAILED');
      expect((err as ParityError).message).toContain('wal_level is replica, not logical; start the server with wal_level=logical');
    } finally {
      await db.drop();
    }
  });
});

describe('the db and schema channels of a service scenario (harness/service-run.ts)', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'paritykit-dbcap-svc-'));
    if (process.getuid?.() === 0) await chmod(root, 0o755);
    await writeFile(join(root, 'fixture.sql'), FIXTURE);
    await writeFile(
      join(root, 'service.mjs'),
      `import http from 'node:http';
       import { createRequire } from 'node:module';
       const pg = createRequire(${JSON.stringify(join(import.meta.dirname, '..', 'package.json'))})('pg');
       const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL });
       http.createServer(async (req, res) => {
         if (req.url === '/health') return res.end('ok');
         const { rows } = await pool.query("INSERT INTO items (name) VALUES ('token=s3cret') RETURNING id");
         res.end(JSON.stringify(rows[0]));
       }).listen(Number(process.env.PORT), '127.0.0.1');`,
    );
  });
  afterAll(async () => {
    await stopDatabaseProviders();
    await rm(root, { recursive: true, force: true });
  });

  const target = (capture?: 'off' | 'snapshot'): ServiceTarget => ({
    start: { command: [process.execPath, 'service.mjs'], cwd: root, ready: { url: '/health' } },
    database: { fixtures: ['fixture.sql'], ...(capture ? { capture } : {}) },
  });
  const scenario = { id: 'post-item', requests: [{ method: 'POST', path: '/items' }] };

  it('captures the rows the service wrote and the schema it left, and stores them (inline and as a blob, redacted)', async () => {
    const observation = await runServiceScenario(target(), scenario, { rootDir: root, timeoutMs: 10_000 });
    expect(observation.http?.error).toBeUndefined();
    expect(observation.db).toEqual({
      method: 'logical',
      changes: [{ schema: 'public', table: 'items', op: 'c', before: null, after: { id: 3, name: 'token=s3cret', qty: 0 }, key: { id: 3 }, tx: 1, seq: 1 }],
    });
    expect(observation.schema?.tables.map((t) => t.name)).toEqual(['docs', 'items', 'nopk', 'typed']);
    expect(observation.schema?.tables.find((t) => t.name === 'items')?.primaryKey).toEqual(['id']);

    // 3,000 events are more than 64 KiB of JSON Lines: they go to a blob.
    const many = Array.from({ length: 3000 }, (_, i) => ({ ...observation.db!.changes[0], after: { id: i, name: `token=s3cret ${i}`, tags: [{ json: { t: 'token=s3cret' } }] }, seq: i + 1 }));
    const big = { ...observation, db: { method: 'logical' as const, changes: many } };
    const baselines = join(root, 'baselines');
    const redactText = (t: string): string => t.replaceAll('s3cret', '[REDACTED]');
    await saveBaseline(baselines, 'svc', [{ scenario, observation }, { scenario: { ...scenario, id: 'many' }, observation: big }], {
      legacy: { command: [], version: null, gitCommit: null },
      paritykitVersion: 'test',
      redactText,
    });
    const small = JSON.parse(await readFile(join(baselines, 'svc', 'scenarios', 'post-item.json'), 'utf8'));
    expect(small.observation.db.changes[0].after.name).toBe('token=[REDACTED]');
    const manyFile = await readFile(join(baselines, 'svc', 'scenarios', 'many.json'), 'utf8');
    expect(manyFile.length).toBeLessThan(20_000);
    expect(JSON.parse(manyFile).observation.db.changesBlob.size).toBeGreaterThan(64 * 1024);
    const loaded = await loadBaseline(baselines, 'svc');
    expect(loaded?.scenarios.get('post-item')?.observation.db?.changes[0].after?.name).toBe('token=[REDACTED]');
    expect(loaded?.scenarios.get('post-item')?.observation.schema).toEqual(observation.schema);
    const reloaded = loaded?.scenarios.get('many')?.observation.db;
    expect(reloaded?.changes).toHaveLength(3000);
    expect(reloaded?.changes[2999]).toEqual({ ...many[2999], after: { id: 2999, name: 'token=[REDACTED] 2999', tags: [{ json: { t: 'token=[REDACTED]' } }] } });
    expect(JSON.stringify(reloaded)).not.toContain('s3cret');
  });

  it('honours capture: snapshot and capture: off', async () => {
    const snapshot = await runServiceScenario(target('snapshot'), scenario, { rootDir: root, timeoutMs: 10_000 });
    expect(snapshot.db?.method).toBe('snapshot');
    expect(snapshot.db?.changes.map((c) => [c.op, c.after?.name])).toEqual([['c', 'token=s3cret']]);
    const off = await runServiceScenario(target('off'), scenario, { rootDir: root, timeoutMs: 10_000 });
    expect(off.http?.exchanges).toHaveLength(1);
    expect(off.db).toBeUndefined();
    expect(off.schema).toBeUndefined();
  });
});
