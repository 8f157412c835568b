/**
 * `paritykit review` and `paritykit approve`: turn the differences a verify run left in the
 * report folder into accepted deviations (or re-record the legacy when it is the legacy that
 * changed). Neither command re-runs the candidate: they read `report.json`, as `cargo insta
 * review` reads the `.snap.new` files insta's runtime wrote (STYLE.md, "Runtime and review
 * apart").
 *
 * A deviation written here is as narrow as the report allows: one entry per difference item
 * (JSON change, CSV change, pair of text lines, exit field), pinned to the scenario, channel,
 * file, place and both values, so it explains exactly this difference and nothing wider.
 * Entries are appended to `deviations.yaml` beside the config file with yaml's Document API,
 * so comments and entries already there are kept.
 *
 * @see https://insta.rs/docs/cli/ for the review flow this follows
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Writable } from 'node:stream';
import { isDeepStrictEqual } from 'node:util';
import { input, select } from '@inquirer/prompts';
import type { Command } from 'commander';
import { createColors } from 'picocolors';
import picomatch from 'picomatch';
import YAML from 'yaml';
import { createFsBaselineStore } from '../baselines/store.ts';
import { channelLabel, differingChannels, formatTimestamp } from '../reporters/format.ts';
import type { ParityReport, ScenarioReport } from '../reporters/model.ts';
import { displayWidth, inert } from '../reporters/terminal.ts';
import { readReport, writeFileAtomic } from '../reporters/write.ts';
import type { CliIo } from './cli.ts';
import { loadConfig, type ResolvedConfig } from './config.ts';
import { DEVIATIONS_FILE_NAMES, isExpired, localDate, type Deviation, type DeviationChannel } from './deviations.ts';
import { ParityError } from './errors.ts';
import type { ChannelResult } from './model.ts';
import { isRawJson } from './normalize/json-text.ts';
import { recordSuite } from './record.ts';

/** What a person says about a difference they accept: the parts of a deviation that are not
 * derived from the difference itself. */
export interface DeviationMeta {
  /** Why the difference is intended. Required, not blank. */
  reason: string;
  /** Ticket or URL that tracks the change. */
  ticket?: string;
  /** Who answers for it. */
  owner?: string;
  /** `YYYY-MM-DD`: after this day the deviation no longer accepts anything and fails the run. */
  expires?: string;
}

/** The channels a deviation can name (`timing` is never compared). */
const DEVIATION_CHANNELS: ReadonlySet<string> = new Set<DeviationChannel>(['stdout', 'stderr', 'exit', 'files', 'http']);

/** The part of a deviation that says which difference it explains (one item of a difference). */
interface ItemMatch {
  where?: string;
  legacy?: unknown;
  candidate?: unknown;
}

/**
 * Builds the deviation entries that accept exactly the differences of one scenario as the
 * report shows them: one entry per difference item of each `diff` channel (channels already
 * `accepted` or passing are left out).
 *
 * Every entry names the suite, `scenarios: [id]`, the channel and, for the files channel, the
 * file (as a glob that matches only that path). Then, per kind of difference (the items are
 * those `applyDeviations` in harness/deviations.ts decomposes a difference into):
 * - `json`: one entry per change; `where` = its concrete JSONPath, `legacy`/`candidate` = the
 *   values (a side is absent for an added or removed value);
 * - `csv`: one per change; `where` = the column for a changed cell, `order`, `header`, or
 *   `row` for an added/removed row; values = the cell (or row) strings;
 * - `text`: one per pair of removed/added lines of a hunk (i-th removed with i-th added), with
 *   no `where`; an unpaired line gives an entry with one side only;
 * - `value`: the exit observation gives one entry per differing field (`where: code`, `signal`,
 *   `timedOut`); a file's presence difference gives `where: presence`;
 * - `binary`, and `text` marked `truncated`: one *broad* entry with no where/legacy/candidate,
 *   accepting any difference of that channel (and file) in this scenario: see
 *   {@link isBroadDeviation}; callers warn about it.
 *
 * A string value that looks like a pattern (`/…/flags`) is written as an anchored regex that
 * matches only that exact string, so it is never read as a pattern.
 *
 * Ids are `<suite>.<scenario>.<channel>` (`<suite>.<scenario>.files.<path>` for a file), with
 * `.<n>` (1-based) appended when one channel gives several entries; characters outside
 * `[A-Za-z0-9._-]` become `_`. They may still collide with existing entries:
 * {@link appendDeviations} resolves that.
 *
 * @throws ParityError `USAGE` when `meta.reason` is blank or `meta.expires` is not a real
 *   `YYYY-MM-DD` date.
 */
export function deviationsFromScenario(suite: string, scenario: ScenarioReport, meta: DeviationMeta): Deviation[] {
  checkMeta(meta);
  const out: Deviation[] = [];
  for (const result of differingChannels(scenario)) {
    if (!DEVIATION_CHANNELS.has(result.channel)) continue;
    const items = itemsOf(result);
    const base = [suite, scenario.id, result.channel, ...(result.path !== undefined ? [result.path] : [])].join('.');
    items.forEach((item, i) => {
      // Built in the order the fields read best in deviations.yaml: scope, place, values, why.
      const entry: Deviation = {
        id: sanitizeId(items.length > 1 ? `${base}.${i + 1}` : base),
        suite,
        scenarios: [scenario.id],
        channel: result.channel as DeviationChannel,
      } as Deviation;
      if (result.path !== undefined) entry.file = escapeGlob(result.path);
      if (item.where !== undefined) entry.where = item.where;
      if ('legacy' in item) entry.legacy = literal(plainJson(item.legacy));
      if ('candidate' in item) entry.candidate = literal(plainJson(item.candidate));
      entry.reason = meta.reason.trim();
      if (meta.ticket !== undefined && meta.ticket.trim() !== '') entry.ticket = meta.ticket.trim();
      if (meta.owner !== undefined && meta.owner.trim() !== '') entry.owner = meta.owner.trim();
      if (meta.expires !== undefined && meta.expires !== '') entry.expires = meta.expires;
      out.push(entry);
    });
  }
  return out;
}

