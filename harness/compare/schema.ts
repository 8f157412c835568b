/**
 * The `schema` comparator: compares the schema the legacy left in its database with the one the
 * candidate left, and states every difference in DDL terms — the statement that would turn the
 * legacy's schema into the candidate's (`ALTER TABLE orders ALTER COLUMN status TYPE
 * varchar(20)`), with both sides' text beside it.
 *
 * Objects compared: tables (and views listed as tables), columns (type, nullability, default,
 * identity, generated expression), primary keys, foreign keys, unique and check constraints,
 * indexes, sequences and views. Constraint and index names are not compared (the observation
 * holds name-independent definitions, see `SchemaTable` in harness/model.ts), so a rewrite that
 * lets PostgreSQL name its constraints is not a difference.
 *
 * @see https://www.postgresql.org/docs/current/sql-altertable.html for the statements used
 */
import type { Difference, SchemaChange, SchemaColumn, SchemaObservation, SchemaTable } from '../model.ts';

/** Most changes listed in `unified` before the rest is counted (the structured list is complete). */
const MAX_UNIFIED_CHANGES = 200;

/** A `nextval('<sequence>'::regclass)` default: serials differ only by their sequence's name. */
const NEXTVAL_RE = /^nextval\('[^']*'::regclass\)$/;

/** PostgreSQL's long type names (`format_type`) and the short names DDL is usually written with. */
const SHORT_TYPES: ReadonlyArray<[RegExp, string]> = [
  [/^character varying\b/, 'varchar'],
  [/^character\b/, 'char'],
  [/^timestamp(\(\d+\))? with time zone$/, 'timestamptz$1'],
  [/^timestamp(\(\d+\))? without time zone$/, 'timestamp$1'],
  [/^time(\(\d+\))? with time zone$/, 'timetz$1'],
  [/^time(\(\d+\))? without time zone$/, 'time$1'],
  [/^bit varying\b/, 'varbit'],
];

/**
 * The short form of a PostgreSQL type name, as DDL is usually written: `character varying(20)`
 * → `varchar(20)`, `timestamp with time zone` → `timestamptz`; other names unchanged. Array
 * suffixes (`[]`) are kept.
 */
export function shortTypeName(type: string): string {
  const suffix = /(\[\])+$/.exec(type)?.[0] ?? '';
  let base = type.slice(0, type.length - suffix.length);
  for (const [re, short] of SHORT_TYPES) {
    if (re.test(base)) {
      base = base.replace(re, short);
      break;
    }
  }
  return base + suffix;
}

/**
 * A column default with the sequence name of a serial removed (`nextval('orders_id_seq'::regclass)`
 * → `nextval(…)`), so two serials whose sequences were named differently compare equal.
 */
export function normalizeDefault(value: string | null): string | null {
  if (value === null) return null;
  return NEXTVAL_RE.test(value) ? 'nextval(…)' : value;
}

/** An identifier quoted for DDL when it is not a plain lower-case name. */
function ident(name: string): string {
  return /^[a-z_][a-z0-9_$]*$/.test(name) ? name : `"${name.replaceAll('"', '""')}"`;
}

/** `schema.table` as DDL names it: the `public` schema is left out. */
function tableName(t: { schema: string; name: string }): string {
  return t.schema === 'public' ? ident(t.name) : `${ident(t.schema)}.${ident(t.name)}`;
}

/** `schema.name` text (a sequence or view name) in DDL form. */
function qualifiedName(text: string): string {
  const dot = text.indexOf('.');
  if (dot === -1) return ident(text);
  return tableName({ schema: text.slice(0, dot), name: text.slice(dot + 1) });
}

function columnDdl(c: SchemaColumn): string {
  const parts = [ident(c.name), shortTypeName(c.type)];
  if (c.generated !== undefined) parts.push(`GENERATED ALWAYS AS (${c.generated}) STORED`);
  if (c.identity) parts.push(`GENERATED ${c.identity.toUpperCase()} AS IDENTITY`);
  if (c.default !== null) parts.push(`DEFAULT ${c.default}`);
  if (!c.nullable) parts.push('NOT NULL');
  return parts.join(' ');
}

function createTableDdl(t: SchemaTable): string {
  const items = t.columns.map(columnDdl);
  if (t.primaryKey) items.push(`PRIMARY KEY (${t.primaryKey.map(ident).join(', ')})`);
  return `CREATE TABLE ${tableName(t)} (${items.join(', ')})`;
}

