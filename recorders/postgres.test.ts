import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ParityError } from '../harness/errors.ts';
import { lineColumnAt, NO_CONTAINER_RUNTIME_MESSAGE, splitSqlStatements, startDatabaseProvider } from './postgres.ts';
import type { DatabaseProvider } from './postgres.ts';

const IS_ROOT = process.getuid?.() === 0;

async function rejection(p: Promise<unknown>): Promise<ParityError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof ParityError) return err;
    throw err;
  }
  throw new Error('expected a rejection');
}

/** A temporary directory the `postgres` user can reach when the tests run as root. */
async function makeTempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  if (IS_ROOT) await chmod(dir, 0o755);
  return dir;
}

async function withClient<T>(url: string, use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  return withClient(url, async (client) => (await client.query<T>(sql)).rows);
}

/** Pids of running processes whose command line mentions `text` (Linux /proc). */
async function processesMentioning(text: string): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, 'latin1').catch(() => '');
    if (cmdline.includes(text) && (await isRunning(Number(entry)))) pids.push(Number(entry));
  }
  return pids;
}

/** Running: in /proc and not a zombie. */
async function isRunning(pid: number): Promise<boolean> {
  const stat = await readFile(`/proc/${pid}/stat`, 'latin1').catch(() => null);
  if (stat === null) return false;
  const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  return state !== 'Z' && state !== 'X';
}

/** Direct children of `pid`. */
async function childrenOf(pid: number): Promise<number[]> {
  const children: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'latin1').catch(() => '');
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (ppid === pid) children.push(Number(entry));
  }
  return children;
}

async function serverDirs(parent: string): Promise<string[]> {
  return (await readdir(parent)).filter((name) => name.startsWith('paritykit-pg-')).map((name) => join(parent, name));
}

/** Admin URL (database `postgres`) of the server a clone URL points at. */
function adminUrlOf(cloneUrl: string): string {
  const url = new URL(cloneUrl);
  url.pathname = '/postgres';
  return url.href;
}

describe('splitSqlStatements', () => {
  it('splits at top-level semicolons and reports where each statement starts', () => {
    const sql = "insert into t values ('a;b');\n-- x;\nselect 1;";
    const statements = splitSqlStatements(sql);
    expect(statements.map((s) => s.text.trim())).toEqual(["insert into t values ('a;b');", '-- x;\nselect 1;']);
    expect(statements.map((s) => s.start)).toEqual([0, sql.indexOf('select')]);
  });

  it('skips semicolons in quoted identifiers, escape strings, dollar quotes and nested comments', () => {
    const sql = [
      `select "a;b" from t;`,
      `select E'it\\'s;' , 'it''s;';`,
      `create function f() returns int language plpgsql as $body$ begin return 1; end; $body$;`,
      `select $$;$$;`,
      `/* outer /* inner; */ still; */ select 2;`,
      `select a$b from t;`,
      `   `,
    ].join('\n');
    expect(splitSqlStatements(sql).map((s) => s.text.trim())).toEqual([
      `select "a;b" from t;`,
      `select E'it\\'s;' , 'it''s;';`,
      `create function f() returns int language plpgsql as $body$ begin return 1; end; $body$;`,
      `select $$;$$;`,
      `/* outer /* inner; */ still; */ select 2;`,
      `select a$b from t;`,
    ]);
  });

  it('keeps a last statement without a semicolon and drops comment-only segments', () => {
    expect(splitSqlStatements('select 1;\n-- only a comment\n').map((s) => s.text)).toEqual(['select 1;']);
    expect(splitSqlStatements('select 1; select 2').map((s) => s.text.trim())).toEqual(['select 1;', 'select 2']);
  });
});

