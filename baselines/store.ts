/**
 * The baseline store: one folder per suite under the baseline dir, written atomically.
 *
 * Layout of `<baselineDir>/<suite>/` (format v1, see docs/baseline-format.md):
 * `manifest.json`, `scenarios/<id>.json`, `blobs/<aa>/<sha256>`, `timing.json`, `noise.json`,
 * `history.jsonl`.
 *
 * Atomicity: a new revision is written completely into a staging folder
 * (`.<suite>.staging-<pid>-<rand>`), then swapped in with two renames
 * (`<suite>` → `.<suite>.previous-<rand>`, staging → `<suite>`). kill -9 or Ctrl-C at any point
 * leaves either the previous revision in place, or (between the two renames) the previous
 * revision under its `.previous-` name, which `load` renames back. No file is ever read from
 * a staging folder, and `load` verifies every scenario file and blob against the manifest.
 */
import { mkdir, readFile, readdir, rename, rm, stat, writeFile, link, copyFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { ParityError } from '../harness/errors.ts';
import { redactHeaderList } from '../harness/redact.ts';
import { redactDbObservation } from '../recorders/db-capture.ts';
import type { FileObservation, HttpExchange, Scenario, ScenarioNoise, ScenarioObservation } from '../harness/model.ts';
import type { TargetIdentity } from '../reporters/model.ts';
import type { StoredPerf } from '../harness/perf/model.ts';
import {
  FORMAT_VERSION,
  blobPath,
  canonicalJson,
  decodeRowChangesJsonl,
  encodeDbObservation,
  encodePayload,
  scenarioInputHash,
  sha256Hex,
  type HistoryEntry,
  type Manifest,
  type StoredDb,
  type StoredFile,
  type StoredPayload,
  type StoredExchange,
  type StoredScenario,
  type StoredTiming,
} from './format.ts';

/** One scenario's recording, as the runner hands it to the store (before redaction). */
export interface RecordedScenario {
  scenario: Scenario;
  observation: ScenarioObservation;
  /** Noise learned from several legacy runs (`record --runs N`); kept in `noise.json`. */
  noise?: ScenarioNoise;
}

/** A scenario as loaded from a baseline: its stored input and decoded observation. */
export interface BaselineScenario {
  id: string;
  input: Scenario;
  inputHash: string;
  observation: ScenarioObservation;
  /** Learned noise (absent when the legacy agreed with itself or was recorded with one run). */
  noise?: ScenarioNoise;
}

/** A loaded baseline revision. */
export interface Baseline {
  suite: string;
  /** Absolute suite folder. */
  dir: string;
  manifest: Manifest;
  scenarios: Map<string, BaselineScenario>;
}

/** What a save did, relative to the previous revision (raw stored content, not normalized). */
export interface SaveResult {
  revision: string;
  previousRevision: string | null;
  added: string[];
  changed: string[];
  removed: string[];
  /** Absolute suite folder. */
  dir: string;
}

/** Options of `saveBaseline`. */
export interface SaveOptions {
  legacy: TargetIdentity;
  paritykitVersion: string;
  /** Applied to every byte payload and input string before it is written (secrets never reach disk). */
  redactText?: (text: string) => string;
  redactBuffer?: (data: Buffer) => Buffer;
  /** Compute the result without writing anything (`record --dry-run`). */
  dryRun?: boolean;
  /** Time of the recording; default now. */
  now?: Date;
}

/**
 * The store seam: the runner talks to baselines only through this interface (vitest's
 * SnapshotEnvironment idea), so a different persister can replace the filesystem one.
 */
export interface BaselineStore {
  /** Loads the current revision of a suite, or null when none was recorded.
   * @throws ParityError `BASELINE_FORMAT` (newer/unknown formatVersion), `BASELINE_CORRUPT`
   * (hash mismatch, unparsable file) naming the file. */
  load(suite: string): Promise<Baseline | null>;
  /** Writes a new revision atomically (or only computes it with `dryRun`). */
  save(suite: string, recorded: RecordedScenario[], options: SaveOptions): Promise<SaveResult>;
  /** The history entries of a suite, oldest first (empty when never recorded). */
  history(suite: string): Promise<HistoryEntry[]>;
}

/** Creates the filesystem store rooted at `baselineDir` (absolute). */
export function createFsBaselineStore(baselineDir: string): BaselineStore {
  return {
    load: (suite) => loadBaseline(baselineDir, suite),
    save: (suite, recorded, options) => saveBaseline(baselineDir, suite, recorded, options),
    history: (suite) => readHistory(path.join(baselineDir, suite)),
  };
}

async function exists(p: string): Promise<boolean> {
  return stat(p).then(
    () => true,
    () => false,
  );
}

function rel(file: string): string {
  const r = path.relative(process.cwd(), file);
  return r.startsWith('..') ? file : r;
}

/** Renames back a `.previous-` folder left by a save interrupted between its two renames, and
 * removes staging folders of processes that are gone. */
async function recover(baselineDir: string, suite: string): Promise<void> {
  const entries = await readdir(baselineDir).catch(() => [] as string[]);
  const dir = path.join(baselineDir, suite);
  const dirExists = await exists(dir);
  for (const name of entries) {
    if (name.startsWith(`.${suite}.previous-`)) {
      const p = path.join(baselineDir, name);
      if (!dirExists && (await exists(path.join(p, 'manifest.json')))) {
        await rename(p, dir);
      } else {
        await rm(p, { recursive: true, force: true });
      }
    } else if (name.startsWith(`.${suite}.staging-`)) {
      const pid = Number(name.slice(`.${suite}.staging-`.length).split('-')[0]);
      if (!Number.isInteger(pid) || !isAlive(pid)) {
        await rm(path.join(baselineDir, name), { recursive: true, force: true });
      }
    }
  }
}

function isAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readJson<T>(file: string): Promise<T> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new ParityError('BASELINE_CORRUPT', `${rel(file)}: cannot be read (${(err as Error).message}); restore it from git or re-record with \`paritykit record\``, { file });
  }
  try {
    return JSON.parse(text) as T;
  } catch (err) {
    throw new ParityError('BASELINE_CORRUPT', `${rel(file)}: not valid JSON (${(err as Error).message}); restore it from git or re-record with \`paritykit record\``, { file });
  }
}

