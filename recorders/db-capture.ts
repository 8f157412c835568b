/**
 * The `db` channel's recorder: every row-level change a target makes in its scenario database,
 * as typed row-change events ({@link RowChange}, named the Debezium way).
 *
 * Two methods (issue 4 §1, DESIGN.md "Known pitfalls"):
 * - `logical`: a TEMPORARY logical replication slot with PostgreSQL's built-in `test_decoding`
 *   plugin, created on the capture's own connection before the target starts. It needs no
 *   publication, so the system under test behaves as in production; being temporary, it dies
 *   with its session, so a capture killed with SIGKILL leaves no slot behind (it would
 *   otherwise hold WAL and block `DROP DATABASE`). At finish the changes are read through a
 *   server-side cursor in batches of {@link FETCH_BATCH_ROWS} and parsed as they arrive, so the
 *   raw decoding output and the parsed events are never both held whole.
 * - `snapshot`: where logical decoding is unavailable (`wal_level` other than `logical`, or a
 *   role without REPLICATION or superuser), every user table is read at start and at finish,
 *   and the net effect is emitted per table and primary key (a row hash for a table without
 *   one): `c`/`u`/`d`, `tx` 0, `seq` by table then key. The order of changes is lost.
 *
 * @see docs/baseline-format.md "Row-change events", docs/database.md "Capturing writes"
 */
import { createHash, randomBytes } from 'node:crypto';
import pg from 'pg';
import { ParityError } from '../harness/errors.ts';
import type { DbObservation, DbRow, DbValue, RowChange } from '../harness/model.ts';
import { parseTestDecodingLine, typeValue } from './test-decoding.ts';
import { redactUrl } from '../harness/redact.ts';

/** How {@link startDbCapture} captures: `auto` tries logical decoding and falls back to snapshots. */
export type DbCaptureMethod = 'auto' | 'logical' | 'snapshot';

/** Options of {@link startDbCapture}. */
export interface DbCaptureOptions {
  /** Default `auto`. `logical` fails when logical decoding is unavailable; `snapshot` never tries it. */
  method?: DbCaptureMethod;
  /** Rows per FETCH of the decoding output (default {@link FETCH_BATCH_ROWS}). */
  batchRows?: number;
}

/** A capture in progress: call `finish()` after the target stopped writing, or `abort()`. */
export interface DbCapture {
  /** The method chosen at start. */
  readonly method: 'logical' | 'snapshot';
  /** Why `snapshot` was chosen (absent for `logical`, or when `snapshot` was asked for). */
  readonly reason?: string;
  /**
   * Reads what the target wrote since start, drops the slot and closes the connection.
   * @throws ParityError `TARGET_FAILED` when the server fails while reading (the slot is
   *   dropped in any case).
   */
  finish(): Promise<DbObservation>;
  /** Drops the slot (if any) and closes the connection without reading. Idempotent, never throws. */
  abort(): Promise<void>;
}

/** Rows per FETCH of the decoding output: bounds the raw text held at once (see bench/db-capture.ts). */
export const FETCH_BATCH_ROWS = 5_000;

/** Prefix of paritykit's slot names (`paritykit_<pid>_<random>`). */
export const SLOT_PREFIX = 'paritykit_';

/** `pg_logical_emit_message` prefix of the marker written at finish (ignored when decoding). */
const MARKER_PREFIX = 'paritykit';

/** Schemas that are never captured: PostgreSQL's own and the one paritykit installs (see
 * {@link prepareTemplateForCapture}). Temporary and TOAST schemas are excluded by pattern. */
export const EXCLUDED_SCHEMAS: readonly string[] = ['pg_catalog', 'information_schema', 'paritykit'];

/** SQL condition on a `pg_namespace` alias `n` selecting the user schemas. */
export const USER_SCHEMA_CONDITION = `n.nspname NOT IN (${EXCLUDED_SCHEMAS.map((s) => `'${s}'`).join(', ')}) AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp\\_%'`;

