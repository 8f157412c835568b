/**
 * The model types shared by every part of paritykit: targets, scenarios, observations,
 * diffs and verdicts. Vocabulary follows `docs/` and DESIGN.md (legacy, candidate,
 * target, scenario, channel, observation, baseline, normalizer, redaction, verdict).
 *
 * Nothing here does I/O.
 */
import type { HttpObservation, HttpRequestSpec, ServiceTarget } from './http-model.ts';
export type * from './http-model.ts';

/** How paritykit reaches a system that is a command-line program. */
export interface CommandTarget {
  /** argv of the program: `['python3', 'ledger.py']`. Scenario `args` are appended. */
  command: string[];
  /** Working directory of the command itself is always the scenario's fresh temp dir; `cwd` is
   * the directory relative command paths (argv[0], argv[1]) are resolved against. Default: the
   * config file's directory. */
  cwd?: string;
  /** Extra environment variables, merged over paritykit's minimal environment. */
  env?: Record<string, string>;
  /** Per-scenario time limit (ms) for this target; a scenario's own `timeoutMs` wins. */
  timeoutMs?: number;
  /** A command (string: run through `sh -c`; array: argv) that prints the target's version,
   * stored in the baseline manifest as part of the legacy identity. */
  version?: string | string[];
}

/** Any target: a command (CLI channels) or a service (the `http` channel). */
export type Target = CommandTarget | ServiceTarget;

/** True for a command target (`{ command }`), false for a service target. */
export function isCommandTarget(target: Target): target is CommandTarget {
  return Array.isArray((target as CommandTarget).command);
}

/** One deterministic input for a command target. */
export interface Scenario {
  /** Unique within the suite; safe as a file name: `[A-Za-z0-9._-]`, starting with a letter or
   * digit, never `..` or `/` (see `checkScenarioId`). */
  id: string;
  /** Arguments appended to the target's `command`. */
  args?: string[];
  /** Text written to stdin (UTF-8); stdin is closed after it. Absent: stdin is empty. */
  stdin?: string;
  /** Environment variables for this scenario only. */
  env?: Record<string, string>;
  /** Files (relative path → UTF-8 content) created in the fresh working directory before the run. */
  files?: Record<string, string>;
  /** Time limit (ms) for this scenario; wins over the target's and the suite's. */
  timeoutMs?: number;
  /** Free-form labels, used to scope normalizers and to select scenarios. */
  tags?: string[];
  /** For a service suite: the HTTP requests of an exchange scenario, replayed in order (then
   * `args`, `stdin`, `env` and `files` do not apply). See `ExchangeScenario`. */
  requests?: HttpRequestSpec[];
}

/** Channels of observable behaviour. `db` (row changes) and `schema` (the database schema the
 * target left) are present for service targets that own a database. */
export type Channel = 'stdout' | 'stderr' | 'exit' | 'files' | 'http' | 'db' | 'schema' | 'timing';

/** Serialized formats paritykit recognises, for files and for stdout/stderr content. */
export type ContentFormat = 'json' | 'csv' | 'yaml' | 'xml' | 'text' | 'binary' | 'image';

/** How a process ended. */
export interface ExitObservation {
  /** Exit code, or `null` when the process was ended by a signal. */
  code: number | null;
  /** Signal name (`SIGKILL`), or `null`. */
  signal: string | null;
  /** True when paritykit killed the process tree because the time limit passed. */
  timedOut: boolean;
}

/** One file the run created, modified or deleted in its working directory. */
export interface FileObservation {
  /** Path relative to the working directory, with `/` separators. */
  path: string;
  change: 'created' | 'modified' | 'deleted';
  /** Detected format of the content (of the previous content for a deleted file). */
  format: ContentFormat;
  /** Content after the run; `null` for a deleted file. */
  content: Buffer | null;
}

/** Wall time and memory of a run: stored, not compared by the parity suites. */
export interface TimingObservation {
  /** Wall time from spawn to exit (ms). */
  durationMs: number;
  /** Highest resident set size seen for the process tree (bytes), sampled from /proc;
   * `null` when the process ended before the first sample. */
  peakRssBytes: number | null;
}

/** Everything one scenario showed on one target: one observation per channel. For an exchange
 * scenario (service suite) only `http` and `timing` carry data; the process channels are empty
 * and not compared. */
export interface ScenarioObservation {
  stdout: Buffer;
  stderr: Buffer;
  exit: ExitObservation;
  /** Sorted by path. */
  files: FileObservation[];
  timing: TimingObservation;
  /** The `http` channel: present for exchange scenarios. */
  http?: HttpObservation;
  /** The `db` channel: the row changes the target made (service targets with a database). */
  db?: DbObservation;
  /** The `schema` channel: the schema the target left at the end of the scenario. */
  schema?: SchemaObservation;
}