/**
 * True for an entry with none of `where`, `legacy`, `candidate`: it accepts every difference
 * of its channel (and file) in its scenarios, today's and any later one. Written only for
 * binary content and truncated text diffs, which cannot be narrowed.
 */
export function isBroadDeviation(entry: Deviation): boolean {
  return entry.where === undefined && !('legacy' in entry) && !('candidate' in entry);
}

/** The difference items of one differing channel, or a single empty match when it can only be
 * accepted whole. */
function itemsOf(result: ChannelResult): ItemMatch[] {
  const d = result.difference;
  if (d === undefined) return [{}];
  switch (d.kind) {
    case 'json':
      return d.changes.map((c) => withSides({ where: c.path }, c));
    case 'csv':
      return d.changes.map((c) => {
        const where = csvWhere(c.kind, c.column);
        return withSides(where === '' ? {} : { where: literalWhere(where) }, c);
      });
    case 'text': {
      if (d.truncated) return [{}];
      const items = d.hunks.flatMap((hunk) => textPairs(hunk.lines));
      return items.length > 0 ? items : [{}];
    }
    case 'value':
      return valueItems(result, d.legacy, d.candidate);
    case 'binary':
      return [{}];
    case 'rows':
      return d.tables.flatMap((t) =>
        t.rows.flatMap((r): ItemMatch[] =>
          r.kind === 'changed'
            ? (r.cells ?? []).map((c) => withSides({ where: literalWhere(`${t.table}.${c}`) }, { legacy: r.legacy?.after?.[c] ?? r.legacy?.before?.[c], candidate: r.candidate?.after?.[c] ?? r.candidate?.before?.[c] }))
            : [{ where: literalWhere(t.table) }],
        ),
      );
    case 'schema':
      return d.changes.map((c) => withSides({ where: literalWhere(c.name) }, c));
  }
}

function withSides(item: ItemMatch, change: { legacy?: unknown; candidate?: unknown }): ItemMatch {
  if (change.legacy !== undefined) item.legacy = change.legacy;
  if (change.candidate !== undefined) item.candidate = change.candidate;
  return item;
}

function csvWhere(kind: 'changed' | 'added' | 'removed' | 'header' | 'order', column: string | undefined): string {
  switch (kind) {
    case 'changed':
      return column ?? '';
    case 'added':
    case 'removed':
      return 'row';
    case 'header':
    case 'order':
      return kind;
  }
}

/**
 * The line pairs of a hunk, as harness/deviations.ts decomposes them: each run of changed lines
 * (between context lines) pairs its i-th removed line with its i-th added line (without the
 * `-`/`+` prefix); the longer side's extra lines give items with one side only. The
 * `\ No newline at end of file` markers are not items.
 */
function textPairs(lines: readonly string[]): ItemMatch[] {
  const items: ItemMatch[] = [];
  let removed: string[] = [];
  let added: string[] = [];
  const flush = () => {
    for (let i = 0; i < Math.max(removed.length, added.length); i++) {
      const item: ItemMatch = {};
      if (i < removed.length) item.legacy = removed[i];
      if (i < added.length) item.candidate = added[i];
      items.push(item);
    }
    removed = [];
    added = [];
  };
  for (const line of lines) {
    if (line.startsWith('-')) removed.push(line.slice(1));
    else if (line.startsWith('+')) added.push(line.slice(1));
    else if (line.startsWith(' ')) flush();
  }
  flush();
  return items;
}

function valueItems(result: ChannelResult, legacy: unknown, candidate: unknown): ItemMatch[] {
  if (result.channel === 'files') return [{ where: 'presence', legacy, candidate }];
  if (isRecord(legacy) && isRecord(candidate)) {
    const keys = [...new Set([...Object.keys(legacy), ...Object.keys(candidate)])];
    const items = keys
      .filter((k) => !isDeepStrictEqual(legacy[k], candidate[k]))
      .map((k) => ({ where: k, legacy: legacy[k], candidate: candidate[k] }));
    if (items.length > 0) return items;
  }
  return [{ legacy, candidate }];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A string of the `/…/flags` form is a pattern in a deviation (harness/deviations.ts). */
const PATTERN_FORM = /^\/.*\/[A-Za-z]*$/s;

/** A value to write as `legacy`/`candidate` that means exactly this value. */
function literal(value: unknown): unknown {
  return typeof value === 'string' && PATTERN_FORM.test(value) ? exactPattern(value) : value;
}

/** A CSV column name as a `where` that means exactly it: a name that would be read as a pattern
 * (`/…/`) or as a JSONPath (`$…`) is written as an anchored regex. */
function literalWhere(column: string): string {
  return PATTERN_FORM.test(column) || column.startsWith('$') ? exactPattern(column) : column;
}

/** `/^…$/` matching exactly `text`. */
function exactPattern(text: string): string {
  return `/^${text.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&')}$/`;
}

/**
 * A value with raw-JSON leaves (numbers too precise for a double, see json-text.ts) made
 * writable as YAML: an integer becomes a BigInt, written with all its digits; any other such
 * number becomes the nearest double. Deviations compare numbers by value, so both still match
 * the raw leaf they came from. Values read back from report.json have no raw leaves.
 */
function plainJson(value: unknown): unknown {
  if (isRawJson(value)) {
    const text = (value as { rawJSON: string }).rawJSON;
    return /^-?\d+$/.test(text) ? BigInt(text) : Number(text);
  }
  if (Array.isArray(value)) return value.map(plainJson);
  if (isRecord(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plainJson(v)]));
  return value;
}