/**
 * Starts capturing the writes made to the database at `url` (a scenario database).
 *
 * With `auto` (the default), logical decoding is used when the server has `wal_level=logical`
 * and the role is a superuser or has REPLICATION, and the slot can be created; otherwise the
 * snapshot method, with `reason` saying why ("wal_level is replica, not logical").
 *
 * Creating a logical slot waits until transactions running on the server (in any database)
 * have ended, as PostgreSQL needs a consistent starting point.
 *
 * @throws ParityError `TARGET_FAILED` when the database cannot be reached, or with method
 *   `logical` when logical decoding is unavailable (naming the setting or right to change).
 */
export async function startDbCapture(url: string, options: DbCaptureOptions = {}): Promise<DbCapture> {
  const method = options.method ?? 'auto';
  if (method !== 'auto' && method !== 'logical' && method !== 'snapshot') {
    throw new ParityError('CONFIG_INVALID', `database.capture: unknown method ${JSON.stringify(method)}; use 'auto', 'logical', 'snapshot' or 'off'`);
  }
  const client = await connect(url);
  try {
    if (method === 'snapshot') return await startSnapshotCapture(client, undefined);
    const unavailable = await logicalDecodingUnavailable(client);
    if (unavailable) {
      if (method === 'logical') {
        throw new ParityError('TARGET_FAILED', `database.capture 'logical': ${unavailable}; start the server with wal_level=logical and use a role with REPLICATION, or use capture 'auto' or 'snapshot'`);
      }
      return await startSnapshotCapture(client, unavailable);
    }
    try {
      return await startLogicalCapture(client, options.batchRows ?? FETCH_BATCH_ROWS);
    } catch (err) {
      if (method === 'logical') throw err;
      return await startSnapshotCapture(client, `the replication slot could not be created: ${errorText(err)}`);
    }
  } catch (err) {
    await client.end().catch(() => {});
    if (err instanceof ParityError) throw err;
    throw new ParityError('TARGET_FAILED', `db capture on ${redactUrl(url)}: ${errorText(err)}`, { cause: err });
  }
}

async function connect(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url, application_name: 'paritykit-capture' });
  // The server ends this session when the scenario database is dropped (WITH (FORCE)).
  client.on('error', () => {});
  try {
    await client.connect();
  } catch (err) {
    await client.end().catch(() => {});
    throw new ParityError('TARGET_FAILED', `db capture: cannot connect to ${redactUrl(url)}: ${errorText(err)}`, { cause: err });
  }
  return client;
}

/** Why logical decoding cannot be used on this server and role, or null when it can. */
async function logicalDecodingUnavailable(client: pg.Client): Promise<string | null> {
  const { rows } = await client.query<{ wal_level: string; role: string; allowed: boolean }>(
    `SELECT current_setting('wal_level') AS wal_level, current_user AS role,
            (SELECT rolsuper OR rolreplication FROM pg_roles WHERE rolname = current_user) AS allowed`,
  );
  const { wal_level: walLevel, role, allowed } = rows[0];
  if (walLevel !== 'logical') return `wal_level is ${walLevel}, not logical`;
  if (!allowed) return `role "${role}" has neither REPLICATION nor superuser`;
  return null;
}

// ---------------------------------------------------------------------------------------------
// Logical decoding.

/** How often (ms) the slot is drained while the scenario runs, so decoding and parsing overlap
 * the target's own work instead of all happening at finish. */
export const DRAIN_INTERVAL_MS = 250;