function checkManifest(m: Manifest, file: string, suite: string): void {
  if (typeof m.formatVersion !== 'number') {
    throw new ParityError('BASELINE_FORMAT', `${rel(file)}: formatVersion is missing; this is not a paritykit baseline manifest (re-record with \`paritykit record --suite ${suite}\`)`, { file });
  }
  if (m.formatVersion > FORMAT_VERSION) {
    throw new ParityError('BASELINE_FORMAT', `${rel(file)}: formatVersion ${m.formatVersion} is newer than this paritykit (supports 1–${FORMAT_VERSION}); upgrade paritykit or re-record`, { file });
  }
  if (m.formatVersion < 1 || !Number.isInteger(m.formatVersion)) {
    throw new ParityError('BASELINE_FORMAT', `${rel(file)}: formatVersion ${String(m.formatVersion)} is not a known baseline format (supports 1–${FORMAT_VERSION}); re-record`, { file });
  }
  if (!Array.isArray(m.scenarios) || typeof m.revision !== 'string') {
    throw new ParityError('BASELINE_CORRUPT', `${rel(file)}: manifest lacks "scenarios" or "revision"; restore it from git or re-record`, { file });
  }
}

async function decodePayload(dir: string, p: StoredPayload, where: string): Promise<Buffer> {
  if ('text' in p && typeof p.text === 'string') return Buffer.from(p.text, 'utf8');
  if ('blob' in p && typeof p.blob === 'string' && /^[0-9a-f]{64}$/.test(p.blob)) {
    const file = path.join(dir, blobPath(p.blob));
    let data: Buffer;
    try {
      data = await readFile(file);
    } catch {
      throw new ParityError('BASELINE_CORRUPT', `${rel(file)}: blob referenced by ${where} is missing; restore it from git or re-record`, { file });
    }
    if (sha256Hex(data) !== p.blob) {
      throw new ParityError('BASELINE_CORRUPT', `${rel(file)}: content does not match its sha256 (blob of ${where}); the file was modified or truncated — restore it from git or re-record`, { file });
    }
    return data;
  }
  throw new ParityError('BASELINE_CORRUPT', `${where}: payload is neither {text} nor {blob, size}; restore it from git or re-record`);
}

