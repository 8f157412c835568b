/**
 * Baseline store format v1: the JSON shapes on disk and their canonical serialization.
 * The format is documented in `docs/baseline-format.md`; change both together, and bump
 * `FORMAT_VERSION` (with a migration) for anything an older paritykit could misread.
 */
import { createHash } from 'node:crypto';
import { isUtf8 } from 'node:buffer';
import type { ContentFormat, DbObservation, ExitObservation, RowChange, Scenario, SchemaObservation, TimingObservation } from '../harness/model.ts';
import type { TargetIdentity } from '../reporters/model.ts';

/** The baseline format this paritykit writes, and the newest it reads. */
export const FORMAT_VERSION = 1;

/** UTF-8 payloads up to this size (bytes) are stored inline in the scenario file, so
 * `git diff` shows them; larger or non-UTF-8 payloads go to the blobs folder. */
export const INLINE_TEXT_MAX_BYTES = 64 * 1024;

/**
 * A byte payload as stored: inline UTF-8 text, or a content-addressed blob
 * (`blobs/<first 2 hex>/<sha256 hex>`, raw bytes) with its size in bytes.
 */
export type StoredPayload = { text: string } | { blob: string; size: number };

/** One file observation as stored. `content` is null for a deleted file. */
export interface StoredFile {
  path: string;
  change: 'created' | 'modified' | 'deleted';
  format: ContentFormat;
  content: StoredPayload | null;
}

/** One HTTP exchange as stored: HAR 1.2 names (`request.method`, `url`, `headers`,
 * `response.status`, `statusText`), with bodies as payloads (decoded; `encoding` keeps the
 * original content-encoding). Durations live in timing, not here. */
export interface StoredExchange {
  request: { method: string; url: string; headers: Array<[string, string]>; body: StoredPayload | null };
  response: { status: number; statusText: string; headers: Array<[string, string]>; body: StoredPayload; encoding?: string };
  captures: Record<string, string>;
}

/** The observations of one scenario as stored (timing is kept apart in `timing.json`, so a
 * re-recording with identical behaviour yields the same revision). */
export interface StoredObservation {
  stdout: StoredPayload;
  stderr: StoredPayload;
  exit: ExitObservation;
  files: StoredFile[];
  /** The http channel (exchange scenarios only). */
  http?: { exchanges: StoredExchange[]; error?: string; outbound?: StoredExchange[] };
  /** The db channel (service targets with a database). */
  db?: StoredDb;
  /** The schema channel, as observed. */
  schema?: SchemaObservation;
}

/**
 * The db channel as stored (docs/baseline-format.md "Row-change events"): the events inline
 * (`changes`) when their JSON Lines form is at most `INLINE_TEXT_MAX_BYTES`, else in a blob
 * (`changesBlob`) of JSON Lines, one event per line with sorted keys, in `seq` order — so a
 * scenario that writes 100,000 rows keeps a small scenario file.
 */
export interface StoredDb {
  method: DbObservation['method'];
  reason?: string;
  error?: string;
  changes?: RowChange[];
  changesBlob?: { blob: string; size: number };
}

/** `scenarios/<id>.json`. */
export interface StoredScenario {
  id: string;
  /** The scenario input as recorded, after redaction (for reading; replay uses the config). */
  input: Scenario;
  /** sha256 (hex) of the canonical JSON of the un-redacted input, to detect a scenario whose
   * input changed since it was recorded. */
  inputHash: string;
  observation: StoredObservation;
}

/** `manifest.json`: the commit point of a revision. */
export interface Manifest {
  formatVersion: number;
  suite: string;
  /** Content hash of the whole set: sha256 over every scenario file, 16 hex digits. */
  revision: string;
  /** ISO-8601 UTC. */
  recordedAt: string;
  legacy: TargetIdentity;
  paritykitVersion: string;
  /** Every scenario file of the revision, with the sha256 (hex) of its bytes. */
  scenarios: Array<{ id: string; sha256: string }>;
}

/** One line of `history.jsonl` (append-only, one entry per recording). */
export interface HistoryEntry {
  revision: string;
  previousRevision: string | null;
  recordedAt: string;
  legacy: TargetIdentity;
  paritykitVersion: string;
  scenarios: number;
  added: string[];
  changed: string[];
  removed: string[];
}

/** `timing.json`: scenario id → timing of the legacy run. Stored, not compared. */
export type StoredTiming = Record<string, TimingObservation>;

/** sha256 of bytes or a UTF-8 string, lowercase hex. */
export function sha256Hex(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * Canonical JSON: object keys sorted (recursively), 2-space indent, trailing newline.
 * Deterministic so `git diff` on a baseline shows only real changes.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeysDeep(value), null, 2) + '\n';
}

function sortKeysDeep(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeysDeep);
  if (value && typeof value === 'object' && !Buffer.isBuffer(value)) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = sortKeysDeep(v);
    }
    return out;
  }
  return value;
}

/** Hash of a scenario's input, as stored in `inputHash`. */
export function scenarioInputHash(scenario: Scenario): string {
  return sha256Hex(canonicalJson(scenario));
}

/**
 * Decides how bytes are stored: inline text when valid UTF-8 and at most
 * `INLINE_TEXT_MAX_BYTES`, else a blob. Returns the stored form and, for a blob, its bytes.
 */
export function encodePayload(data: Buffer): { stored: StoredPayload; blob?: { hash: string; data: Buffer } } {
  if (data.length <= INLINE_TEXT_MAX_BYTES && isUtf8(data)) {
    return { stored: { text: data.toString('utf8') } };
  }
  const hash = sha256Hex(data);
  return { stored: { blob: hash, size: data.length }, blob: { hash, data } };
}

/** Stores a db observation: events inline, or as a JSON Lines blob (see {@link StoredDb}). */
export function encodeDbObservation(db: DbObservation): { stored: StoredDb; blob?: { hash: string; data: Buffer } } {
  const head: StoredDb = { method: db.method, ...(db.reason ? { reason: db.reason } : {}), ...(db.error ? { error: db.error } : {}) };
  const lines = db.changes.map((c) => JSON.stringify(sortKeysDeep(c)) + '\n');
  const size = lines.reduce((n, line) => n + Buffer.byteLength(line), 0);
  if (size <= INLINE_TEXT_MAX_BYTES) return { stored: { ...head, changes: db.changes } };
  const data = Buffer.from(lines.join(''), 'utf8');
  const hash = sha256Hex(data);
  return { stored: { ...head, changesBlob: { blob: hash, size: data.length } }, blob: { hash, data } };
}

/** The events of a `changesBlob` (JSON Lines). Throws SyntaxError naming the line for a bad line. */
export function decodeRowChangesJsonl(data: Buffer): RowChange[] {
  const out: RowChange[] = [];
  const text = data.toString('utf8');
  let start = 0;
  for (let line = 1; start < text.length; line += 1) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    if (end > start) {
      try {
        out.push(JSON.parse(text.slice(start, end)) as RowChange);
      } catch (err) {
        throw new SyntaxError(`line ${line}: ${(err as Error).message}`);
      }
    }
    start = end + 1;
  }
  return out;
}

/** Relative path of a blob inside the suite folder. */
export function blobPath(hash: string): string {
  return `blobs/${hash.slice(0, 2)}/${hash}`;
}