async function startLogicalCapture(client: pg.Client, batchRows: number): Promise<DbCapture> {
  const slot = `${SLOT_PREFIX}${process.pid}_${randomBytes(6).toString('hex')}`;
  // temporary = true: the slot dies with this session (SIGKILL included).
  await client.query(`SELECT pg_create_logical_replication_slot($1, 'test_decoding', true)`, [slot]);
  const reader = new SlotReader(client, slot, batchRows);
  // Background drain: every committed transaction is decoded and parsed while the scenario is
  // still running. One query at a time on this connection: the loop and finish() take turns.
  let stopping = false;
  let failure: unknown;
  let wake: (() => void) | undefined;
  const loop = (async () => {
    while (!stopping) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, DRAIN_INTERVAL_MS);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      if (stopping) break;
      try {
        await reader.drain(false);
      } catch (err) {
        failure = err;
        break;
      }
    }
  })();
  const stop = async (): Promise<void> => {
    stopping = true;
    wake?.();
    await loop;
  };
  let closed: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closed ??= (async () => {
      await stop();
      await client.query('SELECT pg_drop_replication_slot($1)', [slot]).catch(() => {});
      await client.end().catch(() => {});
    })();
    return closed;
  };
  return {
    method: 'logical',
    finish: async () => {
      if (closed) throw new ParityError('INTERNAL', 'db capture: finish() after finish() or abort()');
      try {
        await stop();
        if (failure !== undefined) throw failure;
        await reader.drain(true);
        return { method: 'logical', changes: reader.changes };
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {});
        throw err instanceof ParityError ? err : new ParityError('TARGET_FAILED', `db capture: reading replication slot "${slot}" failed: ${errorText(err)}`, { cause: err });
      } finally {
        await close();
      }
    },
    abort: close,
  };
}

/**
 * Reads and parses what the slot decoded, in as many drains as it takes (each drain returns
 * whole transactions, so the transaction numbering carries over). The servers paritykit starts
 * run with `synchronous_commit=off`, and logical decoding only reads WAL that was flushed: the
 * final drain first commits a transactional marker message with `synchronous_commit=on`, which
 * flushes the WAL of every earlier commit.
 */
class SlotReader {
  readonly changes: RowChange[] = [];
  readonly #client: pg.Client;
  readonly #slot: string;
  readonly #batchRows: number;
  #tx = 0;

  constructor(client: pg.Client, slot: string, batchRows: number) {
    this.#client = client;
    this.#slot = slot;
    this.#batchRows = batchRows;
  }

  async drain(final: boolean): Promise<void> {
    const client = this.#client;
    if (final) {
      await client.query('SET synchronous_commit = on');
      await client.query(`SELECT pg_logical_emit_message(true, '${MARKER_PREFIX}', 'finish')`);
    }
    const changes = this.changes;
    const first = changes.length;
    let txHasChanges = false;
    await client.query('BEGIN');
    await client.query(
      `DECLARE paritykit_changes NO SCROLL CURSOR FOR
         SELECT data FROM pg_logical_slot_get_changes(${pg.escapeLiteral(this.#slot)}, NULL, NULL, 'include-xids', '0', 'skip-empty-xacts', '1')`,
    );
    // The next batch is asked for before this one is parsed: the server and the network work
    // while this process parses (at most two batches are held).
    const fetchBatch = () => {
      const next = client.query<{ data: string }>(`FETCH ${this.#batchRows} FROM paritykit_changes`);
      next.catch(() => {}); // awaited below; a parse error may leave it unawaited
      return next;
    };
    let pending = fetchBatch();
    for (;;) {
      const { rows } = await pending;
      const more = rows.length === this.#batchRows;
      if (more) pending = fetchBatch();
      for (const { data } of rows) {
        const line = parseTestDecodingLine(data);
        if (line.kind === 'begin' || line.kind === 'commit') {
          txHasChanges = false;
          continue;
        }
        if (line.kind === 'message') continue;
        if (!txHasChanges) {
          this.#tx += 1;
          txHasChanges = true;
        }
        const tx = this.#tx;
        if (line.kind === 'truncate') {
          for (const { schema, table } of line.tables) changes.push({ schema, table, op: 't', before: null, after: null, key: null, tx, seq: changes.length + 1 });
          continue;
        }
        const { op, schema, table, before, after } = line;
        changes.push({ schema, table, op, before, after, key: null, tx, seq: changes.length + 1 });
      }
      if (!more) break;
    }
    await client.query('COMMIT');
    // Keys from the primary keys as they are after decoding: tables the scenario created are
    // known by then (read once per drain, one catalog query).
    if (changes.length > first) {
      const keys = await primaryKeys(client);
      for (let i = first; i < changes.length; i++) {
        const c = changes[i];
        if (c.op !== 't') c.key = keyOf(keys.get(qualified(c.schema, c.table)), c.after ?? c.before);
      }
    }
  }
}