/**
 * Loads the current revision of `suite` from `baselineDir`, verifying formatVersion, every
 * scenario file's sha256 against the manifest, and every blob's content hash.
 */
export async function loadBaseline(baselineDir: string, suite: string): Promise<Baseline | null> {
  await recover(baselineDir, suite);
  const dir = path.join(baselineDir, suite);
  const manifestFile = path.join(dir, 'manifest.json');
  if (!(await exists(manifestFile))) return null;
  const manifest = await readJson<Manifest>(manifestFile);
  checkManifest(manifest, manifestFile, suite);
  const scenarios = new Map<string, BaselineScenario>();
  const timing = await readTiming(dir);
  const noiseFile = path.join(dir, 'noise.json');
  const noise = (await exists(noiseFile)) ? await readJson<Record<string, ScenarioNoise>>(noiseFile) : {};
  await Promise.all(
    manifest.scenarios.map(async ({ id, sha256 }) => {
      const file = path.join(dir, 'scenarios', `${id}.json`);
      let bytes: Buffer;
      try {
        bytes = await readFile(file);
      } catch {
        throw new ParityError('BASELINE_CORRUPT', `${rel(file)}: listed in manifest.json but missing; restore it from git or re-record`, { file });
      }
      if (sha256Hex(bytes) !== sha256) {
        throw new ParityError('BASELINE_CORRUPT', `${rel(file)}: content does not match the sha256 in manifest.json (edited by hand or half-written); restore it from git or re-record`, { file });
      }
      let stored: StoredScenario;
      try {
        stored = JSON.parse(bytes.toString('utf8')) as StoredScenario;
      } catch (err) {
        throw new ParityError('BASELINE_CORRUPT', `${rel(file)}: not valid JSON (${(err as Error).message})`, { file });
      }
      const where = rel(file);
      const o = stored.observation;
      const files: FileObservation[] = await Promise.all(
        (o.files ?? []).map(async (f: StoredFile) => ({
          path: f.path,
          change: f.change,
          format: f.format,
          content: f.content === null ? null : await decodePayload(dir, f.content, `${where} files["${f.path}"]`),
        })),
      );
      const decodeExchanges = (list: StoredExchange[], label: string) =>
        Promise.all(
          list.map(async (x, n) => ({
            request: { ...x.request, body: x.request.body === null ? null : await decodePayload(dir, x.request.body, `${where} ${label}[${n}].request.body`) },
            response: { ...x.response, body: await decodePayload(dir, x.response.body, `${where} ${label}[${n}].response.body`) },
            captures: x.captures,
            durationMs: 0,
          })),
        );
      const http = o.http
        ? {
            exchanges: await decodeExchanges(o.http.exchanges, 'http'),
            ...(o.http.outbound ? { outbound: await decodeExchanges(o.http.outbound, 'outbound') } : {}),
            ...(o.http.error ? { error: o.http.error } : {}),
          }
        : undefined;
      const db = o.db ? await loadDb(dir, o.db, `${where} db`) : undefined;
      scenarios.set(id, {
        id,
        input: stored.input,
        inputHash: stored.inputHash,
        observation: {
          ...(http ? { http } : {}),
          ...(db ? { db } : {}),
          ...(o.schema ? { schema: o.schema } : {}),
          stdout: await decodePayload(dir, o.stdout, `${where} stdout`),
          stderr: await decodePayload(dir, o.stderr, `${where} stderr`),
          exit: o.exit,
          files,
          timing: timing[id] ?? { durationMs: 0, peakRssBytes: null },
        },
        ...(noise[id] ? { noise: noise[id] } : {}),
      });
    }),
  );
  return { suite, dir, manifest, scenarios };
}

