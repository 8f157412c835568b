/**
 * Accepted deviations: intentional, reviewed differences between the legacy and the candidate.
 *
 * A deviation names where a difference may appear (suite, scenarios, channel, file, place) and
 * optionally what each side showed there, with a reason. A `diff` channel result whose every
 * difference is explained by an applicable deviation becomes `accepted`; the list of deviations
 * is the "known deviations / breaking changes" document handed over at cutover
 * (docs/deviations.md). The idea of linking an expected failure to a ticket is TextTest's
 * `knownbugs`; the file format is paritykit's own.
 *
 * Nothing here runs a target: {@link applyDeviations} works on comparator results only, so
 * `verify`, `review` and `approve` share it.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import picomatch from 'picomatch';
import YAML from 'yaml';
import { z } from 'zod';
import { ParityError } from './errors.ts';
import type { ChannelResult, CsvChange, Difference, JsonChange, TextHunk } from './model.ts';
import type { DeviationReport } from '../reporters/model.ts';
import { isRawJson } from './normalize/json-text.ts';
import { matchJsonPath, parseJsonPath, type ParsedJsonPath } from './normalize/json-path.ts';

/** Channels a deviation can be about. */
export type DeviationChannel = 'stdout' | 'stderr' | 'exit' | 'files' | 'http';

/**
 * One accepted deviation, as written in `deviations.yaml` (or the config's `deviations`).
 * See docs/deviations.md for the matching rules and examples.
 */
export interface Deviation {
  /** Unique among all deviations: `[A-Za-z0-9._-]`, starting with a letter or digit. */
  id: string;
  /** Name of the suite it applies to. */
  suite: string;
  /** Globs (picomatch) on scenario ids, any of; absent: every scenario of the suite. */
  scenarios?: string[];
  /** Scenario tags, any of. With `scenarios`, both must match (AND). */
  tags?: string[];
  channel: DeviationChannel;
  /** Glob (picomatch, dotfiles included) on the file path; `files` channel only. */
  file?: string;
  /**
   * The place in the difference: a JSONPath (`$.accounts[*].balance`, `$..balance`) for JSON;
   * a column header, `header`, `order` or `row` for CSV; a regex on the legacy or candidate line
   * for text; `code`, `signal` or `timedOut` for `exit`; `presence` for a file created, modified
   * or deleted by one side only (or with another change kind), or an HTTP request one side did
   * not send. For `http`, status and headers are JSONPaths too: `$.status`, `$.headers['x-total']`,
   * and a JSON body is under `$.body` (`$.body.items[*].price`).
   */
  where?: string;
  /** The legacy's value there: a `/regex/flags` string, or a value compared exactly. */
  legacy?: unknown;
  /** The candidate's value there: a `/regex/flags` string, or a value compared exactly. */
  candidate?: unknown;
  /** Why the difference is intended (required, non-empty). */
  reason: string;
  ticket?: string;
  owner?: string;
  /** Last day (YYYY-MM-DD) the deviation applies; after it, it explains nothing and fails the run. */
  expires?: string;
}

/** File names looked up beside the config file, in this order. */
export const DEVIATIONS_FILE_NAMES = ['deviations.yaml', 'deviations.yml'] as const;

const ID_RE = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
/** `/source/flags`: the whole string, a non-empty source, JavaScript flags. */
const PATTERN_RE = /^\/(.+)\/([a-z]*)$/s;
const EXIT_FIELDS = ['code', 'signal', 'timedOut'] as const;

/** True for a real calendar date written YYYY-MM-DD. */
function isIsoDate(text: string): boolean {
  const m = DATE_RE.exec(text);
  if (!m) return false;
  const date = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return date.toISOString().slice(0, 10) === text;
}

/**
 * A `/source/flags` string as a RegExp (without `g`/`y`, which would make `test` stateful), or
 * `null` when the string is not of that form.
 *
 * @throws SyntaxError when the form is right but the regex does not compile.
 */
function patternOf(value: unknown): RegExp | null {
  if (typeof value !== 'string') return null;
  const m = PATTERN_RE.exec(value);
  if (!m) return null;
  return new RegExp(m[1], m[2].replace(/[gy]/g, ''));
}