/** A picomatch glob matching exactly `file`: every glob metacharacter backslash-escaped. */
function escapeGlob(file: string): string {
  return file.replace(/[\\*?[\]{}()!+@|^$]/g, '\\$&');
}

function sanitizeId(id: string): string {
  return id.replace(/[^A-Za-z0-9._-]/g, '_');
}

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

function checkMeta(meta: DeviationMeta): void {
  if (typeof meta.reason !== 'string' || meta.reason.trim() === '') {
    throw new ParityError('USAGE', 'a deviation needs a reason: say why the candidate may differ here (e.g. --as-deviation "rounds half-even, ticket FIN-12")');
  }
  if (meta.expires !== undefined && meta.expires !== '' && !isRealDate(meta.expires)) {
    throw new ParityError('USAGE', `expires ${JSON.stringify(meta.expires)}: expected a date as YYYY-MM-DD, e.g. 2026-03-31`);
  }
}

function isRealDate(text: string): boolean {
  const m = DATE_RE.exec(text);
  if (!m) return false;
  const date = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return date.toISOString().slice(0, 10) === text;
}

// ---------------------------------------------------------------------------------------------
// Writing deviations.yaml

const FILE_HEADER = [
  ' Known deviations: intentional, reviewed differences between the legacy and the candidate.',
  ' `paritykit verify` gives a difference that an entry here explains the verdict `accepted`.',
  ' Written by `paritykit review` and `paritykit approve`; edit freely (see docs/deviations.md).',
].join('\n');

/** Options of {@link appendDeviations}. */
export interface AppendDeviationsOptions {
  /** A comment written above an entry (one line; e.g. the difference it accepts). */
  comment?: (entry: Deviation) => string | undefined;
  /** Ids used elsewhere (the config's inline `deviations`): never given to a new entry. */
  reservedIds?: Iterable<string>;
}

/** What {@link appendDeviations} did. */
export interface AppendDeviationsResult {
  /** Absolute path of the deviations file. */
  file: string;
  /** True when the file did not exist and was created. */
  created: boolean;
  /** Entries written, with their final ids. */
  written: Deviation[];
  /** Ids that were taken by a different entry, and the id used instead (`<id>-2`, `-3`, …). */
  renamed: Array<{ from: string; to: string }>;
  /** Entries not written because an entry with the same suite, scenarios, tags, channel, file,
   * where, legacy and candidate is already in the file (`existing` is that entry). */
  alreadyPresent: Array<{ entry: Deviation; existing: Deviation }>;
}

/**
 * Appends deviation entries to the deviations file in `rootDir` (the config file's folder):
 * `deviations.yaml`, or `deviations.yml` when only that exists; created with a header comment
 * and a `deviations:` list when neither exists. The file is edited through yaml's Document
 * API, so existing comments, entries and their order are kept; it is written atomically.
 *
 * Id collisions are resolved by auto-suffixing: an id already used by a different entry
 * becomes `<id>-2` (then `-3`, …). An entry identical in what it matches to one already in
 * the file is not written again (see {@link AppendDeviationsResult.alreadyPresent}).
 *
 * @throws ParityError `CONFIG_INVALID` naming the file when it is not YAML, or is neither a
 *   list nor a map with a `deviations` list (fix or move the file).
 */
export async function appendDeviations(
  rootDir: string,
  entries: readonly Deviation[],
  options: AppendDeviationsOptions = {},
): Promise<AppendDeviationsResult> {
  const { file, text } = await findDeviationsFile(rootDir);
  const created = text === null;
  const doc = text === null ? newDeviationsDocument() : YAML.parseDocument(text);
  if (doc.errors.length > 0) {
    throw new ParityError('CONFIG_INVALID', `${file}: not valid YAML (${doc.errors[0]!.message.split('\n')[0]}); fix the file, then run the command again`, { file });
  }
  const list = deviationList(doc, file);
  const existing = list.items
    .map((node) => (YAML.isNode(node) ? node.toJS(doc) : node) as unknown)
    .filter((e): e is Deviation => isRecord(e));
  const taken = new Set([...existing.map((e) => String(e.id)), ...(options.reservedIds ?? [])]);
  const result: AppendDeviationsResult = { file, created, written: [], renamed: [], alreadyPresent: [] };
  let previousComment: string | undefined;
  for (const entry of entries) {
    const same = existing.find((e) => sameMatch(e, entry)) ?? result.written.find((e) => sameMatch(e, entry));
    if (same) {
      result.alreadyPresent.push({ entry, existing: same });
      continue;
    }
    let id = entry.id;
    for (let n = 2; taken.has(id); n++) id = `${entry.id}-${n}`;
    if (id !== entry.id) result.renamed.push({ from: entry.id, to: id });
    taken.add(id);
    const final: Deviation = { ...entry, id };
    const node = doc.createNode(final);
    // Entries from one difference share a comment: it is written once, above the first, and the
    // group is set apart from what precedes it by a blank line.
    const comment = options.comment?.(entry);
    const opensGroup = comment === undefined || comment === '' || comment !== previousComment;
    if (opensGroup && comment !== undefined && comment !== '') node.commentBefore = ` ${oneLine(comment)}`;
    if (opensGroup && list.items.length > 0) node.spaceBefore = true;
    previousComment = comment;
    list.items.push(node);
    result.written.push(final);
  }
  if (result.written.length > 0) {
    list.flow = false;
    await writeFileAtomic(file, doc.toString({ lineWidth: 0 }));
  }
  return result;
}