/**
 * A typed column value of a row-change event: numbers (integer, float; `numeric`/`bigint`
 * beyond 2^53 stay strings), booleans, JSON values (json/jsonb parsed), strings (text,
 * timestamps as the server printed them in ISO form, uuids), bytea as `{ base64 }`, arrays as
 * arrays, and `null`.
 */
export type DbValue = null | boolean | number | string | DbValue[] | { base64: string } | { json: unknown };

/** One row of a table: column name → typed value. */
export type DbRow = Record<string, DbValue>;

/**
 * One row-level change, named the Debezium way (https://debezium.io/documentation/reference/
 * connectors/postgresql.html#postgresql-events): `op` is `c` (create/insert), `u` (update),
 * `d` (delete), `t` (truncate). `before` is the old row (updates and deletes; complete with
 * `REPLICA IDENTITY FULL`, else only the key), `after` the new row (inserts and updates).
 * `key` is the primary-key columns' values (`null` for a table without a primary key).
 * `tx` numbers the scenario's transactions from 1 in commit order; `seq` numbers the changes
 * from 1 across the scenario.
 */
export interface RowChange {
  schema: string;
  table: string;
  op: 'c' | 'u' | 'd' | 't';
  before: DbRow | null;
  after: DbRow | null;
  key: DbRow | null;
  tx: number;
  seq: number;
}

/**
 * The `db` channel of one scenario. `method` says how the writes were captured:
 * - `logical`: logical decoding (`test_decoding` on a temporary replication slot) — every
 *   change, in commit order;
 * - `snapshot`: before/after snapshots of every table (the net effect only: `tx` and `seq`
 *   carry no order), used when logical decoding is unavailable; `reason` says why.
 */
export interface DbObservation {
  method: 'logical' | 'snapshot';
  reason?: string;
  changes: RowChange[];
  /** Set when capture failed (the verdict is then `error`). */
  error?: string;
}

/** One column of a table in the `schema` channel. `type` is PostgreSQL's `format_type` text
 * (`character varying(20)`, `integer`, `timestamp with time zone`). */
export interface SchemaColumn {
  name: string;
  type: string;
  nullable: boolean;
  /** Default expression as PostgreSQL prints it (`nextval('orders_id_seq'::regclass)`), or null. */
  default: string | null;
  /** `always`/`by default` for identity columns, `stored` for generated columns, else absent. */
  identity?: 'always' | 'by default';
  generated?: string;
}

/** One table (or view) of the `schema` channel, constraints by name-independent definition. */
export interface SchemaTable {
  schema: string;
  name: string;
  columns: SchemaColumn[];
  /** Primary key column names in key order, or null. */
  primaryKey: string[] | null;
  /** `pg_get_constraintdef` text of each foreign key, unique and check constraint, sorted. */
  foreignKeys: string[];
  uniques: string[];
  checks: string[];
  /** `pg_get_indexdef` text of every index (with the index name replaced by `_`), sorted. */
  indexes: string[];
}

/** The `schema` channel: what the target's database looked like at the end of the scenario. */
export interface SchemaObservation {
  tables: SchemaTable[];
  /** `schema.name` of every sequence, sorted. */
  sequences: string[];
  /** View name → `pg_get_viewdef` text. */
  views: Record<string, string>;
}

/** Verdicts, from DESIGN.md. `accepted` and `flaky` are produced by later features. */
export type Verdict = 'pass' | 'diff' | 'accepted' | 'flaky' | 'error' | 'missing' | 'new';

/** One line-level hunk of a text diff (structured form for reports). */
export interface TextHunk {
  /** 1-based first line in the legacy (old) text, and number of lines. */
  oldStart: number;
  oldLines: number;
  /** 1-based first line in the candidate (new) text, and number of lines. */
  newStart: number;
  newLines: number;
  /** Lines prefixed with ' ', '-' or '+', as in a unified diff. */
  lines: string[];
}

/** One structural difference in JSON (or YAML) data. */
export interface JsonChange {
  /** JSONPath of the value: `$.items[3].price`. */
  path: string;
  kind: 'changed' | 'added' | 'removed' | 'type';
  /** Legacy value (absent for `added`). */
  legacy?: unknown;
  /** Candidate value (absent for `removed`). */
  candidate?: unknown;
}

/** One CSV cell, row or header difference. */
export interface CsvChange {
  /** Row key: the value of the key column, or `#<1-based row index>` when keyed by position. */
  row: string;
  /** Column name (header) or `#<1-based index>`; absent for a whole-row add/remove. */
  column?: string;
  kind: 'changed' | 'added' | 'removed' | 'header' | 'order';
  legacy?: string;
  candidate?: string;
}

/**
 * A difference found by a comparator. `unified` is the terminal rendering (unified diff text
 * or an equivalent summary); the other fields are the structured form reports render.
 */