/** `schema.table` → primary-key column names in key order, for every user table. */
async function primaryKeys(client: pg.Client): Promise<Map<string, string[]>> {
  const { rows } = await client.query<{ schema: string; table: string; columns: string[] }>(
    `SELECT n.nspname AS schema, c.relname AS table,
            array(SELECT a.attname::text FROM unnest(k.conkey) WITH ORDINALITY AS u(attnum, ord)
                  JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = u.attnum ORDER BY u.ord) AS columns
       FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE k.contype = 'p' AND ${USER_SCHEMA_CONDITION}`,
  );
  return new Map(rows.map((r) => [qualified(r.schema, r.table), r.columns]));
}

function keyOf(columns: string[] | undefined, row: DbRow | null): DbRow | null {
  if (!columns || !row || !columns.every((c) => c in row)) return null;
  return Object.fromEntries(columns.map((c) => [c, row[c]]));
}

function qualified(schema: string, table: string): string {
  return `${schema}.${table}`;
}

// ---------------------------------------------------------------------------------------------
// Snapshots.

interface TableSnapshot {
  schema: string;
  table: string;
  keyColumns: string[] | null;
  /** Row key (JSON of the key values, or `#<sha256>` of the row) → row and how often it occurs. */
  rows: Map<string, { row: DbRow; key: DbRow | null; count: number }>;
}

async function startSnapshotCapture(client: pg.Client, reason: string | undefined): Promise<DbCapture> {
  const before = await snapshotTables(client);
  let closed = false;
  let ended: Promise<void> | undefined;
  const end = (): Promise<void> => (ended ??= client.end().catch(() => {}));
  return {
    method: 'snapshot',
    ...(reason ? { reason } : {}),
    finish: async () => {
      if (closed) throw new ParityError('INTERNAL', 'db capture: finish() after finish() or abort()');
      closed = true;
      try {
        const after = await snapshotTables(client);
        return { method: 'snapshot', ...(reason ? { reason } : {}), changes: netEffect(before, after) };
      } catch (err) {
        throw new ParityError('TARGET_FAILED', `db capture (snapshot): reading the tables failed: ${errorText(err)}`, { cause: err });
      } finally {
        await end();
      }
    },
    abort: async () => {
      closed = true;
      await end();
    },
  };
}

/** Every row of every user table (ordinary tables and partitions, as logical decoding names
 * them), typed like the decoded values, read in one REPEATABLE READ snapshot. */
async function snapshotTables(client: pg.Client): Promise<Map<string, TableSnapshot>> {
  const out = new Map<string, TableSnapshot>();
  await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  try {
    const keys = await primaryKeys(client);
    const { rows: tables } = await client.query<{ schema: string; table: string; columns: string[]; types: string[] }>(
      `SELECT n.nspname AS schema, c.relname AS table,
              array_agg(a.attname::text ORDER BY a.attnum) AS columns,
              array_agg(format_type(a.atttypid, a.atttypmod) ORDER BY a.attnum) AS types
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
        WHERE c.relkind = 'r' AND c.relpersistence <> 't' AND ${USER_SCHEMA_CONDITION}
        GROUP BY n.nspname, c.relname`,
    );
    for (const { schema, table, columns, types } of tables) {
      const keyColumns = keys.get(qualified(schema, table)) ?? null;
      const snapshot: TableSnapshot = { schema, table, keyColumns, rows: new Map() };
      const result = await client.query<Record<string, string | null>>({
        text: `SELECT * FROM ${pg.escapeIdentifier(schema)}.${pg.escapeIdentifier(table)}`,
        rowMode: 'array',
        // Every value as the server's text output: typed by typeValue, exactly as decoded values.
        types: { getTypeParser: () => (value: string) => value },
      } as pg.QueryConfig);
      for (const values of result.rows as unknown as Array<Array<string | null>>) {
        const row: DbRow = {};
        columns.forEach((name, i) => (row[name] = values[i] === null ? null : typeValue(types[i], values[i] as string)));
        const key = keyOf(keyColumns ?? undefined, row);
        const id = key ? JSON.stringify(Object.values(key)) : `#${createHash('sha256').update(JSON.stringify(row)).digest('hex')}`;
        const known = snapshot.rows.get(id);
        if (known) known.count += 1;
        else snapshot.rows.set(id, { row, key, count: 1 });
      }
      out.set(qualified(schema, table), snapshot);
    }
  } finally {
    await client.query('COMMIT').catch(() => {});
  }
  return out;
}