async function findDeviationsFile(rootDir: string): Promise<{ file: string; text: string | null }> {
  for (const name of DEVIATIONS_FILE_NAMES) {
    const file = path.join(rootDir, name);
    try {
      return { file, text: await readFile(file, 'utf8') };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
  return { file: path.join(rootDir, DEVIATIONS_FILE_NAMES[0]!), text: null };
}

function newDeviationsDocument(): YAML.Document {
  const doc = new YAML.Document({ deviations: [] });
  doc.commentBefore = FILE_HEADER;
  return doc;
}

/** The YAML sequence entries go into: the root list, or the `deviations` list of a root map
 * (created when the key is missing or empty). */
function deviationList(doc: YAML.Document, file: string): YAML.YAMLSeq {
  const root = doc.contents;
  if (root === null || (YAML.isScalar(root) && (root.value === null || root.value === ''))) {
    const fresh = newDeviationsDocument();
    doc.contents = fresh.contents;
    if (!doc.commentBefore) doc.commentBefore = FILE_HEADER;
    return doc.get('deviations', true) as YAML.YAMLSeq;
  }
  if (YAML.isSeq(root)) return root;
  if (YAML.isMap(root)) {
    const list = root.get('deviations', true);
    if (YAML.isSeq(list)) return list;
    if (list === undefined || (YAML.isScalar(list) && list.value === null)) {
      const seq = doc.createNode([]) as YAML.YAMLSeq;
      root.set('deviations', seq);
      return seq;
    }
  }
  throw new ParityError(
    'CONFIG_INVALID',
    `${file}: expected a list of deviations, or a map with a \`deviations:\` list; fix the file (see docs/deviations.md), then run the command again`,
    { file },
  );
}

const MATCH_FIELDS = ['suite', 'scenarios', 'tags', 'channel', 'file', 'where', 'legacy', 'candidate'] as const;

function sameMatch(a: Deviation, b: Deviation): boolean {
  return MATCH_FIELDS.every((k) => isDeepStrictEqual(a[k], b[k]));
}

function oneLine(text: string): string {
  return inert(text.replace(/\s*\r?\n\s*/g, ' ')).slice(0, 300);
}

// ---------------------------------------------------------------------------------------------
// Showing a scenario's differences

/** Options of {@link renderScenarioDifferences}. */
export interface RenderDifferencesOptions {
  /** Columns available (default 80); no line is wider when `color` is false. */
  width?: number;
  color?: boolean;
  /** Diff lines shown in all before clipping (default 40). */
  maxLines?: number;
}

/**
 * Renders one differing scenario for review: a header `suite › id  (3 of 17)`, then for each
 * differing channel a rule with its label and summary, and the channel's `unified` diff; at
 * most `maxLines` diff lines in all, then `… N more lines`. Text from the systems under test
 * is made inert (no control characters reach the terminal) and clipped to `width`.
 *
 * @returns text ending in a newline.
 */
export function renderScenarioDifferences(
  suite: string,
  scenario: ScenarioReport,
  position: { index: number; total: number },
  options: RenderDifferencesOptions = {},
): string {
  const width = Math.max(40, Math.floor(options.width ?? 80));
  const c = createColors(options.color ?? false);
  const counter = `  (${position.index} of ${position.total})`;
  const label = clip(inert(`${suite} › ${scenario.id}`), width - counter.length);
  const out = ['', c.bold(label) + c.dim(counter)];
  if (scenario.tags.length > 0) out.push(c.dim(clip(`tags: ${inert(scenario.tags.join(', '))}`, width)));
  let budget = Math.max(1, Math.floor(options.maxLines ?? 40));
  let hidden = 0;
  for (const result of differingChannels(scenario)) {
    const title = `── ${inert(channelLabel(result))}: ${inert(result.difference!.summary)} `;
    const rule = clip(title, width);
    out.push(c.bold(rule + '─'.repeat(Math.max(0, width - displayWidth(rule)))));
    const body = result.difference!.unified.split(/\r?\n/);
    if (body.length > 0 && body[body.length - 1] === '') body.pop();
    for (const raw of body) {
      if (budget === 0) {
        hidden++;
        continue;
      }
      budget--;
      out.push(paintDiffLine(c, raw, clip(inert(raw), width)));
    }
  }
  if (hidden > 0) out.push(c.dim(clip(`… ${hidden} more lines (the HTML report has them all)`, width)));
  return out.join('\n') + '\n';
}

function paintDiffLine(c: ReturnType<typeof createColors>, raw: string, text: string): string {
  if (raw.startsWith('+++') || raw.startsWith('---')) return c.bold(text);
  if (raw.startsWith('@@')) return c.cyan(text);
  if (raw.startsWith('+')) return c.green(text);
  if (raw.startsWith('-')) return c.red(text);
  if (raw.startsWith('~')) return c.yellow(text);
  return text;
}

/** Text cut to at most `width` display columns, ending in `…` when cut. */
function clip(text: string, width: number): string {
  if (displayWidth(text) <= width) return text;
  let out = '';
  let used = 0;
  for (const ch of text) {
    const w = displayWidth(ch);
    if (used + w > width - 1) break;
    out += ch;
    used += w;
  }
  return out + '…';
}

/**
 * Two lines describing an entry for the terminal, each clipped to `width` columns:
 * ```
 * ledger.r1.stdout.2
 *     stdout: "total 2.62" → "total 2.63"
 * ```
 */
export function describeEntry(entry: Deviation, width = 80): string {
  const place = [entry.channel, entry.file, entry.where].filter((s) => s !== undefined).join(' ');
  const sides = isBroadDeviation(entry)
    ? 'any difference'
    : [('legacy' in entry ? show(entry.legacy) : '(any)'), ('candidate' in entry ? show(entry.candidate) : '(any)')].join(' → ');
  return `${clip(inert(entry.id), width)}\n${clip(inert(`    ${place}: ${sides}`), width)}`;
}

function show(value: unknown): string {
  const text = JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? Number(v) : v)) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 59)}…` : text;
}

// ---------------------------------------------------------------------------------------------
// Prompts

/** The choices of the review menu. */
export type ReviewAction = 'accept' | 'rerecord' | 'skip' | 'quit';

/**
 * The questions `review` asks; injectable so tests (and other front ends) can answer them.
 * `inquirerPrompts` is the terminal implementation.
 */
export interface ReviewPrompts {
  /** The menu for one scenario. */
  action(message: string): Promise<ReviewAction>;
  /** A line of text; with `required`, a blank answer is refused and asked again. */
  text(message: string, options: { required: boolean }): Promise<string>;
}

/**
 * The review prompts on a terminal, with `@inquirer/prompts`: a `select` menu (type the
 * letter `a`/`r`/`s`/`q` or use the arrows, then Enter) and `input` for the texts.
 *
 * @param context the streams to read keys from and draw on (process stdin/stdout by default).
 */
export function inquirerPrompts(context: { input?: NodeJS.ReadableStream; output?: NodeJS.WritableStream & { columns?: number; isTTY?: boolean } } = {}): ReviewPrompts {
  const streams = () => ({ input: context.input, output: context.output ? unendingOutput(context.output) : undefined });
  return {
    action: (message) =>
      select<ReviewAction>(
        {
          message,
          choices: [
            { value: 'accept', name: 'a  accept as a deviation (asks for a reason)' },
            { value: 'rerecord', name: 'r  re-record from the legacy (the legacy changed)' },
            { value: 'skip', name: 's  skip' },
            { value: 'quit', name: 'q  quit' },
          ],
        },
        streams(),
      ),
    text: (message, { required }) =>
      input(
        {
          message,
          validate: required ? (value: string) => value.trim() !== '' || 'required: type a few words, then Enter' : undefined,
        },
        streams(),
      ),
  };
}

/**
 * A stream that forwards writes to `target` but never ends it. Each inquirer prompt pipes its
 * output into the context's stream and ends it when the prompt is done (Node's legacy `pipe`
 * spares only process.stdout/stderr), so a CLI stream given in `CliIo` would be closed after
 * the first prompt. Columns and TTY-ness are passed through for line wrapping.
 */
function unendingOutput(target: NodeJS.WritableStream & { columns?: number; isTTY?: boolean }): NodeJS.WritableStream {
  const forward = new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      target.write(chunk);
      callback();
    },
  });
  Object.defineProperty(forward, 'columns', { get: () => target.columns });
  Object.defineProperty(forward, 'isTTY', { get: () => target.isTTY });
  return forward;
}

/** Ctrl-C in an inquirer prompt rejects with an `ExitPromptError`: review then stops as on `q`. */
function isPromptExit(error: unknown): boolean {
  return error instanceof Error && (error.name === 'ExitPromptError' || error.name === 'AbortPromptError');
}

// ---------------------------------------------------------------------------------------------
// The commands

/** Options shared by `review` and `approve`, as commander parses them. */
export interface ReviewCommandOptions {
  config?: string;
  reportDir?: string;
  suite?: string[];
  scenario?: string[];
}

/** Options of `approve`. */
export interface ApproveCommandOptions extends ReviewCommandOptions {
  asDeviation: string;
  ticket?: string;
  owner?: string;
  expires?: string;
}

/** What `review` and `approve` take from outside, injectable for tests. */
export interface ReviewDeps {
  /** Where review reads keys; it must be a TTY. Default `process.stdin`. */
  stdin?: NodeJS.ReadableStream & { isTTY?: boolean };
  /** Default: {@link inquirerPrompts} on `stdin` and the CLI's stdout. */
  prompts?: ReviewPrompts;
  /** Today as `YYYY-MM-DD` (expiry checks). Default: `localDate()`, as verify uses. */
  today?: () => string;
}

interface Located {
  suite: string;
  scenario: ScenarioReport;
}

interface Loaded {
  config: ResolvedConfig;
  report: ParityReport;
  reportFile: string;
}

async function loadForReview(io: CliIo, opts: ReviewCommandOptions): Promise<Loaded> {
  const config = await loadConfig(io.cwd, opts.config);
  const reportDir = opts.reportDir ? path.resolve(io.cwd, opts.reportDir) : config.reportDir;
  const report = await readReport(reportDir);
  const reportFile = reportDir.endsWith('.json') ? reportDir : path.join(reportDir, 'report.json');
  return { config, report, reportFile };
}

/** Scenarios of the report in the selected suites whose id matches the globs (all when none). */
function scenariosOf(report: ParityReport, suites: string[] | undefined, globs: string[] | undefined): Located[] {
  if (suites && suites.length > 0) {
    const known = new Set(report.suites.map((s) => s.name));
    for (const name of suites) {
      if (!known.has(name)) {
        throw new ParityError('USAGE', `--suite ${name}: no such suite in the report (suites: ${[...known].join(', ') || 'none'})`);
      }
    }
  }
  const match = globs && globs.length > 0 ? picomatch(globs) : () => true;
  return report.suites
    .filter((s) => !suites || suites.length === 0 || suites.includes(s.name))
    .flatMap((s) => s.scenarios.filter((x) => match(x.id)).map((scenario) => ({ suite: s.name, scenario })));
}

function isDiffering(entry: Located): boolean {
  return entry.scenario.verdict === 'diff' && differingChannels(entry.scenario).length > 0;
}

function useColor(io: CliIo): boolean {
  if (io.env.NO_COLOR !== undefined && io.env.NO_COLOR !== '') return false;
  if (io.env.FORCE_COLOR !== undefined && io.env.FORCE_COLOR !== '0') return true;
  return Boolean(io.stdout.isTTY);
}

function terminalWidth(io: CliIo): number {
  return Math.min(120, io.stdout.columns ?? 80);
}

/** The command that shows the new verdicts, with the same --config the user gave. */
function verifyHint(opts: ReviewCommandOptions): string {
  const config = opts.config ? ` --config ${opts.config}` : '';
  return `paritykit verify${config}`;
}

/** A comment above each written entry: the difference it accepts, and when. */
function entryComment(located: Located, today: string, via: string): (entry: Deviation) => string {
  return (entry) => {
    const result = differingChannels(located.scenario).find((r) => r.channel === entry.channel && (r.path === undefined || escapeGlob(r.path) === entry.file));
    const summary = result?.difference ? `: ${channelLabel(result)}: ${result.difference.summary}` : '';
    return `${located.suite} › ${located.scenario.id}${summary} (${via}, ${today})`;
  };
}

/** Ids of the deviations the config already has (deviations.yaml and the config's inline
 * list): a new entry never reuses one, since loadDeviations refuses an id used twice. */
function knownIds(config: ResolvedConfig): string[] {
  return config.deviations.map((d) => d.id);
}

/** A deviation must name a suite of the config (loadConfig refuses others): the report may be
 * older than the config. Returns why not, or null. */
function unknownSuite(config: ResolvedConfig, suite: string): string | null {
  if (config.suites.some((s) => s.name === suite)) return null;
  return `suite ${suite} of the report is not in ${config.file} (suites: ${config.suites.map((s) => s.name).join(', ')}); a deviation must name a configured suite — re-run paritykit verify`;
}

/** Prints what was written, what was already there, and warns about broad entries. */
function printWritten(io: CliIo, result: AppendDeviationsResult, today: string, c: ReturnType<typeof createColors>): void {
  const where = path.relative(io.cwd, result.file) || result.file;
  const width = terminalWidth(io);
  if (result.written.length > 0) {
    const verb = result.created ? 'created' : 'appended to';
    io.stdout.write(`${c.green('✔')} ${verb} ${where}: ${result.written.length} ${result.written.length === 1 ? 'deviation' : 'deviations'}\n`);
    for (const entry of result.written) io.stdout.write(`${describeEntry(entry, width - 2).replace(/^/gm, '  ')}\n`);
  }
  for (const { from, to } of result.renamed) io.stdout.write(c.dim(`  id ${from} was taken by another entry; wrote it as ${to}\n`));
  for (const { existing } of result.alreadyPresent) {
    const expired = isExpired(existing, today) ? ` — it expired on ${existing.expires}: extend or remove its expires in ${where}` : '';
    io.stdout.write(c.yellow(`  already in ${where} as ${existing.id}; not written again${expired}\n`));
  }
  for (const entry of result.written.filter(isBroadDeviation)) {
    const what = `${entry.channel}${entry.file !== undefined ? ` ${entry.file}` : ''}`;
    io.stderr.write(
      c.yellow(`warning: ${entry.id} is broad: it accepts ANY difference in ${what} of ${entry.scenarios?.join(', ')} (binary content or a truncated diff cannot be narrowed); consider a normalizer instead\n`),
    );
  }
}

/**
 * `paritykit review`: walks the differing scenarios of the last verify (report.json), shows
 * each one's differences and asks: accept as a deviation, re-record from the legacy, skip,
 * quit. Never re-runs the candidate.
 *
 * @returns the exit code: 0 (also after quitting early).
 * @throws ParityError `USAGE` when stdin is not a terminal (use `paritykit approve` in
 *   scripts), when there is no report, or for an unknown `--suite`; `CONFIG_*` from the config;
 *   `TARGET_FAILED` when re-recording cannot start the legacy.
 */
export async function runReview(io: CliIo, opts: ReviewCommandOptions, deps: ReviewDeps = {}): Promise<number> {
  const stdin = deps.stdin ?? process.stdin;
  if (!deps.prompts && !stdin.isTTY) {
    throw new ParityError(
      'USAGE',
      'review is interactive and stdin is not a terminal; in scripts and CI use `paritykit approve --scenario <glob> --as-deviation "reason"`',
    );
  }
  const prompts = deps.prompts ?? inquirerPrompts({ input: stdin, output: io.stdout });
  const today = (deps.today ?? (() => localDate()))();
  const { config, report, reportFile } = await loadForReview(io, opts);
  const c = createColors(useColor(io));
  const queue = scenariosOf(report, opts.suite, opts.scenario).filter(isDiffering);
  const from = `${path.relative(io.cwd, reportFile) || reportFile} (verify of ${formatTimestamp(report.run.startedAt)})`;
  if (queue.length === 0) {
    io.stdout.write(`Nothing to review: no differing scenario${opts.scenario || opts.suite ? ' matches' : ''} in ${from}.\n`);
    return 0;
  }
  io.stdout.write(`Reviewing ${queue.length} differing ${queue.length === 1 ? 'scenario' : 'scenarios'} from ${from}\n`);

  const counts = { accepted: 0, rerecorded: 0, skipped: 0 };
  let reviewed = 0;
  try {
    for (const [i, located] of queue.entries()) {
      io.stdout.write(renderScenarioDifferences(located.suite, located.scenario, { index: i + 1, total: queue.length }, { width: terminalWidth(io), color: useColor(io) }));
      const outcome = await reviewOne(io, config, located, prompts, today, c);
      if (outcome === 'quit') break;
      reviewed++;
      if (outcome === 'accept') counts.accepted++;
      else if (outcome === 'rerecord') counts.rerecorded++;
      else counts.skipped++;
    }
  } catch (error) {
    if (!isPromptExit(error)) throw error;
    io.stdout.write('\n');
  }
  const left = queue.length - reviewed;
  io.stdout.write(
    `\n${c.bold('Review done')}: accepted ${counts.accepted}, re-recorded ${counts.rerecorded}, skipped ${counts.skipped}` +
      (left > 0 ? `, not reviewed ${left}` : '') +
      '.\n',
  );
  if (counts.accepted + counts.rerecorded > 0) {
    io.stdout.write(`Run \`${verifyHint(opts)}\` to see the new verdicts (report.json still shows the old ones).\n`);
  }
  return 0;
}