/** Checks a value-or-pattern field; returns an error text or null. */
function checkPattern(value: unknown): string | null {
  try {
    patternOf(value);
    return null;
  } catch (error) {
    return `${(error as Error).message}; write a JavaScript regex as "/source/flags" (flags d, i, m, s, u, v)`;
  }
}

const stringList = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).transform((v) => (typeof v === 'string' ? [v] : v));

/** A ticket number written bare in YAML (`ticket: 1234`) is kept as its text. */
const textOrNumber = z.union([z.string().min(1), z.number()]).transform((v) => String(v));

/**
 * Zod schema of one deviation entry. Unknown keys are errors (a typo such as `scenario:` must not
 * silently widen a deviation). `scenarios`/`tags` also accept a single string; `expires` also
 * accepts a YAML/JS date and is normalized to `YYYY-MM-DD`; a numeric `ticket`/`owner` becomes text. Cross-field rules: `file` only with
 * channel `files`; `where` for `exit` is `code`, `signal` or `timedOut`; a `where` starting with
 * `$` must be a supported JSONPath; `/regex/flags` strings must compile.
 */
export const deviationSchema = z
  .strictObject({
    id: z.string().regex(ID_RE, 'must be letters, digits, ".", "_", "-", starting with a letter or digit'),
    suite: z.string().min(1, 'is empty; give the suite name'),
    scenarios: stringList.optional(),
    tags: stringList.optional(),
    channel: z.enum(['stdout', 'stderr', 'exit', 'files', 'http']),
    file: z.string().min(1).optional(),
    where: z.string().min(1).optional(),
    legacy: z.unknown().optional(),
    candidate: z.unknown().optional(),
    reason: z.string().trim().min(1, 'is required: say why this difference is intended'),
    ticket: textOrNumber.optional(),
    owner: textOrNumber.optional(),
    expires: z
      .union([z.string(), z.date()])
      .transform((v) => (v instanceof Date ? v.toISOString().slice(0, 10) : v))
      .refine(isIsoDate, 'must be a date written YYYY-MM-DD, e.g. 2026-03-31')
      .optional(),
  })
  .superRefine((d, ctx) => {
    for (const issue of crossFieldIssues(d)) ctx.addIssue({ code: 'custom', ...issue });
  });

/**
 * The rules that involve several fields or parse a field's text, on a raw entry (so they are
 * reported even when other fields are wrong and zod's refinement does not run).
 */
function crossFieldIssues(d: Record<string, unknown>): { path: string[]; message: string }[] {
  const issues: { path: string[]; message: string }[] = [];
  const channel = d.channel;
  if (d.file !== undefined && typeof channel === 'string' && channel !== 'files') {
    issues.push({ path: ['file'], message: `is only for channel "files" (this one is "${channel}"); remove it or set channel: files` });
  }
  if (typeof d.where === 'string' && d.where !== '') {
    if (channel === 'exit' && !(EXIT_FIELDS as readonly string[]).includes(d.where)) {
      issues.push({ path: ['where'], message: `for channel "exit" must be one of ${EXIT_FIELDS.join(', ')}` });
    } else if (d.where.startsWith('$')) {
      try {
        parseJsonPath(d.where);
      } catch (error) {
        issues.push({ path: ['where'], message: (error as Error).message });
      }
    } else {
      const problem = checkPattern(d.where);
      if (problem) issues.push({ path: ['where'], message: problem });
    }
  }
  for (const side of ['legacy', 'candidate'] as const) {
    const problem = checkPattern(d[side]);
    if (problem) issues.push({ path: [side], message: problem });
  }
  return issues;
}

const FIELDS = Object.keys(deviationSchema.shape);