/** The db channel of a stored scenario, its events read back from the blob when stored there. */
async function loadDb(dir: string, stored: StoredDb, where: string): Promise<NonNullable<ScenarioObservation['db']>> {
  let changes = stored.changes ?? [];
  if (stored.changesBlob) {
    const data = await decodePayload(dir, stored.changesBlob, `${where}.changesBlob`);
    try {
      changes = decodeRowChangesJsonl(data);
    } catch (err) {
      const file = path.join(dir, blobPath(stored.changesBlob.blob));
      throw new ParityError('BASELINE_CORRUPT', `${rel(file)}: ${(err as Error).message} (events of ${where}); restore it from git or re-record`, { file });
    }
  }
  return { method: stored.method, ...(stored.reason ? { reason: stored.reason } : {}), ...(stored.error ? { error: stored.error } : {}), changes };
}

async function readTiming(dir: string): Promise<StoredTiming> {
  const file = path.join(dir, 'timing.json');
  if (!(await exists(file))) return {};
  return readJson<StoredTiming>(file);
}

/** Reads `history.jsonl` of a suite folder; an unparsable line is a BASELINE_CORRUPT error. */
export async function readHistory(dir: string): Promise<HistoryEntry[]> {
  const file = path.join(dir, 'history.jsonl');
  const text = await readFile(file, 'utf8').catch(() => '');
  const out: HistoryEntry[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    try {
      out.push(JSON.parse(line) as HistoryEntry);
    } catch {
      throw new ParityError('BASELINE_CORRUPT', `${rel(file)}:${i + 1}: not a JSON line; restore the file from git`, { file });
    }
  });
  return out;
}

function redactScenarioInput(s: Scenario, redact: (t: string) => string): Scenario {
  const rec = (r?: Record<string, string>) => (r ? Object.fromEntries(Object.entries(r).map(([k, v]) => [k, redact(v)])) : undefined);
  const out: Scenario = { id: s.id };
  if (s.args) out.args = s.args.map(redact);
  if (s.stdin !== undefined) out.stdin = redact(s.stdin);
  if (s.env) out.env = rec(s.env);
  if (s.files) out.files = rec(s.files);
  if (s.timeoutMs !== undefined) out.timeoutMs = s.timeoutMs;
  if (s.tags) out.tags = s.tags;
  if (s.requests) out.requests = JSON.parse(redact(JSON.stringify(s.requests))) as Scenario['requests'];
  return out;
}

/**
 * Serializes recordings into the v1 layout (in memory): scenario files, blobs, timing.
 * Redaction runs here, on the one write path, before any byte is written.
 */