/** Collapses runs of white space (view definitions are printed over several lines). */
function squash(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** The index definition with the placeholder name removed: `CREATE INDEX ON …` is valid DDL. */
function indexDdl(def: string): string {
  return def.replace(/^(CREATE (?:UNIQUE )?INDEX) _ ON /, '$1 ON ');
}

/** Compares the columns of one table present on both sides. */
function compareColumns(legacy: SchemaTable, candidate: SchemaTable): SchemaChange[] {
  const out: SchemaChange[] = [];
  const t = tableName(legacy);
  const c = new Map(candidate.columns.map((col) => [col.name, col]));
  const l = new Map(legacy.columns.map((col) => [col.name, col]));
  for (const lc of legacy.columns) {
    const name = `${t}.${lc.name}`;
    const cc = c.get(lc.name);
    if (!cc) {
      out.push({ object: 'column', name, kind: 'removed', ddl: `ALTER TABLE ${t} DROP COLUMN ${ident(lc.name)}`, legacy: columnDdl(lc) });
      continue;
    }
    const alter = `ALTER TABLE ${t} ALTER COLUMN ${ident(lc.name)}`;
    if (lc.type !== cc.type) {
      out.push({ object: 'column', name, kind: 'changed', ddl: `${alter} TYPE ${shortTypeName(cc.type)}`, legacy: lc.type, candidate: cc.type });
    }
    if (lc.nullable !== cc.nullable) {
      out.push({
        object: 'column',
        name,
        kind: 'changed',
        ddl: `${alter} ${cc.nullable ? 'DROP' : 'SET'} NOT NULL`,
        legacy: lc.nullable ? 'NULL' : 'NOT NULL',
        candidate: cc.nullable ? 'NULL' : 'NOT NULL',
      });
    }
    if (normalizeDefault(lc.default) !== normalizeDefault(cc.default)) {
      out.push({
        object: 'column',
        name,
        kind: 'changed',
        ddl: cc.default === null ? `${alter} DROP DEFAULT` : `${alter} SET DEFAULT ${cc.default}`,
        legacy: lc.default ?? 'no default',
        candidate: cc.default ?? 'no default',
      });
    }
    if (lc.identity !== cc.identity) {
      const ddl = cc.identity === undefined
        ? `${alter} DROP IDENTITY`
        : lc.identity === undefined
          ? `${alter} ADD GENERATED ${cc.identity.toUpperCase()} AS IDENTITY`
          : `${alter} SET GENERATED ${cc.identity.toUpperCase()}`;
      out.push({ object: 'column', name, kind: 'changed', ddl, legacy: lc.identity ?? 'not identity', candidate: cc.identity ?? 'not identity' });
    }
    if (lc.generated !== cc.generated) {
      const ddl = cc.generated === undefined
        ? `${alter} DROP EXPRESSION`
        : `${alter} SET EXPRESSION AS (${cc.generated})`;
      out.push({ object: 'column', name, kind: 'changed', ddl, legacy: lc.generated ?? 'not generated', candidate: cc.generated ?? 'not generated' });
    }
  }
  for (const cc of candidate.columns) {
    if (l.has(cc.name)) continue;
    out.push({ object: 'column', name: `${t}.${cc.name}`, kind: 'added', ddl: `ALTER TABLE ${t} ADD COLUMN ${columnDdl(cc)}`, candidate: columnDdl(cc) });
  }
  return out;
}

/** The columns part of a foreign key definition (`FOREIGN KEY (order_id)`), which pairs a removed
 * and an added key on the same columns into one `changed` entry. */
function foreignKeyColumns(def: string): string | null {
  return /^FOREIGN KEY \([^)]*\)/.exec(def)?.[0] ?? null;
}