/** A zod issue of an entry in the words of this file format: `reason: is required`. */
function describeIssue(issue: z.core.$ZodIssue, entry: unknown): string[] {
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => {
      const near = FIELDS.find((f) => f === `${key}s` || `${f}s` === key || f.toLowerCase() === key.toLowerCase());
      return `${key}: unknown field; ${near === undefined ? `the fields are ${FIELDS.join(', ')}` : `did you mean ${near}?`}`;
    });
  }
  const where = issuePath(issue.path);
  if (issue.code === 'invalid_type' && valueAt(entry, issue.path) === undefined) return [`${where}: is required`];
  if (issue.code === 'invalid_value') return [`${where}: must be one of ${issue.values.map(String).join(', ')}`];
  if (issue.code === 'invalid_union' && where === 'scenarios') return [`${where}: must be a glob or a list of globs`];
  if (issue.code === 'invalid_union' && where === 'tags') return [`${where}: must be a tag or a list of tags`];
  return [`${where}: ${issue.message.replace(/^Invalid input: /, '')}`];
}

/** Zod schema of a deviations file: a list of entries, or `{ deviations: [...] }`. Entries are
 * validated one by one by {@link loadDeviations}, which names each entry in its errors. */
export const deviationsFileSchema = z.union([
  z.array(z.unknown()),
  z.strictObject({ deviations: z.array(z.unknown()).nullable().optional() }),
]);

// Compile-time check: the schema's output is a Deviation.
const schemaMatchesType: (parsed: z.output<typeof deviationSchema>) => Deviation = (parsed) => parsed;
void schemaMatchesType;

/** `legacy.code`, `scenarios[1]`, `(entry)`. */
function issuePath(p: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const seg of p) out += typeof seg === 'number' ? `[${seg}]` : out === '' ? String(seg) : `.${String(seg)}`;
  return out || '(entry)';
}

function valueAt(value: unknown, p: ReadonlyArray<PropertyKey>): unknown {
  let node = value;
  for (const key of p) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<PropertyKey, unknown>)[key];
  }
  return node;
}

/** `deviation "round-cents" (#3)`, or `deviation #3` when the entry has no usable id. */
function entryName(item: unknown, index: number): string {
  const id = item && typeof item === 'object' && 'id' in item ? (item as { id: unknown }).id : undefined;
  return typeof id === 'string' && id !== '' ? `deviation ${JSON.stringify(id)} (#${index + 1})` : `deviation #${index + 1}`;
}

/**
 * Validates raw deviation entries; every problem of every entry is listed (up to 20).
 *
 * @param where how the source is named in messages (a file path, `config deviations`).
 * @throws ParityError `CONFIG_INVALID`.
 */
function validateEntries(list: unknown[], where: string, file: string | undefined): Deviation[] {
  const out: Deviation[] = [];
  const problems: string[] = [];
  list.forEach((item, index) => {
    const parsed = deviationSchema.safeParse(item);
    if (parsed.success) {
      out.push(parsed.data);
      return;
    }
    const messages = parsed.error.issues.flatMap((issue) => describeIssue(issue, item));
    // zod skips refinements when a field is wrong: run the cross-field rules here too.
    if (isPlainObject(item)) messages.push(...crossFieldIssues(item).map((i) => `${issuePath(i.path)}: ${i.message}`));
    for (const message of new Set(messages)) problems.push(`  ${entryName(item, index)}: ${message}`);
  });
  if (problems.length > 0) {
    const shown = problems.slice(0, 20);
    if (problems.length > 20) shown.push(`  … and ${problems.length - 20} more`);
    throw new ParityError(
      'CONFIG_INVALID',
      `${where}: invalid deviations\n${shown.join('\n')}\nFix the fields above (see docs/deviations.md).`,
      file === undefined ? undefined : { file },
    );
  }
  return out;
}

/**
 * Loads the accepted deviations: `deviations.yaml` (or `.yml`) in `rootDir`, then `inline`
 * entries (the config's `deviations`), validated together.
 *
 * The file holds a list of entries or `{ deviations: [...] }`; an empty file is no deviations.
 *
 * @param rootDir directory of the config file.
 * @param inline the config's `deviations` list, not yet validated.
 * @param configFile the config file path, to name inline entries in messages.
 * @returns the file read (absolute path; `null` when there is none) and every deviation, file
 *   entries first.
 * @throws ParityError `CONFIG_INVALID` naming the file, the entry (id and position), the field
 *   and the fix: unreadable or unparsable YAML, a wrong shape, an invalid entry, both
 *   `deviations.yaml` and `deviations.yml` present, or an id used twice.
 *
 * @example
 * const { deviations } = await loadDeviations(config.rootDir, rawConfig.deviations);
 */