export function serializeRecordings(
  recorded: RecordedScenario[],
  redactText: (t: string) => string = (t) => t,
  redactBuffer: (b: Buffer) => Buffer = (b) => b,
): { files: Map<string, Buffer>; blobs: Map<string, Buffer>; timing: StoredTiming; noise: Record<string, ScenarioNoise>; index: Array<{ id: string; sha256: string }> } {
  const files = new Map<string, Buffer>();
  const blobs = new Map<string, Buffer>();
  const timing: StoredTiming = {};
  const noise: Record<string, ScenarioNoise> = {};
  const index: Array<{ id: string; sha256: string }> = [];
  const put = (data: Buffer): StoredPayload => {
    const { stored, blob } = encodePayload(redactBuffer(data));
    if (blob) blobs.set(blob.hash, blob.data);
    return stored;
  };
  // HAR field names; credential headers always redacted; durations are timing, not stored here.
  const storeExchange = (x: HttpExchange): StoredExchange => ({
    request: { method: x.request.method, url: redactText(x.request.url), headers: redactHeaderList(x.request.headers, redactText), body: x.request.body === null ? null : put(x.request.body) },
    response: {
      status: x.response.status,
      statusText: x.response.statusText,
      headers: redactHeaderList(x.response.headers, redactText),
      body: put(x.response.body),
      ...(x.response.encoding ? { encoding: x.response.encoding } : {}),
    },
    captures: Object.fromEntries(Object.entries(x.captures).map(([k, v]) => [k, redactText(v)])),
  });
  const storeDb = (db: NonNullable<ScenarioObservation['db']>) => {
    const { stored, blob } = encodeDbObservation(db);
    if (blob) blobs.set(blob.hash, blob.data);
    return stored;
  };
  for (const { scenario, observation: o, noise: learned } of [...recorded].sort((a, b) => (a.scenario.id < b.scenario.id ? -1 : 1))) {
    if (learned && (learned.rules.length > 0 || learned.nondeterministic)) {
      noise[scenario.id] = {
        rules: learned.rules.map((r) => ({ ...r, ...(r.path ? { path: redactText(r.path) } : {}), values: r.values.map(redactText) })),
        ...(learned.nondeterministic ? { nondeterministic: redactText(learned.nondeterministic) } : {}),
      };
    }
    const stored: StoredScenario = {
      id: scenario.id,
      input: redactScenarioInput(scenario, redactText),
      inputHash: scenarioInputHash(scenario),
      observation: {
        stdout: put(o.stdout),
        stderr: put(o.stderr),
        exit: o.exit,
        files: o.files.map((f) => ({ path: redactText(f.path), change: f.change, format: f.format, content: f.content === null ? null : put(f.content) })),
        ...(o.http
          ? {
              http: {
                exchanges: o.http.exchanges.map(storeExchange),
                ...(o.http.outbound ? { outbound: o.http.outbound.map(storeExchange) } : {}),
                ...(o.http.error ? { error: redactText(o.http.error) } : {}),
              },
            }
          : {}),
        ...(o.db ? { db: storeDb(redactDbObservation(o.db, redactText)) } : {}),
        ...(o.schema ? { schema: o.schema } : {}),
      },
    };
    const bytes = Buffer.from(canonicalJson(stored), 'utf8');
    files.set(`scenarios/${scenario.id}.json`, bytes);
    index.push({ id: scenario.id, sha256: sha256Hex(bytes) });
    timing[scenario.id] = o.timing;
  }
  return { files, blobs, timing, noise, index };
}

/** Revision id: sha256 over the sorted (id, scenario-file sha256) pairs, 16 hex digits. */
export function revisionOf(index: Array<{ id: string; sha256: string }>): string {
  const text = index.map((e) => `${e.id}\0${e.sha256}\n`).join('');
  return sha256Hex(text).slice(0, 16);
}

/**
 * Writes a new revision of `suite` atomically (see the module comment) and appends its
 * history entry. With `dryRun`, computes the same result and writes nothing.
 *
 * @throws ParityError `BASELINE_FORMAT`/`BASELINE_CORRUPT` when the previous revision cannot
 * be read (it is never overwritten blindly).
 */
