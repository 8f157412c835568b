/**
 * The `schema` channel's recorder: the schema a target left in its scenario database, read
 * from the system catalogs, in a form that does not depend on object names PostgreSQL
 * generated (constraints by definition, indexes with their name replaced by `_`).
 *
 * Captured: tables and partitions (columns with `format_type`, nullability, default,
 * identity and generated columns; primary key; foreign keys, uniques and checks as
 * `pg_get_constraintdef` text), indexes (`pg_get_indexdef`), sequences, views and
 * materialized views (`pg_get_viewdef`). Not captured: functions, triggers, types, grants.
 * Schemas excluded: PostgreSQL's own, temporary ones and `paritykit` (what paritykit installs
 * in a template, see recorders/db-capture.ts).
 *
 * @see https://www.postgresql.org/docs/current/catalogs.html
 */
import pg from 'pg';
import { ParityError } from '../harness/errors.ts';
import type { SchemaColumn, SchemaObservation, SchemaTable } from '../harness/model.ts';
import { USER_SCHEMA_CONDITION } from './db-capture.ts';
import { redactUrl } from '../harness/redact.ts';

/**
 * Reads the schema of the database at `url`. Tables sorted by schema and name, columns in
 * table order, constraint and index lists sorted, sequences sorted, views keyed
 * `schema.name`.
 *
 * @throws ParityError `TARGET_FAILED` when the database cannot be reached or read.
 */
export async function captureSchema(url: string): Promise<SchemaObservation> {
  const client = new pg.Client({ connectionString: url, application_name: 'paritykit-schema' });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    return await readSchema(client);
  } catch (err) {
    throw new ParityError('TARGET_FAILED', `schema capture on ${redactUrl(url)}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  } finally {
    await client.end().catch(() => {});
  }
}

/** Replaces the index name in `CREATE [UNIQUE] INDEX name ON …` by `_`. */
export function anonymizeIndexDef(def: string): string {
  return def.replace(/^(CREATE (?:UNIQUE )?INDEX )(?:"(?:[^"]|"")*"|\S+)( ON )/, '$1_$2');
}

async function readSchema(client: pg.Client): Promise<SchemaObservation> {
  const { rows: columns } = await client.query<{
    schema: string;
    table: string;
    name: string;
    type: string;
    not_null: boolean;
    default: string | null;
    identity: string;
    generated: string;
  }>(
    `SELECT n.nspname AS schema, c.relname AS table, a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type,
            a.attnotnull AS not_null, pg_get_expr(d.adbin, d.adrelid) AS default, a.attidentity AS identity, a.attgenerated AS generated
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
       LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
      WHERE c.relkind IN ('r', 'p') AND c.relpersistence <> 't' AND ${USER_SCHEMA_CONDITION}
      ORDER BY n.nspname, c.relname, a.attnum`,
  );
  const tables = new Map<string, SchemaTable>();
  for (const col of columns) {
    const id = `${col.schema}.${col.table}`;
    let table = tables.get(id);
    if (!table) {
      table = { schema: col.schema, name: col.table, columns: [], primaryKey: null, foreignKeys: [], uniques: [], checks: [], indexes: [] };
      tables.set(id, table);
    }
    const column: SchemaColumn = { name: col.name, type: col.type, nullable: !col.not_null, default: col.default };
    if (col.identity === 'a') column.identity = 'always';
    if (col.identity === 'd') column.identity = 'by default';
    // The generation expression is in `default` (pg_attrdef holds it); `generated` says how.
    if (col.generated === 's') column.generated = 'stored';
    if (col.generated === 'v') column.generated = 'virtual';
    table.columns.push(column);
  }

  const { rows: constraints } = await client.query<{ schema: string; table: string; type: string; def: string; key: string[] | null }>(
    `SELECT n.nspname AS schema, c.relname AS table, k.contype AS type, pg_get_constraintdef(k.oid) AS def,
            CASE WHEN k.contype = 'p' THEN array(SELECT a.attname::text FROM unnest(k.conkey) WITH ORDINALITY AS u(attnum, ord)
                 JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = u.attnum ORDER BY u.ord) END AS key
       FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE k.contype IN ('p', 'f', 'u', 'c') AND ${USER_SCHEMA_CONDITION}`,
  );
  for (const k of constraints) {
    const table = tables.get(`${k.schema}.${k.table}`);
    if (!table) continue;
    if (k.type === 'p') table.primaryKey = k.key;
    else if (k.type === 'f') table.foreignKeys.push(k.def);
    else if (k.type === 'u') table.uniques.push(k.def);
    else table.checks.push(k.def);
  }

  const { rows: indexes } = await client.query<{ schema: string; table: string; def: string }>(
    `SELECT n.nspname AS schema, c.relname AS table, pg_get_indexdef(i.indexrelid) AS def
       FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE ${USER_SCHEMA_CONDITION}`,
  );
  for (const i of indexes) tables.get(`${i.schema}.${i.table}`)?.indexes.push(anonymizeIndexDef(i.def));

  for (const table of tables.values()) {
    table.foreignKeys.sort();
    table.uniques.sort();
    table.checks.sort();
    table.indexes.sort();
  }

  const { rows: sequences } = await client.query<{ name: string }>(
    `SELECT n.nspname || '.' || c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind = 'S' AND ${USER_SCHEMA_CONDITION}`,
  );
  const { rows: views } = await client.query<{ name: string; def: string }>(
    `SELECT n.nspname || '.' || c.relname AS name, pg_get_viewdef(c.oid) AS def FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('v', 'm') AND ${USER_SCHEMA_CONDITION}`,
  );
  const byName = (a: { name: string }, b: { name: string }): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  return {
    tables: [...tables.values()].sort((a, b) => (a.schema === b.schema ? (a.name < b.name ? -1 : 1) : a.schema < b.schema ? -1 : 1)),
    sequences: sequences.sort(byName).map((s) => s.name),
    views: Object.fromEntries(views.sort(byName).map((v) => [v.name, v.def])),
  };
}