export async function loadDeviations(
  rootDir: string,
  inline?: unknown[],
  configFile?: string,
): Promise<{ file: string | null; deviations: Deviation[] }> {
  const found: { file: string; text: string }[] = [];
  for (const name of DEVIATIONS_FILE_NAMES) {
    const file = path.join(rootDir, name);
    try {
      found.push({ file, text: await readFile(file, 'utf8') });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') continue;
      throw new ParityError('CONFIG_INVALID', `${file}: cannot read (${(error as Error).message}); check its permissions`, { file, cause: error });
    }
  }
  if (found.length > 1) {
    throw new ParityError(
      'CONFIG_INVALID',
      `${rootDir}: both ${DEVIATIONS_FILE_NAMES.join(' and ')} exist; keep one (merge the entries into deviations.yaml)`,
      { file: found[0].file },
    );
  }
  const deviations: Deviation[] = [];
  const origin = new Map<string, string>();
  const add = (list: Deviation[], where: string, file: string | undefined) => {
    for (const d of list) {
      const first = origin.get(d.id);
      if (first !== undefined) {
        throw new ParityError(
          'CONFIG_INVALID',
          `${where}: deviation id "${d.id}" is used twice (first in ${first}); give each deviation its own id`,
          file === undefined ? undefined : { file },
        );
      }
      origin.set(d.id, where);
      deviations.push(d);
    }
  };

  const source = found[0];
  if (source) add(validateEntries(parseDeviationsFile(source.file, source.text), source.file, source.file), source.file, source.file);
  if (inline !== undefined) {
    const where = configFile === undefined ? 'config `deviations`' : `${configFile} (deviations)`;
    if (!Array.isArray(inline)) {
      throw new ParityError('CONFIG_INVALID', `${where}: must be a list of deviations`, configFile === undefined ? undefined : { file: configFile });
    }
    add(validateEntries(inline, where, configFile), where, configFile);
  }
  return { file: source ? source.file : null, deviations };
}

/** The entries of a deviations file's text (not yet validated). */
function parseDeviationsFile(file: string, text: string): unknown[] {
  let data: unknown;
  try {
    data = YAML.parse(text);
  } catch (error) {
    throw new ParityError('CONFIG_INVALID', `${file}: not valid YAML (${(error as Error).message.split('\n')[0]})`, { file, cause: error });
  }
  if (data === null || data === undefined) return [];
  const parsed = deviationsFileSchema.safeParse(data);
  if (!parsed.success) {
    throw new ParityError(
      'CONFIG_INVALID',
      `${file}: expected a list of deviations or { deviations: [...] } (nothing else at the top level)`,
      { file },
    );
  }
  return Array.isArray(parsed.data) ? parsed.data : (parsed.data.deviations ?? []);
}

/**
 * True when the deviation is past its `expires` date: valid through that day, expired from the
 * next. Without `expires` it never expires.
 *
 * @param today the current date, `YYYY-MM-DD` (see {@link localDate}).
 */
export function isExpired(d: Pick<Deviation, 'expires'>, today: string): boolean {
  return d.expires !== undefined && today > d.expires;
}

/** A date as `YYYY-MM-DD` in the machine's time zone (expiry dates are calendar days people wrote). */
export function localDate(date: Date = new Date()): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

// ---------------------------------------------------------------------------------------------
// Matching

/**
 * One elementary difference inside a channel result, what a deviation explains.
 * - `json`: `where` is the concrete path;
 * - `cell`: CSV; `where` is the column (`changed`), `order`, `header` or `row`; sides are text;
 * - `line`: a text line pair; sides are line text; matched by a `where` regex on either side;
 * - `field`: a value difference; `where` is the field (`code`) or `presence`;
 * - `blob`: binary; sides are SHA-256 hex strings, no `where`;
 * - `opaque`: cannot be decomposed (a truncated text diff): only a catch-all deviation explains it.
 * An absent side (`added` JSON path, unpaired line, missing CSV cell) is `undefined`.
 */