/** Asks about one scenario until it is settled; returns what happened. */
async function reviewOne(
  io: CliIo,
  config: ResolvedConfig,
  located: Located,
  prompts: ReviewPrompts,
  today: string,
  c: ReturnType<typeof createColors>,
): Promise<ReviewAction> {
  for (;;) {
    const action = await prompts.action(`${inert(located.suite)} › ${inert(located.scenario.id)}:`);
    if (action === 'skip' || action === 'quit') return action;
    if (action === 'accept') {
      const problem = unknownSuite(config, located.suite);
      if (problem) {
        io.stdout.write(c.yellow(`Cannot accept: ${problem}. Choose another action.\n`));
        continue;
      }
      const reason = (await prompts.text('Reason (why may the candidate differ here?)', { required: true })).trim();
      const ticket = (await prompts.text('Ticket (optional, Enter to skip)', { required: false })).trim();
      const owner = (await prompts.text('Owner (optional, Enter to skip)', { required: false })).trim();
      const entries = deviationsFromScenario(located.suite, located.scenario, { reason, ticket, owner });
      const result = await appendDeviations(config.rootDir, entries, { comment: entryComment(located, today, 'paritykit review'), reservedIds: knownIds(config) });
      printWritten(io, result, today, c);
      return 'accept';
    }
    const done = await rerecord(io, config, located, c);
    if (done) return 'rerecord';
  }
}