describe('lineColumnAt', () => {
  it('gives 1-based line and column, counting characters', () => {
    expect(lineColumnAt('a\nbc', 0)).toEqual({ line: 1, column: 1 });
    expect(lineColumnAt('a\nbc', 3)).toEqual({ line: 2, column: 2 });
    expect(lineColumnAt('x\n😀y', 4)).toEqual({ line: 2, column: 2 });
  });
});

describe('embedded provider', () => {
  let root: string;
  let provider: DatabaseProvider;
  let serverLog: string[];

  beforeAll(async () => {
    root = await makeTempDir('paritykit-pg-test-');
    await mkdir(join(root, 'fixtures'));
    await writeFile(
      join(root, 'fixtures', '01-schema.sql'),
      `-- schema
create table customers (id serial primary key, name text not null unique);
create table orders (id serial primary key, customer_id int not null references customers(id), total numeric(10,2) not null);
create function order_count() returns bigint language sql as $$ select count(*) from orders; $$;
`,
    );
    await writeFile(
      join(root, 'fixtures', '02-data.sql'),
      `insert into customers (name) values ('ann'), ('bob');
insert into orders (customer_id, total) values (1, 10.50), (2, 3.25);
`,
    );
    serverLog = [];
    provider = await startDatabaseProvider({}, { rootDir: root, log: (line) => serverLog.push(line) });
    await provider.prepareTemplate('shop', ['fixtures/*.sql']);
  });

  afterAll(async () => {
    await provider?.stop();
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('is the embedded kind and says where it listens', () => {
    expect(provider.kind).toBe('embedded');
    expect(serverLog.some((line) => /embedded PostgreSQL on 127\.0\.0\.1:\d+/.test(line))).toBe(true);
  });

  it('runs with wal_level=logical, room for replication slots, UTC and a host-independent locale', async () => {
    const clone = await provider.cloneDatabase('shop', 'settings');
    try {
      const [row] = await query<Record<string, string>>(
        clone.url,
        `select current_setting('wal_level') as wal_level, current_setting('max_replication_slots') as slots,
                current_setting('max_wal_senders') as senders, current_setting('TimeZone') as tz,
                lower('ÉCOLE') as lowered, (select string_agg(x, ',' order by x) from unnest(array['b','B','a']) x) as sorted`,
      );
      expect(row.wal_level).toBe('logical');
      expect(Number(row.slots)).toBeGreaterThanOrEqual(10);
      expect(Number(row.senders)).toBeGreaterThanOrEqual(10);
      expect(row.tz).toBe('UTC');
      expect(row.lowered).toBe('école');
      expect(row.sorted).toBe('B,a,b');
      expect(await query(clone.url, 'SHOW wal_level')).toEqual([{ wal_level: 'logical' }]);
    } finally {
      await clone.drop();
    }
  });

  it('gives two parallel clones the fixture rows, isolated from each other', async () => {
    const [a, b] = await Promise.all([provider.cloneDatabase('shop', 'legacy'), provider.cloneDatabase('shop', 'candidate')]);
    try {
      expect(a.name).not.toBe(b.name);
      expect(a.name).toMatch(/^legacy_/);
      expect(a.url).toContain(`/${a.name}`);
      const orders = 'select c.name, o.total from orders o join customers c on c.id = o.customer_id order by o.id';
      expect(await query(a.url, orders)).toEqual([
        { name: 'ann', total: '10.50' },
        { name: 'bob', total: '3.25' },
      ]);
      expect(await query(b.url, orders)).toEqual(await query(a.url, orders));

      expect(await query(a.url, `insert into customers (name) values ('carol') returning id`)).toEqual([{ id: 3 }]);
      await query(a.url, `update orders set total = 99 where id = 1; delete from orders where id = 2`);
      expect(await query(a.url, 'select count(*)::int as n from customers')).toEqual([{ n: 3 }]);
      expect(await query(b.url, 'select count(*)::int as n from customers')).toEqual([{ n: 2 }]);
      expect(await query(b.url, 'select total from orders order by id')).toEqual([{ total: '10.50' }, { total: '3.25' }]);
      // Sequences are cloned too: b hands out the same next id a did.
      expect(await query(b.url, `insert into customers (name) values ('dave') returning id`)).toEqual([{ id: 3 }]);
    } finally {
      await Promise.all([a.drop(), b.drop()]);
    }
  });

  it('creates many clones in parallel, each with its own name', async () => {
    const clones = await Promise.all(Array.from({ length: 8 }, () => provider.cloneDatabase('shop', 'scenario/orders: create')));
    try {
      expect(new Set(clones.map((c) => c.name)).size).toBe(8);
      for (const clone of clones) expect(clone.name).toMatch(/^scenario_orders_create_[0-9a-f]{8}_\d+$/);
      const counts = await Promise.all(clones.map((c) => query<{ n: number }>(c.url, 'select order_count()::int as n')));
      expect(counts.every(([row]) => row.n === 2)).toBe(true);
    } finally {
      await Promise.all(clones.map((c) => c.drop()));
    }
  });

  it('drops a clone even while a session is connected to it, idempotently', async () => {
    const clone = await provider.cloneDatabase('shop', 'dropme');
    const lingering = new pg.Client({ connectionString: clone.url });
    lingering.on('error', () => {});
    await lingering.connect();
    await clone.drop();
    await clone.drop();
    const rows = await query<{ datname: string }>(adminUrlOf(clone.url), `select datname from pg_database where datname = '${clone.name}'`);
    expect(rows).toEqual([]);
    await expect(query(clone.url, 'select 1')).rejects.toThrow(/does not exist/);
    await lingering.end().catch(() => {});
  });

  it('applies a template once: a second prepareTemplate with the same name does nothing more', async () => {
    await provider.prepareTemplate('shop', ['fixtures/*.sql']);
    const clone = await provider.cloneDatabase('shop', 'again');
    try {
      expect(await query(clone.url, 'select count(*)::int as n from orders')).toEqual([{ n: 2 }]);
    } finally {
      await clone.drop();
    }
  });

  it('prepares a template without fixtures (an empty database)', async () => {
    await provider.prepareTemplate('empty', []);
    const clone = await provider.cloneDatabase('empty', 'e');
    try {
      expect(await query(clone.url, `select count(*)::int as n from pg_tables where schemaname = 'public'`)).toEqual([{ n: 0 }]);
    } finally {
      await clone.drop();
    }
  });

  it('names the file, line and column of an SQL syntax error, and removes the failed template', async () => {
    await writeFile(join(root, 'syntax.sql'), `create table a (id int);\n\ninsert into a values (1);\nselec * from a;\n`);
    const err = await rejection(provider.prepareTemplate('broken syntax', ['syntax.sql']));
    expect(err.code).toBe('SCENARIO_INVALID');
    expect(err.file).toBe(join(root, 'syntax.sql'));
    expect(err.message).toMatch(/^syntax\.sql:4:1: syntax error at or near "selec"/);
    expect(err.message).toContain('database.fixtures');
    const left = await query(adminUrlOf((await provider.cloneDatabase('empty', 'probe')).url), `select datname from pg_database where datname like 'broken_syntax%'`);
    expect(left).toEqual([]);
    // The failure sticks: cloning that template rethrows it.
    expect((await rejection(provider.cloneDatabase('broken syntax', 'x'))).code).toBe('SCENARIO_INVALID');
  });

  it('names the line of a run-time error that carries no position (a duplicate key)', async () => {
    await writeFile(
      join(root, 'dup.sql'),
      [
        `create table t (id int primary key, note text);`,
        `insert into t values (1, 'semi;colon'), (2, E'esc\\'; aped');`,
        `do $$ begin perform 1; end $$;`,
        `/* a comment; with a semicolon */`,
        `insert into t values`,
        `  (1, 'again');`,
      ].join('\n'),
    );
    const err = await rejection(provider.prepareTemplate('dup', ['dup.sql']));
    expect(err.code).toBe('SCENARIO_INVALID');
    expect(err.message).toMatch(/^dup\.sql:5:1: duplicate key value violates unique constraint "t_pkey" \(detail: Key \(id\)=\(1\) already exists\.\)/);
  });

  it('points at the right file when an earlier file was fine, and at an error position past multi-byte text', async () => {
    await writeFile(join(root, 'ok.sql'), `create table ok (id int);\n`);
    await writeFile(join(root, 'unicode.sql'), `-- café 😀\ninsert into ok values (1);\ninsert into nope values (1);\n`);
    const err = await rejection(provider.prepareTemplate('two files', ['ok.sql', 'unicode.sql']));
    expect(err.message).toMatch(/^unicode\.sql:3:13: relation "nope" does not exist/);
    expect(err.file).toBe(join(root, 'unicode.sql'));
  });

  it('explains psql meta-commands, which are not SQL', async () => {
    await writeFile(join(root, 'dump.sql'), `\\restrict abc\ncreate table x (id int);\n`);
    const err = await rejection(provider.prepareTemplate('dump', ['dump.sql']));
    expect(err.message).toMatch(/^dump\.sql:1:1: syntax error/);
    expect(err.message).toContain('pg_dump --inserts');
  });

  it('rejects a fixture path or glob that matches nothing', async () => {
    const missing = await rejection(provider.prepareTemplate('missing', ['no-such.sql']));
    expect(missing.code).toBe('CONFIG_INVALID');
    expect(missing.message).toContain(join(root, 'no-such.sql'));
    const glob = await rejection(provider.prepareTemplate('noglob', ['nothing/*.sql']));
    expect(glob.code).toBe('CONFIG_INVALID');
    expect(glob.message).toContain('"nothing/*.sql" matches no file');
  });

  it('refuses to clone a template that was never prepared', async () => {
    const err = await rejection(provider.cloneDatabase('never', 'x'));
    expect(err.code).toBe('INTERNAL');
    expect(err.message).toContain('prepareTemplate("never"');
  });

  describe('external provider (against this server)', () => {
    it('creates templates and clones with a CREATEDB role and drops them on stop', async () => {
      const admin = adminUrlOf((await provider.cloneDatabase('empty', 'admin')).url);
      await query(admin, `drop role if exists ext_creator; create role ext_creator login createdb password 'p@ss:word'`);
      const url = new URL(admin);
      url.username = 'ext_creator';
      url.password = encodeURIComponent('p@ss:word');
      const external = await startDatabaseProvider({ provider: 'external', url: url.href }, { rootDir: root });
      expect(external.kind).toBe('external');
      await external.prepareTemplate('ext', ['fixtures/*.sql']);
      const clone = await external.cloneDatabase('ext', 'ext_scn');
      expect(new URL(clone.url).username).toBe('ext_creator');
      expect(await query(clone.url, 'select count(*)::int as n from orders')).toEqual([{ n: 2 }]);
      const created = `select datname from pg_database where datname like 'ext_%' order by datname`;
      expect((await query<{ datname: string }>(admin, created)).map((r) => r.datname)).toEqual([clone.name, expect.stringMatching(/^ext_tpl_/)]);
      await external.stop();
      await external.stop();
      expect(await query(admin, created)).toEqual([]);
      await query(admin, 'drop role ext_creator');
    });

    it('says when the role may not CREATE DATABASE', async () => {
      const admin = adminUrlOf((await provider.cloneDatabase('empty', 'admin')).url);
      await query(admin, `drop role if exists ext_plain; create role ext_plain login password 'secret123'`);
      const url = new URL(admin);
      url.username = 'ext_plain';
      url.password = 'secret123';
      const err = await rejection(startDatabaseProvider({ provider: 'external', url: url.href }, { rootDir: root }));
      expect(err.code).toBe('TARGET_FAILED');
      expect(err.message).toContain('role "ext_plain" may not CREATE DATABASE; run ALTER ROLE "ext_plain" CREATEDB');
      expect(err.message).not.toContain('secret123');
      await query(admin, 'drop role ext_plain');
    });
  });
});

describe('external provider: bad input', () => {
  it('gives a clear error for a URL nobody answers, without the password', async () => {
    const err = await rejection(startDatabaseProvider({ provider: 'external', url: 'postgres://app:hunter2@127.0.0.1:1/app' }, { rootDir: tmpdir() }));
    expect(err.code).toBe('TARGET_FAILED');
    expect(err.message).toMatch(/^database\.url postgres:\/\/app:\*\*\*@127\.0\.0\.1:1\/app: cannot connect: .*ECONNREFUSED/);
    expect(err.message).toContain('check that the server runs');
    expect(err.message).not.toContain('hunter2');
  });

  it('requires a postgres:// url', async () => {
    expect((await rejection(startDatabaseProvider({ provider: 'external' }, { rootDir: tmpdir() }))).code).toBe('CONFIG_INVALID');
    const err = await rejection(startDatabaseProvider({ provider: 'external', url: 'mysql://x@y/z' }, { rootDir: tmpdir() }));
    expect(err.code).toBe('CONFIG_INVALID');
    expect(err.message).toContain('is not a postgres:// URL');
  });

  it('rejects an unknown provider', async () => {
    const err = await rejection(startDatabaseProvider({ provider: 'sqlite' as 'embedded' }, { rootDir: tmpdir() }));
    expect(err.code).toBe('CONFIG_INVALID');
    expect(err.message).toContain("'embedded' (the default), 'container' or 'external'");
  });
});

describe('container provider', () => {
  const dockerPresent = existsSync('/var/run/docker.sock') || Boolean(process.env.DOCKER_HOST);
  // The test's time limit is the "fails fast" assertion: testcontainers' probe answers in
  // milliseconds; importing it takes about a second.
  it.skipIf(dockerPresent)('fails fast with a clear message where no container runtime exists', { timeout: 10_000 }, async () => {
    const err = await rejection(startDatabaseProvider({ provider: 'container' }, { rootDir: tmpdir() }));
    expect(err.code).toBe('TARGET_FAILED');
    expect(err.message).toBe(NO_CONTAINER_RUNTIME_MESSAGE);
    expect(err.message).toContain("use database.provider 'embedded' (the default) or 'external'");
  });
});

describe('embedded provider: stopping', () => {
  it('stop() ends the server and every backend, removes the data directory, and is idempotent', async () => {
    const parent = await makeTempDir('paritykit-pg-stop-');
    try {
      const provider = await startDatabaseProvider({ provider: 'embedded' }, { rootDir: parent, dataDir: parent });
      await provider.prepareTemplate('t', []);
      const clone = await provider.cloneDatabase('t', 'c');
      const session = new pg.Client({ connectionString: clone.url });
      session.on('error', () => {});
      await session.connect();
      const [dir] = await serverDirs(parent);
      const postmaster = Number((await readFile(join(dir, 'data', 'postmaster.pid'), 'utf8')).split('\n')[0]);
      const backends = await childrenOf(postmaster);
      expect(backends.length).toBeGreaterThan(0);

      await provider.stop();
      await provider.stop();
      for (const pid of [postmaster, ...backends]) expect(await isRunning(pid)).toBe(false);
      expect(await processesMentioning(parent)).toEqual([]);
      expect(await serverDirs(parent)).toEqual([]);
      expect((await rejection(provider.cloneDatabase('t', 'late'))).code).toBe('INTERNAL');
      await session.end().catch(() => {});
    } finally {
      await rm(parent, { recursive: true, force: true });
    }
  });

  it.skipIf(!IS_ROOT)('explains that the postgres user must reach a data directory root owns privately', async () => {
    const parent = await mkdtemp(join(tmpdir(), 'paritykit-pg-private-')); // 0700, owned by root
    try {
      const err = await rejection(startDatabaseProvider({}, { rootDir: parent, dataDir: join(parent, 'pg') }));
      expect(err.code).toBe('TARGET_FAILED');
      expect(err.message).toMatch(/^database\.provider 'embedded': initdb failed: /);
      expect(err.message).toContain('as root, PostgreSQL runs as the user "postgres", which must be able to reach');
      expect(err.message).toContain('Permission denied');
      expect(await serverDirs(join(parent, 'pg'))).toEqual([]);
    } finally {
      await rm(parent, { recursive: true, force: true });
    }
  });

  const CHILD = `
    import { startDatabaseProvider } from ${JSON.stringify(pathToFileURL(join(import.meta.dirname, 'postgres.ts')).href)};
    const dir = process.argv[2];
    const provider = await startDatabaseProvider({}, { rootDir: dir, dataDir: dir });
    await provider.prepareTemplate('t', []);
    await provider.cloneDatabase('t', 'c');
    console.log('READY');
    if (process.argv[3] === 'stop') { await provider.stop(); process.exitCode = 3; }
    else {
      if (process.argv[3] === 'exit') process.on('SIGUSR2', () => process.exit(0));
      setInterval(() => {}, 1000);
    }
  `;

  it('keeps the exit code of a process that stops the provider and ends by itself', async () => {
    const parent = await makeTempDir('paritykit-pg-exitcode-');
    try {
      await writeFile(join(parent, 'child.mjs'), CHILD);
      const child = spawn(process.execPath, [join(parent, 'child.mjs'), parent, 'stop'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      const code = await new Promise<number | null>((settle) => child.once('exit', (exitCode) => settle(exitCode)));
      expect(output).toContain('READY');
      expect(code).toBe(3);
      expect(await serverDirs(parent)).toEqual([]);
    } finally {
      await rm(parent, { recursive: true, force: true });
    }
  });

  it.each([
    ['SIGINT', 'a SIGINT'],
    ['SIGTERM', 'a SIGTERM'],
    ['exit', 'process.exit() without stop()'],
  ] as const)('leaves no postgres running after %s (%s)', async (how, _label) => {
    const parent = await makeTempDir('paritykit-pg-signal-');
    try {
      await writeFile(join(parent, 'child.mjs'), CHILD);
      const child = spawn(process.execPath, [join(parent, 'child.mjs'), parent, how], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((settle) =>
        child.once('exit', (code, signal) => settle({ code, signal })),
      );
      await new Promise<void>((settle, fail) => {
        child.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('READY') && settle());
        child.once('exit', (code, signal) => fail(new Error(`child ended early (${code ?? signal}): ${stderr}`)));
      });
      const [dir] = await serverDirs(parent);
      const postmaster = Number((await readFile(join(dir, 'data', 'postmaster.pid'), 'utf8')).split('\n')[0]);
      const backends = await childrenOf(postmaster);
      expect(await isRunning(postmaster)).toBe(true);

      // Only the node process gets the signal (not its process group, as Ctrl-C would): the
      // cleanup must come from paritykit's handlers.
      // 'exit': the child calls process.exit(0) when told to (SIGUSR2), never calling stop().
      child.kill(how === 'exit' ? 'SIGUSR2' : how);
      // With no other handler for the signal, it is re-raised after the cleanup: the process
      // ends by that signal, as it would have without paritykit.
      expect(await exited).toEqual(how === 'exit' ? { code: 0, signal: null } : { code: null, signal: how });
      for (const pid of [postmaster, ...backends]) expect(await isRunning(pid)).toBe(false);
      expect(await processesMentioning(parent)).toEqual([]);
      expect(await serverDirs(parent)).toEqual([]);
    } finally {
      await rm(parent, { recursive: true, force: true });
    }
  });
});