export type Difference =
  | { kind: 'text'; summary: string; unified: string; hunks: TextHunk[]; truncated: boolean }
  | { kind: 'json'; summary: string; unified: string; changes: JsonChange[] }
  | { kind: 'csv'; summary: string; unified: string; changes: CsvChange[] }
  | {
      kind: 'binary';
      summary: string;
      unified: string;
      legacy: { size: number; sha256: string };
      candidate: { size: number; sha256: string };
    }
  | { kind: 'value'; summary: string; unified: string; legacy: unknown; candidate: unknown }
  | { kind: 'rows'; summary: string; unified: string; tables: RowTableDiff[] }
  | { kind: 'schema'; summary: string; unified: string; changes: SchemaChange[] };

/**
 * Database differences of one table, for reports that render them as row tables. Each entry
 * pairs the legacy's and the candidate's version of one row (matched by primary key, mapped
 * generated keys, or row hash): `missing` = only the legacy has it, `extra` = only the
 * candidate, `changed` = both, with the differing columns in `cells`.
 */
export interface RowTableDiff {
  /** `schema.table`. */
  table: string;
  columns: string[];
  rows: Array<{
    kind: 'missing' | 'extra' | 'changed' | 'order';
    /** Row key as text (`id=17`), or `#hash` for a table without a primary key. */
    key: string;
    /** Net operation on each side (`c`, `u`, `d`; absent on the side that lacks the row). */
    legacyOp?: RowChange['op'];
    candidateOp?: RowChange['op'];
    legacy?: { before: DbRow | null; after: DbRow | null };
    candidate?: { before: DbRow | null; after: DbRow | null };
    /** Columns whose values differ (after normalization). */
    cells?: string[];
  }>;
}

/** One schema difference, stated in DDL terms: `column orders.status type text → varchar(20)`. */
export interface SchemaChange {
  /** `table`, `column`, `constraint`, `index`, `sequence`, `view`. */
  object: 'table' | 'column' | 'constraint' | 'index' | 'sequence' | 'view';
  /** `orders.status`. */
  name: string;
  kind: 'added' | 'removed' | 'changed';
  /** The statement, in DDL words: `ALTER TABLE orders ALTER COLUMN status TYPE varchar(20)` or the text form. */
  ddl: string;
  legacy?: string;
  candidate?: string;
}

/** The result of comparing one channel (or one file of the `files` channel). */
export interface ChannelResult {
  channel: Channel;
  /** For the `files` channel: the file path; otherwise absent. */
  path?: string;
  /** Format the comparator used. */
  format?: ContentFormat;
  /** `accepted`: it differs, and every difference is explained by a deviation. */
  verdict: 'pass' | 'diff' | 'accepted';
  /** Present when verdict is `diff` or `accepted`. */
  difference?: Difference;
  /** For `accepted`: ids of the deviations that explained the difference. */
  deviations?: string[];
  /** For a differing http exchange: the exchange itself, so reports can show the request and
   * both responses (bodies as UTF-8 text clipped to 4 KiB). */
  exchange?: {
    request: { method: string; url: string; headers: Array<[string, string]>; body?: string };
    legacy?: { status: number; statusText: string; headers: Array<[string, string]>; body?: string };
    candidate?: { status: number; statusText: string; headers: Array<[string, string]>; body?: string };
  };
}

/**
 * Where learned noise sits in one payload (Diffy's idea: where the legacy differs from itself).
 * - `json`: a concrete JSONPath whose value varies (`$.items[2].id`), or an array whose
 *   elements came back reordered (`unordered: true`, compared as a multiset).
 * - `csv`: a cell (1-based data row index, column header) whose value varies.
 * - `text`: a line pattern: the regex (anchored, whole line) that every legacy run's version of
 *   that line matched, with the varying tokens as wildcards; or `unordered: true` for a text
 *   whose lines came back reordered.
 * - `column`: a database column (`schema.table.column`) whose values vary (the `db` channel).
 */
export type NoiseLocation =
  | { kind: 'json'; path: string; unordered?: boolean }
  | { kind: 'csv'; row: number; column: string }
  | { kind: 'text'; line?: number; pattern?: string; unordered?: boolean }
  | { kind: 'column'; column: string };

/** One learned noise rule: a place in one channel (and file) that differs between legacy runs.
 * For the `db` channel the place is a column (`public.orders.updated_at`, kind `column`): its
 * values varied between legacy runs (a `now()` default), so it is ignored when comparing. */
export interface NoiseRule {
  channel: 'stdout' | 'stderr' | 'files' | 'http' | 'db';
  /** File path for the `files` channel; the exchange (`#1`, 1-based) for the `http` channel,
   * whose rules apply to the response body. */
  path?: string;
  where: NoiseLocation;
  /** Distinct values seen across the legacy runs (redacted, at most 5, each at most 200 chars). */
  values: string[];
}

/** What noise learning found for one scenario. */
export interface ScenarioNoise {
  rules: NoiseRule[];
  /** Set when the legacy differed from itself in a way that is never learned as noise
   * (structure, exit code, a whole output): why, so the user can add a normalizer. */
  nondeterministic?: string;
}