/** Re-records one scenario from the legacy; false (after saying why) when it cannot be. */
async function rerecord(io: CliIo, config: ResolvedConfig, located: Located, c: ReturnType<typeof createColors>): Promise<boolean> {
  const suite = config.suites.find((s) => s.name === located.suite);
  const scenario = suite?.scenarios.find((s) => s.id === located.scenario.id);
  if (!suite || !scenario) {
    const what = suite ? `scenario ${located.scenario.id} is no longer in suite ${suite.name}` : `suite ${located.suite} is no longer in ${config.file}`;
    io.stdout.write(c.yellow(`Cannot re-record: ${what}. Choose another action.\n`));
    return false;
  }
  io.stdout.write(`Re-recording ${located.suite} › ${scenario.id} from the legacy…\n`);
  try {
    const result = await recordSuite(suite, createFsBaselineStore(config.baselineDir), { scenarios: [scenario] });
    const dir = path.relative(io.cwd, result.save.dir) || result.save.dir;
    const changed = result.drift.changed.find((e) => e.id === scenario.id);
    const drift = changed ? `; the legacy now differs from before: ${changed.channels.map((r) => `${channelLabel(r)}: ${r.difference?.summary ?? ''}`).join('; ')}` : '';
    io.stdout.write(`${c.green('✔')} re-recorded → ${dir} revision ${result.save.revision}${inert(drift)}\n`);
    return true;
  } catch (error) {
    if (!(error instanceof ParityError)) throw error;
    io.stdout.write(c.red(`Re-recording failed: ${error.message}\n`));
    return false;
  }
}