/** The net effect between two snapshots: per table (sorted) and key (sorted, numbers in
 * numeric order), `d` for rows gone, `c` for new rows, `u` for rows whose values changed. */
function netEffect(before: Map<string, TableSnapshot>, after: Map<string, TableSnapshot>): RowChange[] {
  const changes: RowChange[] = [];
  const names = [...new Set([...before.keys(), ...after.keys()])].sort();
  for (const name of names) {
    const old = before.get(name);
    const now = after.get(name);
    const { schema, table } = (now ?? old) as TableSnapshot;
    const ids = [...new Set([...(old?.rows.keys() ?? []), ...(now?.rows.keys() ?? [])])].sort(compareKeys);
    for (const id of ids) {
      const a = old?.rows.get(id);
      const b = now?.rows.get(id);
      const push = (op: RowChange['op'], beforeRow: DbRow | null, afterRow: DbRow | null, key: DbRow | null): void => {
        changes.push({ schema, table, op, before: beforeRow, after: afterRow, key, tx: 0, seq: changes.length + 1 });
      };
      if (a && b && JSON.stringify(a.row) !== JSON.stringify(b.row)) {
        push('u', a.row, b.row, b.key);
        continue;
      }
      const removed = (a?.count ?? 0) - (b?.count ?? 0);
      for (let i = 0; i < removed; i += 1) push('d', (a as { row: DbRow }).row, null, a?.key ?? null);
      for (let i = 0; i < -removed; i += 1) push('c', null, (b as { row: DbRow }).row, b?.key ?? null);
    }
  }
  return changes;
}

const collator = new Intl.Collator('en', { numeric: true });

/** Orders JSON key arrays (`[2]` before `[10]`) and row hashes. */
function compareKeys(a: string, b: string): number {
  return collator.compare(a, b) || (a < b ? -1 : a > b ? 1 : 0);
}

// ---------------------------------------------------------------------------------------------
// Template preparation.

/**
 * SQL run once on every template database after its fixtures (by recorders/postgres.ts), so
 * every scenario clone inherits it:
 * - `REPLICA IDENTITY FULL` on every fixture table, so updates and deletes carry the whole old
 *   row (`before`), and unchanged TOAST values can be filled in from it;
 * - an event trigger on `ddl_command_end` (function in schema `paritykit`, which no capture
 *   looks at) that sets `REPLICA IDENTITY FULL` on every table the target creates (CREATE
 *   TABLE, CREATE TABLE AS, SELECT INTO). Its errors are swallowed, so it can never make the
 *   target's DDL fail. Event triggers need a superuser.
 */