interface DiffItem {
  kind: 'json' | 'cell' | 'line' | 'field' | 'blob' | 'opaque';
  where?: string;
  legacy?: unknown;
  candidate?: unknown;
}

/** Splits a difference into the items a deviation must explain, one by one. */
function diffItems(result: ChannelResult, difference: Difference): DiffItem[] {
  // HTTP: a body difference that is not JSON carries the status and header changes in `head`
  // (JSON changes at `$.status`, `$.headers[…]`); a status-only difference is a value.
  const head = (difference as { head?: JsonChange[] }).head;
  const headItems: DiffItem[] = (head ?? []).map((c) => ({ kind: 'json', where: c.path, legacy: c.legacy, candidate: c.candidate }));
  if (result.channel === 'http' && difference.kind === 'value') {
    const { legacy, candidate } = difference;
    // A request one side did not send has `null` on that side.
    if (legacy === null || candidate === null) return [{ kind: 'field', where: 'presence', legacy, candidate }];
    return [{ kind: 'json', where: '$.status', legacy, candidate }];
  }
  return [...headItems, ...contentItems(result, difference)];
}

/** The items of a comparator difference (text, JSON, CSV, binary, value). */
function contentItems(result: ChannelResult, difference: Difference): DiffItem[] {
  switch (difference.kind) {
    case 'json':
      return difference.changes.map((c) => ({ kind: 'json', where: c.path, legacy: c.legacy, candidate: c.candidate }));
    case 'csv':
      return difference.changes.map((c) => ({ kind: 'cell', where: csvWhere(c), legacy: c.legacy, candidate: c.candidate }));
    case 'text':
      if (difference.truncated || difference.hunks.length === 0) return [{ kind: 'opaque' }];
      return difference.hunks.flatMap(linePairs);
    case 'binary':
      return [{ kind: 'blob', legacy: difference.legacy.sha256, candidate: difference.candidate.sha256 }];
    case 'value': {
      const { legacy, candidate } = difference;
      if (isPlainObject(legacy) && isPlainObject(candidate)) {
        const keys = [...new Set([...Object.keys(legacy), ...Object.keys(candidate)])];
        return keys
          .filter((k) => !isDeepStrictEqual(legacy[k], candidate[k]))
          .map((k) => ({ kind: 'field', where: k, legacy: legacy[k], candidate: candidate[k] }));
      }
      return [{ kind: 'field', where: result.channel === 'files' ? 'presence' : 'value', legacy, candidate }];
    }
    case 'rows':
      // `where` is `table.column` for a changed cell, `table` for a missing/extra/reordered row.
      return difference.tables.flatMap((t) =>
        t.rows.flatMap((r): DiffItem[] =>
          r.kind === 'changed'
            ? (r.cells ?? []).map((c) => ({ kind: 'field', where: `${t.table}.${c}`, legacy: r.legacy?.after?.[c] ?? r.legacy?.before?.[c], candidate: r.candidate?.after?.[c] ?? r.candidate?.before?.[c] }))
            : [{ kind: 'field', where: t.table, legacy: r.kind === 'missing' ? r.key : undefined, candidate: r.kind === 'extra' ? r.key : undefined }],
        ),
      );
    case 'schema':
      return difference.changes.map((c) => ({ kind: 'field', where: c.name, legacy: c.legacy, candidate: c.candidate }));
  }
}

function csvWhere(change: CsvChange): string {
  switch (change.kind) {
    case 'changed':
      return change.column ?? '';
    case 'added':
    case 'removed':
      return 'row';
    default:
      return change.kind; // 'header', 'order'
  }
}

/**
 * The line pairs of a hunk: each run of changed lines (between context lines) pairs its i-th
 * removed line with its i-th added line; the longer side's extra lines have one side only.
 * Markers (`\ No newline at end of file`) are skipped.
 */