/**
 * `paritykit approve`: accepts as deviations, without prompts, the differences of every
 * differing scenario of the last verify whose id matches `--scenario` (in the `--suite`s),
 * with the reason of `--as-deviation`; prints what it wrote.
 *
 * @returns 0 when entries were written or were all already present.
 * @throws ParityError `USAGE` (exit 2) when no differing scenario matches (the message says
 *   what was looked for and lists the differing scenarios, nearest first), for a blank reason,
 *   a bad or past `--expires`, or an unknown `--suite`; `CONFIG_INVALID` for an unreadable
 *   deviations file.
 */
export async function runApprove(io: CliIo, opts: ApproveCommandOptions, deps: ReviewDeps = {}): Promise<number> {
  const meta: DeviationMeta = { reason: opts.asDeviation, ticket: opts.ticket, owner: opts.owner, expires: opts.expires };
  checkMeta(meta);
  const today = (deps.today ?? (() => localDate()))();
  if (meta.expires !== undefined && meta.expires < today) {
    throw new ParityError('USAGE', `--expires ${meta.expires} is in the past (today is ${today}); an expired deviation fails the run. Give a later date or leave it out`);
  }
  if (!opts.scenario || opts.scenario.length === 0) {
    throw new ParityError('USAGE', 'approve needs --scenario <glob>: which scenarios to accept (e.g. --scenario "rounding-*")');
  }
  const { config, report, reportFile } = await loadForReview(io, opts);
  const c = createColors(useColor(io));
  const matching = scenariosOf(report, opts.suite, opts.scenario);
  const selected = matching.filter(isDiffering);
  if (selected.length === 0) throw nothingMatched(report, opts, matching, reportFile, io);
  for (const suite of new Set(selected.map((s) => s.suite))) {
    const problem = unknownSuite(config, suite);
    if (problem) throw new ParityError('USAGE', `cannot approve: ${problem}`);
  }

  const entries: Deviation[] = [];
  const comments = new Map<Deviation, string>();
  for (const located of selected) {
    const comment = entryComment(located, today, 'paritykit approve');
    for (const entry of deviationsFromScenario(located.suite, located.scenario, meta)) {
      entries.push(entry);
      comments.set(entry, comment(entry));
    }
  }
  const result = await appendDeviations(config.rootDir, entries, { comment: (e) => comments.get(e), reservedIds: knownIds(config) });
  io.stdout.write(`${selected.length} differing ${selected.length === 1 ? 'scenario' : 'scenarios'} matched: ${selected.map((s) => `${s.suite} › ${s.scenario.id}`).join(', ')}\n`);
  printWritten(io, result, today, c);
  if (result.written.length > 0) io.stdout.write(`Run \`${verifyHint(opts)}\` to see them accepted.\n`);
  return 0;
}