/** Compares one kind of constraint (sets of definitions) of a table present on both sides. */
function compareConstraintSet(t: string, legacy: string[], candidate: string[], pairBy: (def: string) => string | null): SchemaChange[] {
  const l = new Set(legacy);
  const c = new Set(candidate);
  const removed = legacy.filter((d) => !c.has(d));
  const added = candidate.filter((d) => !l.has(d));
  const out: SchemaChange[] = [];
  const addedLeft = [...added];
  for (const def of removed) {
    const key = pairBy(def);
    const partner = key === null ? -1 : addedLeft.findIndex((a) => pairBy(a) === key);
    if (partner !== -1) {
      const next = addedLeft.splice(partner, 1)[0];
      out.push({ object: 'constraint', name: `${t} ${key}`, kind: 'changed', ddl: `ALTER TABLE ${t} DROP CONSTRAINT …, ADD ${next}`, legacy: def, candidate: next });
    } else {
      out.push({ object: 'constraint', name: `${t} ${def}`, kind: 'removed', ddl: `ALTER TABLE ${t} DROP CONSTRAINT … -- ${def}`, legacy: def });
    }
  }
  for (const def of addedLeft) {
    out.push({ object: 'constraint', name: `${t} ${def}`, kind: 'added', ddl: `ALTER TABLE ${t} ADD ${def}`, candidate: def });
  }
  return out;
}

function compareTable(legacy: SchemaTable, candidate: SchemaTable): SchemaChange[] {
  const t = tableName(legacy);
  const out = compareColumns(legacy, candidate);
  const lpk = legacy.primaryKey ? `PRIMARY KEY (${legacy.primaryKey.map(ident).join(', ')})` : null;
  const cpk = candidate.primaryKey ? `PRIMARY KEY (${candidate.primaryKey.map(ident).join(', ')})` : null;
  if (lpk !== cpk) {
    const name = `${t} PRIMARY KEY`;
    if (lpk === null) out.push({ object: 'constraint', name, kind: 'added', ddl: `ALTER TABLE ${t} ADD ${cpk}`, candidate: cpk! });
    else if (cpk === null) out.push({ object: 'constraint', name, kind: 'removed', ddl: `ALTER TABLE ${t} DROP CONSTRAINT … -- ${lpk}`, legacy: lpk });
    else out.push({ object: 'constraint', name, kind: 'changed', ddl: `ALTER TABLE ${t} DROP CONSTRAINT …, ADD ${cpk}`, legacy: lpk, candidate: cpk });
  }
  out.push(...compareConstraintSet(t, legacy.foreignKeys, candidate.foreignKeys, foreignKeyColumns));
  out.push(...compareConstraintSet(t, legacy.uniques, candidate.uniques, () => null));
  out.push(...compareConstraintSet(t, legacy.checks, candidate.checks, () => null));
  const lIdx = new Set(legacy.indexes);
  const cIdx = new Set(candidate.indexes);
  for (const def of legacy.indexes) {
    if (!cIdx.has(def)) out.push({ object: 'index', name: `${t} ${indexDdl(def)}`, kind: 'removed', ddl: `DROP INDEX … -- ${indexDdl(def)}`, legacy: def });
  }
  for (const def of candidate.indexes) {
    if (!lIdx.has(def)) out.push({ object: 'index', name: `${t} ${indexDdl(def)}`, kind: 'added', ddl: indexDdl(def), candidate: def });
  }
  return out;
}

/** One line of `unified` for a change: the statement, then what each side had. */
function unifiedLine(c: SchemaChange): string {
  const sign = c.kind === 'added' ? '+' : c.kind === 'removed' ? '-' : '~';
  const sides = c.kind === 'changed' ? `\n    legacy: ${c.legacy}\n    candidate: ${c.candidate}` : '';
  return `${sign} ${c.ddl};${sides}`;
}