function linePairs(hunk: TextHunk): DiffItem[] {
  const items: DiffItem[] = [];
  let removed: string[] = [];
  let added: string[] = [];
  const flush = () => {
    for (let i = 0; i < Math.max(removed.length, added.length); i++) {
      items.push({ kind: 'line', legacy: removed[i], candidate: added[i] });
    }
    removed = [];
    added = [];
  };
  for (const line of hunk.lines) {
    const mark = line[0];
    if (mark === '-') removed.push(line.slice(1));
    else if (mark === '+') added.push(line.slice(1));
    else if (mark === ' ') flush();
  }
  flush();
  return items;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** A deviation prepared for matching: globs and patterns compiled once. */
interface CompiledDeviation {
  d: Deviation;
  scenario: ((id: string) => boolean) | null;
  file: ((p: string) => boolean) | null;
  jsonPath: ParsedJsonPath | null;
  /** `where` as a line regex (text): `/…/flags`, else the plain string as a regex source. */
  lineRegex: RegExp | null;
  /** `where` as a `/…/flags` regex (CSV, value fields), or null for exact comparison. */
  wherePattern: RegExp | null;
  catchAll: boolean;
}

const compiledCache = new WeakMap<Deviation, CompiledDeviation>();

function compile(d: Deviation): CompiledDeviation {
  const cached = compiledCache.get(d);
  if (cached) return cached;
  let jsonPath: ParsedJsonPath | null = null;
  let lineRegex: RegExp | null = null;
  let wherePattern: RegExp | null = null;
  if (d.where !== undefined) {
    if (d.where.startsWith('$')) {
      try {
        jsonPath = parseJsonPath(d.where);
      } catch {
        jsonPath = null; // the schema reports it; a hand-built Deviation just matches no JSON path
      }
    }
    wherePattern = safePattern(d.where);
    lineRegex = wherePattern ?? plainRegex(d.where);
  }
  const compiled: CompiledDeviation = {
    d,
    scenario: d.scenarios === undefined ? null : picomatch(d.scenarios, { dot: true }),
    file: d.file === undefined ? null : picomatch(d.file, { dot: true }),
    jsonPath,
    lineRegex,
    wherePattern,
    catchAll: d.where === undefined && d.legacy === undefined && d.candidate === undefined,
  };
  compiledCache.set(d, compiled);
  return compiled;
}

function safePattern(value: unknown): RegExp | null {
  try {
    return patternOf(value);
  } catch {
    return null;
  }
}

/** A plain `where` on text lines is a regex; one that does not compile is matched literally. */
function plainRegex(source: string): RegExp {
  try {
    return new RegExp(source);
  } catch {
    return new RegExp(source.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'));
  }
}

/** Whether the deviation applies to this scenario and channel result (scope only, not content). */
function applies(c: CompiledDeviation, ctx: DeviationContext, result: ChannelResult, today: string): boolean {
  const d = c.d;
  if (d.suite !== ctx.suite || d.channel !== result.channel || isExpired(d, today)) return false;
  if (c.scenario !== null && !c.scenario(ctx.scenarioId)) return false;
  if (d.tags !== undefined && !d.tags.some((t) => ctx.tags.includes(t))) return false;
  if (c.file !== null && (result.path === undefined || !c.file(result.path))) return false;
  return true;
}

/** Whether the deviation explains one item (its scope already applies). */
function explains(c: CompiledDeviation, item: DiffItem): boolean {
  if (c.catchAll) return true;
  if (item.kind === 'opaque') return false;
  const d = c.d;
  const untyped = item.kind === 'cell' || item.kind === 'line' || item.kind === 'blob';
  if (d.where !== undefined && !whereMatches(c, item)) return false;
  if (d.legacy !== undefined && !valueMatches(d.legacy, item.legacy, untyped)) return false;
  if (d.candidate !== undefined && !valueMatches(d.candidate, item.candidate, untyped)) return false;
  return true;
}

function whereMatches(c: CompiledDeviation, item: DiffItem): boolean {
  switch (item.kind) {
    case 'json':
      return c.jsonPath !== null && matchJsonPath(c.jsonPath, item.where!, { descendants: true });
    case 'line': {
      const re = c.lineRegex!;
      return (typeof item.legacy === 'string' && re.test(item.legacy)) || (typeof item.candidate === 'string' && re.test(item.candidate));
    }
    case 'cell':
    case 'field':
      return c.wherePattern !== null ? c.wherePattern.test(item.where!) : c.d.where === item.where;
    default:
      return false; // a binary difference has no place to name
  }
}

/**
 * Value-or-pattern comparison. A `/regex/flags` string tests the actual value's text form (a
 * string as is, anything else as JSON). Otherwise: for untyped text (CSV cells, text lines,
 * hashes) a scalar expected value is compared by its string form (`2.62` matches the cell
 * `"2.62"`); for typed values (JSON, exit fields) numbers compare by value and everything else by
 * deep equality (`"2.62"` does not match the number `2.62`). An absent side matches nothing.
 */
function valueMatches(expected: unknown, actual: unknown, untyped: boolean): boolean {
  if (actual === undefined) return false;
  const pattern = safePattern(expected);
  if (pattern !== null) return pattern.test(textForm(actual));
  if (untyped) {
    const scalar = typeof expected === 'string' || typeof expected === 'number' || typeof expected === 'bigint' || typeof expected === 'boolean';
    return scalar && String(expected) === actual;
  }
  return sameJson(expected, actual);
}

function textForm(value: unknown): string {
  if (typeof value === 'string') return value;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** Deep equality of JSON data: numbers by value (a raw-JSON leaf by its decimal value), object
 * keys in any order. */
function sameJson(a: unknown, b: unknown): boolean {
  const ia = exactInteger(a);
  const ib = exactInteger(b);
  if (ia !== null && ib !== null) return ia === ib;
  const na = numberValue(a);
  const nb = numberValue(b);
  if (na !== null || nb !== null) return na !== null && nb !== null && na === nb;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => sameJson(x, b[i]));
  }
  if (isPlainObject(a) && isPlainObject(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => Object.hasOwn(b, k) && sameJson(a[k], b[k]));
  }
  return isDeepStrictEqual(a, b);
}

function numberValue(value: unknown): number | null {
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  if (isRawJson(value)) return Number((value as { rawJSON: string }).rawJSON);
  return null;
}

/** An integer with all its digits (a BigInt from YAML, a raw-JSON integer beyond 2^53, a safe
 * number), so `12345678901234567` never equals `12345678901234568`; `null` for anything else. */
function exactInteger(value: unknown): bigint | null {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number') return Number.isSafeInteger(value) ? BigInt(value) : null;
  if (isRawJson(value)) {
    const text = (value as { rawJSON: string }).rawJSON;
    return /^-?\d+$/.test(text) ? BigInt(text) : null;
  }
  return null;
}

/** Where a scenario's channel results come from, for scoping deviations. */
export interface DeviationContext {
  suite: string;
  scenarioId: string;
  tags: string[];
}

/**
 * Applies deviations to one scenario's channel results.
 *
 * Each `diff` result's difference is split into items (one per JSON change, CSV change, text line
 * pair, differing exit field, file presence change or binary content; see docs/deviations.md).
 * The result becomes `accepted`, with `deviations` = the ids that explained its items, when every
 * item is explained by some applicable deviation: same suite and channel, scenario glob and tags
 * matching, file glob matching, not expired. A result only partly explained stays `diff`.
 * `pass` (and already `accepted`) results are returned as they are. Inputs are not modified.
 *
 * @param today the current date `YYYY-MM-DD`: expired deviations never explain anything.
 * @returns the new results, in input order, and the ids of deviations that explained at least
 *   one item (even of a result that stayed `diff`: its difference still exists, so it is not
 *   obsolete), in deviation-list order.
 *
 * @example
 * const { channels, used } = applyDeviations({ suite: 'cli', scenarioId: 'balance', tags: [] }, results, deviations, localDate());
 */
export function applyDeviations(
  ctx: DeviationContext,
  channels: ChannelResult[],
  deviations: Deviation[],
  today: string,
): { channels: ChannelResult[]; used: string[] } {
  const compiled = deviations.filter((d) => d.suite === ctx.suite).map(compile);
  const used = new Set<string>();
  const out = channels.map((result): ChannelResult => {
    if (result.verdict !== 'diff' || result.difference === undefined) return result;
    const candidates = compiled.filter((c) => applies(c, ctx, result, today));
    if (candidates.length === 0) return result;
    const explainedBy = new Set<string>();
    let all = true;
    for (const item of diffItems(result, result.difference)) {
      const matching = candidates.filter((c) => explains(c, item));
      if (matching.length === 0) all = false;
      for (const c of matching) explainedBy.add(c.d.id);
    }
    for (const id of explainedBy) used.add(id);
    if (!all) return result;
    const ids = candidates.map((c) => c.d.id).filter((id) => explainedBy.has(id));
    return { ...result, verdict: 'accepted', deviations: ids };
  });
  return { channels: out, used: deviations.map((d) => d.id).filter((id) => used.has(id)) };
}

/**
 * The report entries of a suite's deviations.
 *
 * @param usedBy deviation id → ids of the scenarios it explained something in (duplicates are
 *   removed, order kept).
 * @param today `YYYY-MM-DD`.
 * @returns one entry per deviation, in input order: status `expired` when past `expires` (wins:
 *   it fails the run), else `active` when it covered a scenario, else `obsolete`. `channel` is the
 *   channel, followed by the file glob for `files` (`files out/*.csv`), as reports label channels.
 */
export function deviationReports(deviations: Deviation[], usedBy: Map<string, string[]>, today: string): DeviationReport[] {
  return deviations.map((d) => {
    const covered = [...new Set(usedBy.get(d.id) ?? [])];
    const status: DeviationReport['status'] = isExpired(d, today) ? 'expired' : covered.length > 0 ? 'active' : 'obsolete';
    const report: DeviationReport = {
      id: d.id,
      reason: d.reason,
      channel: d.file === undefined ? d.channel : `${d.channel} ${d.file}`,
      covered,
      status,
    };
    if (d.ticket !== undefined) report.ticket = d.ticket;
    if (d.owner !== undefined) report.owner = d.owner;
    if (d.expires !== undefined) report.expires = d.expires;
    if (d.where !== undefined) report.where = d.where;
    return report;
  });
}

/**
 * One line for terminals and prompts, e.g.
 * `round-half-even: ledger-cli stdout at $..balance "2.615" → "2.62" (scenarios report-*) — Python 3 rounds half to even [PAY-12, expires 2026-03-31]`.
 * Newlines in the reason are folded to spaces; nothing is clipped.
 */
export function describeDeviation(d: Deviation): string {
  const scope: string[] = [];
  if (d.scenarios !== undefined) scope.push(`scenarios ${d.scenarios.join(', ')}`);
  if (d.tags !== undefined) scope.push(`tags ${d.tags.join(', ')}`);
  let line = `${d.id}: ${d.suite} ${d.channel}`;
  if (d.file !== undefined) line += ` ${d.file}`;
  if (d.where !== undefined) line += ` at ${d.where}`;
  if (d.legacy !== undefined || d.candidate !== undefined) line += ` ${showValue(d.legacy)} → ${showValue(d.candidate)}`;
  if (scope.length > 0) line += ` (${scope.join('; ')})`;
  line += ` — ${d.reason.replace(/\s*[\r\n]+\s*/g, ' ').trim()}`;
  const extra = [d.ticket, d.owner === undefined ? undefined : `owner ${d.owner}`, d.expires === undefined ? undefined : `expires ${d.expires}`].filter(
    (x): x is string => x !== undefined,
  );
  if (extra.length > 0) line += ` [${extra.join(', ')}]`;
  return line;
}

/** A deviation's legacy/candidate for one line: `*` when absent, patterns bare, values as JSON. */
function showValue(value: unknown): string {
  if (value === undefined) return '*';
  if (safePattern(value) !== null) return value as string;
  return textForm(typeof value === 'string' ? JSON.stringify(value) : value);
}