/** The error for an approve that matched no differing scenario: what was looked for, what
 * matched but does not differ, and the differing scenarios, nearest first (Polly.js's lesson). */
function nothingMatched(report: ParityReport, opts: ApproveCommandOptions, matching: Located[], reportFile: string, io: CliIo): ParityError {
  const globs = opts.scenario ?? [];
  const scope = opts.suite && opts.suite.length > 0 ? ` in suite ${opts.suite.join(', ')}` : '';
  const lines = [`no differing scenario matches --scenario ${globs.join(',')}${scope} in ${path.relative(io.cwd, reportFile) || reportFile}.`];
  if (matching.length > 0) {
    const shown = matching.slice(0, 10).map((m) => `${m.suite} › ${m.scenario.id} (${m.scenario.verdict})`);
    lines.push(`  matched, but not differing: ${shown.join(', ')}${matching.length > 10 ? `, … ${matching.length - 10} more` : ''}`);
  }
  const differing = scenariosOf(report, opts.suite, undefined).filter(isDiffering);
  if (differing.length === 0) {
    lines.push(`  the report has no differing scenarios${scope}; nothing to approve (re-run \`${verifyHint(opts)}\` if the candidate changed).`);
  } else {
    const needles = globs.map((g) => g.replace(/[*?[\]{}()!]/g, ''));
    const ranked = differing
      .map((d) => ({ d, distance: Math.min(...needles.map((n) => editDistance(n, d.scenario.id))) }))
      .sort((a, b) => a.distance - b.distance || a.d.scenario.id.localeCompare(b.d.scenario.id));
    const shown = ranked.slice(0, 10).map(({ d }) => `${d.suite} › ${d.scenario.id}`);
    lines.push(`  differing scenarios, nearest first: ${shown.join(', ')}${ranked.length > 10 ? `, … ${ranked.length - 10} more` : ''}`);
  }
  return new ParityError('USAGE', lines.join('\n'));
}

/** Levenshtein distance (insertions, deletions, substitutions each cost 1), two-row DP. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, ...value.split(',').map((v) => v.trim()).filter(Boolean)];
}

const EXAMPLES = {
  review: `
Keys: type a, r, s or q (or use the arrows), then Enter.
  a  accept as a deviation: asks for a reason (required), a ticket and an
     owner, and appends entries to deviations.yaml beside the config
  r  re-record this scenario from the legacy (the legacy changed)
  s  skip        q  quit

Examples:
  $ paritykit review                    every differing scenario of the last
                                        verify (report.json in reportDir)
  $ paritykit review --suite ledger --scenario 'rounding-*'

Review never re-runs the candidate; run paritykit verify afterwards.
In scripts and CI use paritykit approve.
`,
  approve: `
Examples:
  $ paritykit approve --scenario 'rounding-*' \\
      --as-deviation "rounds half-even like the spec" --ticket FIN-12
  $ paritykit approve --suite ledger --scenario export-csv \\
      --as-deviation "CRLF line endings" --owner ana --expires 2026-06-30

Writes one narrow entry per difference (scenario, channel, place, both
values) to deviations.yaml beside the config. Exit codes: 0 written,
2 nothing matched (the message lists the differing scenarios) or usage.
`,
};

/**
 * Adds the `review` and `approve` subcommands to the `paritykit` program. Each action
 * resolves to an exit code passed to `setExit`; user errors are thrown as ParityError for the
 * CLI to print (exit 2).
 *
 * @param deps injectable stdin, prompts and clock (tests); the defaults use the process.
 */
export function registerReviewCommands(program: Command, io: CliIo, setExit: (code: number) => void, deps: ReviewDeps = {}): void {
  const common = (cmd: Command) =>
    cmd
      .option('-c, --config <path>', 'config file; default paritykit.config.ts in the working directory')
      .option('-s, --suite <name>', 'only this suite (repeatable, or comma-separated)', collect)
      .option('--report-dir <dir>', 'report folder holding report.json (default: reportDir of the config)');

  common(program.command('review').description('review the differences of the last verify: accept as a deviation, re-record, skip (interactive)'))
    .option('--scenario <glob>', 'only scenarios whose id matches (repeatable, or comma-separated)', collect)
    .addHelpText('after', EXAMPLES.review)
    .action(async (opts: ReviewCommandOptions) => setExit(await runReview(io, opts, deps)));

  common(program.command('approve').description('accept the differences of matching scenarios as deviations, without prompts (for scripts)'))
    .requiredOption('--scenario <glob>', 'scenarios whose id matches (repeatable, or comma-separated)', collect)
    .requiredOption('--as-deviation <reason>', 'why the candidate may differ (required)')
    .option('--ticket <url>', 'ticket or URL tracking the change')
    .option('--owner <name>', 'who answers for the deviation')
    .option('--expires <YYYY-MM-DD>', 'after this day the deviation stops accepting and fails the run')
    .addHelpText('after', EXAMPLES.approve)
    .action(async (opts: ApproveCommandOptions) => setExit(await runApprove(io, opts, deps)));
}