export const TEMPLATE_CAPTURE_SQL = `
DO $paritykit$
DECLARE t record;
BEGIN
  FOR t IN SELECT c.oid::regclass AS rel FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind IN ('r', 'p') AND c.relpersistence = 'p' AND ${USER_SCHEMA_CONDITION} LOOP
    BEGIN
      EXECUTE format('ALTER TABLE %s REPLICA IDENTITY FULL', t.rel);
    EXCEPTION WHEN OTHERS THEN RAISE NOTICE 'paritykit: % keeps its replica identity: %', t.rel, SQLERRM;
    END;
  END LOOP;
END
$paritykit$;
CREATE SCHEMA IF NOT EXISTS paritykit;
CREATE OR REPLACE FUNCTION paritykit.replica_identity_full() RETURNS event_trigger LANGUAGE plpgsql AS $paritykit$
DECLARE r record;
BEGIN
  FOR r IN SELECT objid FROM pg_event_trigger_ddl_commands() WHERE object_type = 'table' LOOP
    BEGIN
      EXECUTE format('ALTER TABLE %s REPLICA IDENTITY FULL', r.objid::regclass);
    EXCEPTION WHEN OTHERS THEN NULL;
    END;
  END LOOP;
END
$paritykit$;
DROP EVENT TRIGGER IF EXISTS paritykit_replica_identity_full;
CREATE EVENT TRIGGER paritykit_replica_identity_full ON ddl_command_end
  WHEN TAG IN ('CREATE TABLE', 'CREATE TABLE AS', 'SELECT INTO')
  EXECUTE FUNCTION paritykit.replica_identity_full();
`;

/**
 * Runs {@link TEMPLATE_CAPTURE_SQL} on the database at `url` (a template being built). A role
 * that may not create event triggers (not a superuser) gets the fixture tables' replica
 * identity only, and a log line saying that tables created during a scenario will then carry
 * only their key in `before`. Never throws for that; throws ParityError `TARGET_FAILED` when
 * the database cannot be reached.
 */
export async function prepareTemplateForCapture(url: string, log: (line: string) => void = () => {}): Promise<void> {
  const client = await connect(url);
  try {
    await client.query(TEMPLATE_CAPTURE_SQL);
  } catch (err) {
    log(`db capture: could not install the replica-identity event trigger (${errorText(err)}); tables a scenario creates will carry only their key in "before"`);
    await client.query(TEMPLATE_CAPTURE_SQL.slice(0, TEMPLATE_CAPTURE_SQL.indexOf('CREATE SCHEMA'))).catch((e: unknown) => {
      log(`db capture: could not set REPLICA IDENTITY FULL on the fixture tables (${errorText(e)}); updates and deletes will carry only the key in "before"`);
    });
  } finally {
    await client.end().catch(() => {});
  }
}

// ---------------------------------------------------------------------------------------------
// Redaction.

/**
 * `db` with `redact` applied to every string a secret could hide in: text values (also inside
 * arrays and parsed JSON), `reason` and `error`. Numbers, booleans, bytea (`base64`) and the
 * schema/table/column names are kept. Used on the write path (baselines/store.ts) and before
 * comparing (harness/runner.ts `redactObservation`), as for http bodies.
 */
export function redactDbObservation(db: DbObservation, redact: (text: string) => string): DbObservation {
  const row = (r: DbRow | null): DbRow | null => (r ? Object.fromEntries(Object.entries(r).map(([k, v]) => [k, redactValue(v, redact)])) : null);
  return {
    ...db,
    ...(db.reason ? { reason: redact(db.reason) } : {}),
    ...(db.error ? { error: redact(db.error) } : {}),
    changes: db.changes.map((c) => ({ ...c, before: row(c.before), after: row(c.after), key: row(c.key) })),
  };
}

function redactValue(value: DbValue, redact: (text: string) => string): DbValue {
  if (typeof value === 'string') return redact(value);
  if (Array.isArray(value)) return value.map((v) => redactValue(v, redact));
  if (value && typeof value === 'object' && 'json' in value) return { json: redactJson(value.json, redact) };
  return value;
}

function redactJson(value: unknown, redact: (text: string) => string): unknown {
  if (typeof value === 'string') return redact(value);
  if (Array.isArray(value)) return value.map((v) => redactJson(v, redact));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactJson(v, redact)]));
  return value;
}

// ---------------------------------------------------------------------------------------------

function errorText(err: unknown): string {
  if (err instanceof AggregateError && !err.message) return err.errors.map(errorText).join('; ');
  if (err instanceof Error) return err.message || (err as NodeJS.ErrnoException).code || err.name;
  return String(err);
}