function summarize(changes: SchemaChange[]): string {
  const counts = new Map<string, number>();
  for (const c of changes) {
    const k = `${c.object} ${c.kind}`;
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  const parts = [...counts].map(([k, n]) => {
    const [object, kind] = k.split(' ');
    return `${n} ${object}${n === 1 ? '' : object.endsWith('x') ? 'es' : 's'} ${kind}`;
  });
  const first = changes[0];
  return `${parts.join(', ')} (first: ${first.ddl})`;
}

/**
 * Compares the legacy's schema with the candidate's.
 *
 * - Tables (and views listed as tables) match by `schema.name`; one present on a single side is
 *   `CREATE TABLE …` (added) or `DROP TABLE …` (removed), its columns not listed one by one.
 * - Columns match by name: added (`ADD COLUMN`), removed (`DROP COLUMN`), type (`ALTER COLUMN c
 *   TYPE varchar(20)`, with the full `format_type` names as `legacy`/`candidate`), nullability
 *   (`SET`/`DROP NOT NULL`), default (`SET`/`DROP DEFAULT`; two `nextval('…'::regclass)` defaults
 *   are equal whatever the sequence is called, so serials are not a difference), identity and
 *   generated expressions.
 * - Primary key: by its column list. Foreign keys, unique and check constraints: by definition
 *   text (`pg_get_constraintdef`), as sets; a foreign key removed and another added on the same
 *   columns is one `changed` constraint. Constraint names are unknown to the observation, so a
 *   drop is written `DROP CONSTRAINT … -- <definition>`.
 * - Indexes: by definition (name-independent), `CREATE INDEX ON …` / `DROP INDEX … -- …`.
 * - Sequences: by `schema.name` (`CREATE`/`DROP SEQUENCE`).
 * - Views: by name and definition (white space collapsed): `CREATE VIEW`, `DROP VIEW`, `CREATE
 *   OR REPLACE VIEW`.
 *
 * @returns `null` when equal, else a `schema` {@link Difference}: `changes` in table order (as
 *  the legacy lists them, then the candidate's new ones), then sequences, then views; `unified`
 *  one statement per line (`+` added, `-` removed, `~` changed with both sides below it).
 * @example
 * compareSchema(legacySchema, candidateSchema)?.changes[0]
 * // { object: 'column', name: 'orders.status', kind: 'changed',
 * //   ddl: 'ALTER TABLE orders ALTER COLUMN status TYPE varchar(20)',
 * //   legacy: 'text', candidate: 'character varying(20)' }
 */
export function compareSchema(legacy: SchemaObservation, candidate: SchemaObservation): Difference | null {
  const changes: SchemaChange[] = [];
  const key = (t: SchemaTable) => `${t.schema}.${t.name}`;
  const cTables = new Map(candidate.tables.map((t) => [key(t), t]));
  const lTables = new Map(legacy.tables.map((t) => [key(t), t]));
  for (const lt of legacy.tables) {
    const ct = cTables.get(key(lt));
    if (!ct) changes.push({ object: 'table', name: tableName(lt), kind: 'removed', ddl: `DROP TABLE ${tableName(lt)}`, legacy: createTableDdl(lt) });
    else changes.push(...compareTable(lt, ct));
  }
  for (const ct of candidate.tables) {
    if (!lTables.has(key(ct))) changes.push({ object: 'table', name: tableName(ct), kind: 'added', ddl: createTableDdl(ct), candidate: createTableDdl(ct) });
  }
  const lSeq = new Set(legacy.sequences);
  const cSeq = new Set(candidate.sequences);
  for (const s of legacy.sequences) {
    if (!cSeq.has(s)) changes.push({ object: 'sequence', name: qualifiedName(s), kind: 'removed', ddl: `DROP SEQUENCE ${qualifiedName(s)}`, legacy: s });
  }
  for (const s of candidate.sequences) {
    if (!lSeq.has(s)) changes.push({ object: 'sequence', name: qualifiedName(s), kind: 'added', ddl: `CREATE SEQUENCE ${qualifiedName(s)}`, candidate: s });
  }
  for (const [name, def] of Object.entries(legacy.views)) {
    const other = candidate.views[name];
    const v = qualifiedName(name);
    if (other === undefined) changes.push({ object: 'view', name: v, kind: 'removed', ddl: `DROP VIEW ${v}`, legacy: squash(def) });
    else if (squash(other) !== squash(def)) {
      changes.push({ object: 'view', name: v, kind: 'changed', ddl: `CREATE OR REPLACE VIEW ${v} AS ${squash(other)}`, legacy: squash(def), candidate: squash(other) });
    }
  }
  for (const [name, def] of Object.entries(candidate.views)) {
    if (legacy.views[name] === undefined) {
      const v = qualifiedName(name);
      changes.push({ object: 'view', name: v, kind: 'added', ddl: `CREATE VIEW ${v} AS ${squash(def)}`, candidate: squash(def) });
    }
  }
  if (changes.length === 0) return null;
  const shown = changes.slice(0, MAX_UNIFIED_CHANGES).map(unifiedLine);
  if (changes.length > MAX_UNIFIED_CHANGES) shown.push(`… and ${changes.length - MAX_UNIFIED_CHANGES} more schema changes`);
  return { kind: 'schema', summary: summarize(changes), unified: shown.join('\n'), changes };
}