export async function saveBaseline(baselineDir: string, suite: string, recorded: RecordedScenario[], options: SaveOptions): Promise<SaveResult> {
  await recover(baselineDir, suite);
  const dir = path.join(baselineDir, suite);
  const previousManifestFile = path.join(dir, 'manifest.json');
  let previous: Manifest | null = null;
  if (await exists(previousManifestFile)) {
    previous = await readJson<Manifest>(previousManifestFile);
    checkManifest(previous, previousManifestFile, suite);
  }
  const { files, blobs, timing, noise, index } = serializeRecordings(recorded, options.redactText, options.redactBuffer);
  const revision = revisionOf(index);
  const prevById = new Map((previous?.scenarios ?? []).map((e) => [e.id, e.sha256]));
  const nextIds = new Set(index.map((e) => e.id));
  const added = index.filter((e) => !prevById.has(e.id)).map((e) => e.id);
  const changed = index.filter((e) => prevById.has(e.id) && prevById.get(e.id) !== e.sha256).map((e) => e.id);
  const removed = [...prevById.keys()].filter((id) => !nextIds.has(id)).sort();
  const result: SaveResult = { revision, previousRevision: previous?.revision ?? null, added, changed, removed, dir };
  if (options.dryRun) return result;

  const recordedAt = (options.now ?? new Date()).toISOString();
  const manifest: Manifest = {
    formatVersion: FORMAT_VERSION,
    suite,
    revision,
    recordedAt,
    legacy: options.legacy,
    paritykitVersion: options.paritykitVersion,
    scenarios: index,
  };
  const entry: HistoryEntry = {
    revision,
    previousRevision: previous?.revision ?? null,
    recordedAt,
    legacy: options.legacy,
    paritykitVersion: options.paritykitVersion,
    scenarios: index.length,
    added,
    changed,
    removed,
  };

  await mkdir(baselineDir, { recursive: true });
  const staging = path.join(baselineDir, `.${suite}.staging-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    await mkdir(path.join(staging, 'scenarios'), { recursive: true });
    for (const [hash, data] of blobs) {
      const target = path.join(staging, blobPath(hash));
      await mkdir(path.dirname(target), { recursive: true });
      const old = path.join(dir, blobPath(hash));
      // Reuse an unchanged blob of the previous revision by hard link (cheap), else write it.
      const linked = await link(old, target).then(() => true, () => false);
      if (!linked) await writeFile(target, data);
    }
    await Promise.all([...files].map(([relPath, data]) => writeFile(path.join(staging, relPath), data)));
    await writeFile(path.join(staging, 'timing.json'), canonicalJson(timing));
    await writeFile(path.join(staging, 'noise.json'), canonicalJson(noise));
    const oldHistory = path.join(dir, 'history.jsonl');
    if (await exists(oldHistory)) await copyFile(oldHistory, path.join(staging, 'history.jsonl'));
    // The legacy's perf figures are written beside the revision (savePerfFigures): keep them.
    const oldPerf = path.join(dir, PERF_FILE);
    if (await exists(oldPerf)) await copyFile(oldPerf, path.join(staging, PERF_FILE));
    await writeFile(path.join(staging, 'history.jsonl'), JSON.stringify(entry) + '\n', { flag: 'a' });
    // The manifest is written last: a staging folder without one is never promoted.
    await writeFile(path.join(staging, 'manifest.json'), canonicalJson(manifest));
    const previousDir = path.join(baselineDir, `.${suite}.previous-${randomBytes(4).toString('hex')}`);
    const hadPrevious = await exists(dir);
    if (hadPrevious) await rename(dir, previousDir);
    await rename(staging, dir);
    if (hadPrevious) await rm(previousDir, { recursive: true, force: true });
  } catch (err) {
    await rm(staging, { recursive: true, force: true }).catch(() => undefined);
    throw err;
  }
  return result;
}

/** File of the legacy's performance figures beside a suite's baseline (see harness/perf). */
export const PERF_FILE = 'perf.json';

/**
 * Reads `<baselineDir>/<suite>/perf.json`: the legacy's perf samples and the machine they were
 * measured on, or null when none were recorded.
 *
 * @throws ParityError `BASELINE_CORRUPT` (unreadable, not JSON), `BASELINE_FORMAT` (a
 *   formatVersion this paritykit does not know), naming the file.
 */
export async function loadPerfFigures(baselineDir: string, suite: string): Promise<StoredPerf | null> {
  const file = path.join(baselineDir, suite, PERF_FILE);
  if (!(await exists(file))) return null;
  const data = await readJson<StoredPerf>(file);
  if (data.formatVersion !== 1 || typeof data.scenarios !== 'object' || data.scenarios === null || typeof data.machine !== 'object') {
    throw new ParityError('BASELINE_FORMAT', `${rel(file)}: formatVersion ${String(data.formatVersion)} or its shape is not known to this paritykit (supports 1); upgrade paritykit or re-record with \`paritykit record --suite ${suite}\``, { file });
  }
  return data;
}

/**
 * Writes `<baselineDir>/<suite>/perf.json` atomically (a temporary file renamed over it). The
 * suite's baseline folder must exist (record saves the baseline first); later baseline
 * revisions carry the file over.
 */
export async function savePerfFigures(baselineDir: string, suite: string, figures: StoredPerf): Promise<string> {
  const file = path.join(baselineDir, suite, PERF_FILE);
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  await writeFile(tmp, JSON.stringify(figures, null, 2) + '\n');
  await rename(tmp, file);
  return file;
}
