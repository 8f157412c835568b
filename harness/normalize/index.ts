/**
 * Normalizers: rules that remove legitimate run-to-run variation before comparing.
 *
 * They run at compare time on both sides — the legacy's stored observation and the
 * candidate's — so adding or changing one never needs a re-record. Configs give them as
 * plain objects (JSON configs work, validated by {@link normalizerSchema}); TypeScript configs
 * can use the {@link normalize} builders. Each may be narrowed with a {@link NormalizerScope}.
 *
 * Kinds: `timestamps`, `uuids`, `tempPaths`, `durations`, `regex`, `custom` (text);
 * `jsonPaths`, `sortKeys` (JSON content); `unorderedLines` (text); `unorderedRows` (CSV);
 * `tolerance` (not a transform: read by comparators through {@link tolerancesFor}).
 *
 * @see DESIGN.md, "normalizer" in the vocabulary.
 */
import path from 'node:path';
import { z } from 'zod';
import { ParityError } from '../errors.ts';
import type { ContentFormat } from '../model.ts';
import { sortCsvRows } from './csv-rows.ts';
import { replaceDurations } from './durations.ts';
import { parseJsonPath, replaceJsonPaths, type ParsedJsonPath } from './json-path.ts';
import { formatJsonText, parseJsonText, type JsonValue } from './json-text.ts';
import { sortLines } from './lines.ts';
import { replaceTempPaths } from './paths.ts';
import { sortJsonKeys } from './sort-keys.ts';
import { replaceTimestamps } from './timestamps.ts';
import type { Tolerance } from './tolerance.ts';
import { numberUuids } from './uuids.ts';

export { formatCsv, parseCsv, parseCsvRecords } from './csv.ts';
export type { CsvFormatOptions, CsvParseOptions, CsvRecord } from './csv.ts';
export { sortCsvRows } from './csv-rows.ts';
export { replaceDurations } from './durations.ts';
export { formatJsonPath, matchJsonPath, parseJsonPath, replaceJsonPaths } from './json-path.ts';
export type { JsonPathKey, JsonPathSegment, JsonPathSelector, MatchJsonPathOptions, ParsedJsonPath } from './json-path.ts';
export { formatJsonText, isRawJson, parseJsonText } from './json-text.ts';
export type { JsonParseResult, JsonValue } from './json-text.ts';
export { sortLines } from './lines.ts';
export { defaultTempRoots, replaceTempPaths } from './paths.ts';
export { sortJsonKeys } from './sort-keys.ts';
export { replaceTimestamps } from './timestamps.ts';
export type { Tolerance } from './tolerance.ts';
export { numberUuids } from './uuids.ts';

/** The channels a normalizer can apply to (the text-bearing ones). */
export type NormalizerChannel = 'stdout' | 'stderr' | 'files';

/**
 * Where a normalizer applies. Every field given must match (AND); within a field any entry
 * may match (OR). Absent fields do not narrow. Globs follow Node's `path.matchesGlob`
 * (`*` stays within one `/` segment and does not match a leading dot, `**` crosses segments).
 *
 * Setting `files` alone restricts the normalizer to the `files` channel; to also apply it to
 * stdout, list the channels too: `{ channels: ['stdout', 'files'], files: ['*.json'] }`.
 */
export interface NormalizerScope {
  /** Channels it applies to. Default: all three (only `files` when `files` is set). */
  channels?: NormalizerChannel[];
  /** Globs on the file path (relative to the run's working directory, `/` separators):
   * `out/*.json`, `**\/*.log`. Only used on the `files` channel. */
  files?: string[];
  /** Globs on the scenario id: `smoke/*`. */
  scenarios?: string[];
  /** Scenario tags; the scenario needs any one of them. */
  tags?: string[];
}

interface Scoped {
  /** Where it applies; absent: everywhere. */
  scope?: NormalizerScope;
}

/** ISO 8601 / RFC 3339 and RFC 2822 timestamps → `<timestamp>` (see `timestamps.ts`). */
export interface TimestampsNormalizer extends Scoped {
  kind: 'timestamps';
}
/** UUIDs → `<uuid_1>`, `<uuid_2>`… numbered by first occurrence (see `uuids.ts`). */
export interface UuidsNormalizer extends Scoped {
  kind: 'uuids';
}
/** Absolute temp paths → `<tmp>/rest` (see `paths.ts`). */
export interface TempPathsNormalizer extends Scoped {
  kind: 'tempPaths';
}
/** `12ms`, `1.5s`, `2m30s`… → `<duration>` (see `durations.ts`). */
export interface DurationsNormalizer extends Scoped {
  kind: 'durations';
}
/** Every match of a regular expression (always applied globally) → `replacement`. */
export interface RegexNormalizer extends Scoped {
  kind: 'regex';
  /** Regex source (JSON configs) or a RegExp (TypeScript configs). */
  pattern: string | RegExp;
  /** Flags; `g` is always added. For a RegExp pattern, replaces its own flags when given. */
  flags?: string;
  /** Replacement, with `String.prototype.replace` syntax: `$1`, `$<name>`, `$&`. */
  replacement: string;
}
/** A scrubber as a plain `string → string` function (ApprovalTests' idea). TS configs only. */
export interface CustomNormalizer extends Scoped {
  kind: 'custom';
  /** Names it in error messages. */
  name: string;
  /** Must return a string; should be deterministic and applies to both sides. */
  fn: (text: string) => string;
}
/** Values at JSONPaths → `replacement` (JSON content only; see `json-path.ts`). */
export interface JsonPathsNormalizer extends Scoped {
  kind: 'jsonPaths';
  /** JSONPath expressions of the supported subset: `$.id`, `$.items[*].createdAt`, `$..etag`. */
  paths: string[];
  /** Default `'<redacted>'`. */
  replacement?: string;
}
/** Sort object keys recursively (JSON content only). */
export interface SortKeysNormalizer extends Scoped {
  kind: 'sortKeys';
}
/** Sort the lines of text content. */
export interface UnorderedLinesNormalizer extends Scoped {
  kind: 'unorderedLines';
}
/** Sort the data rows of CSV content, header first (CSV content only). */
export interface UnorderedRowsNormalizer extends Scoped {
  kind: 'unorderedRows';
}
/** A numeric tolerance for comparators (see `tolerance.ts`); does not change text. */
export interface ToleranceNormalizer extends Scoped, Tolerance {
  kind: 'tolerance';
}

/** Any normalizer, discriminated on `kind`. */
export type Normalizer =
  | TimestampsNormalizer
  | UuidsNormalizer
  | TempPathsNormalizer
  | DurationsNormalizer
  | RegexNormalizer
  | CustomNormalizer
  | JsonPathsNormalizer
  | SortKeysNormalizer
  | UnorderedLinesNormalizer
  | UnorderedRowsNormalizer
  | ToleranceNormalizer;

/** Every `kind`, in documentation order. */
export const NORMALIZER_KINDS = [
  'timestamps',
  'uuids',
  'tempPaths',
  'durations',
  'regex',
  'custom',
  'jsonPaths',
  'sortKeys',
  'unorderedLines',
  'unorderedRows',
  'tolerance',
] as const satisfies readonly Normalizer['kind'][];

// ---------------------------------------------------------------- schema

const globList = (what: string) =>
  z.array(z.string().min(1, `${what} globs must not be empty`)).min(1, `list at least one ${what} glob, or leave the field out`);

const scopeSchema = z.strictObject({
  channels: z
    .array(z.enum(['stdout', 'stderr', 'files'], { error: 'channels are stdout, stderr and files' }))
    .min(1, 'list at least one channel, or leave the field out')
    .optional(),
  files: globList('file').optional(),
  scenarios: globList('scenario').optional(),
  tags: z.array(z.string().min(1)).min(1, 'list at least one tag, or leave the field out').optional(),
});

const scoped = { scope: scopeSchema.optional() };
const plain = <K extends string>(kind: K) => z.strictObject({ kind: z.literal(kind), ...scoped });

const regexSchema = z
  .strictObject({
    kind: z.literal('regex'),
    pattern: z.union([z.string(), z.instanceof(RegExp)], { error: 'pattern must be a regex source string or a RegExp' }),
    flags: z.string().optional(),
    replacement: z.string({ error: 'replacement (string) is required; use "" to delete matches' }),
    ...scoped,
  })
  .superRefine((value, ctx) => {
    const problem = regexProblem(value.pattern, value.flags);
    if (problem !== undefined) ctx.addIssue({ code: 'custom', path: ['pattern'], message: problem });
  });

const customSchema = z.strictObject({
  kind: z.literal('custom'),
  name: z.string().min(1, 'name the custom normalizer (used in error messages)'),
  fn: z.custom<(text: string) => string>((value) => typeof value === 'function', {
    message: 'fn must be a function (text: string) => string; custom normalizers need a TypeScript config',
  }),
  ...scoped,
});

const jsonPathsSchema = z.strictObject({
  kind: z.literal('jsonPaths'),
  paths: z.array(jsonPathString()).min(1, 'list at least one JSONPath, e.g. "$.id"'),
  replacement: z.string().optional(),
  ...scoped,
});

const toleranceSchema = z
  .strictObject({
    kind: z.literal('tolerance'),
    path: jsonPathString().optional(),
    column: z.string().min(1).optional(),
    absolute: z.number().nonnegative().finite().optional(),
    relative: z.number().nonnegative().finite().optional(),
    ...scoped,
  })
  .superRefine((value, ctx) => {
    if (value.absolute === undefined && value.relative === undefined) {
      ctx.addIssue({ code: 'custom', path: [], message: 'set absolute and/or relative (e.g. { absolute: 0.01 })' });
    }
    if (value.path !== undefined && value.column !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['column'],
        message: 'set path (JSON) or column (CSV), not both; use two tolerance normalizers',
      });
    }
  });

/**
 * zod 4 schema of one normalizer, for the config loader. Objects are strict (a misspelt
 * field is an error), regexes must compile, JSONPaths must parse, and an unknown `kind` is
 * reported with the list of valid kinds. `custom` passes only with a function `fn`, so JSON
 * configs cannot use it.
 *
 * Use {@link parseNormalizers} to get a `ParityError` with readable messages.
 */
export const normalizerSchema = z.discriminatedUnion(
  'kind',
  [
    plain('timestamps'),
    plain('uuids'),
    plain('tempPaths'),
    plain('durations'),
    regexSchema,
    customSchema,
    jsonPathsSchema,
    plain('sortKeys'),
    plain('unorderedLines'),
    plain('unorderedRows'),
    toleranceSchema,
  ],
  {
    error: (issue) => {
      if (issue.code !== 'invalid_union') return undefined;
      const kind = (issue.input as { kind?: unknown } | undefined)?.kind;
      const prefix = kind === undefined ? 'kind is missing' : `unknown kind ${JSON.stringify(kind)}`;
      return `${prefix}; valid kinds: ${NORMALIZER_KINDS.join(', ')}`;
    },
  },
);

// Compile-time check that the schema produces exactly the hand-written (documented) type.
normalizerSchema satisfies z.ZodType<Normalizer>;

/**
 * Validates a list of normalizers from a config.
 *
 * @param value The config's `normalizers` field (unknown input).
 * @param where Where it came from, for messages: `paritykit.config.json: suites[0].normalizers`.
 * @returns The normalizers, unchanged (same objects).
 * @throws ParityError `CONFIG_INVALID` listing every problem as `where[i].field: message`.
 */
export function parseNormalizers(value: unknown, where: string): Normalizer[] {
  const result = z.array(normalizerSchema).safeParse(value);
  if (result.success) return value as Normalizer[];
  throw new ParityError('CONFIG_INVALID', `${where}: ${describeIssues(result.error)}`);
}

function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const at = issue.path.map((key) => (typeof key === 'number' ? `[${key}]` : `.${String(key)}`)).join('');
      return `${at === '' ? '' : `${at.replace(/^\./, '')}: `}${issue.message}`;
    })
    .join('; ');
}

function jsonPathString() {
  return z.string().superRefine((value, ctx) => {
    try {
      parseJsonPath(value);
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: (error as Error).message });
    }
  });
}

function regexProblem(pattern: string | RegExp, flags: string | undefined): string | undefined {
  try {
    compileRegex(pattern, flags);
    return undefined;
  } catch (error) {
    const source = typeof pattern === 'string' ? pattern : pattern.source;
    return `/${source}/ is not a valid regular expression: ${(error as Error).message}`;
  }
}

function compileRegex(pattern: string | RegExp, flags: string | undefined): RegExp {
  const base = flags ?? (typeof pattern === 'string' ? '' : pattern.flags);
  return new RegExp(pattern, base.includes('g') ? base : `${base}g`);
}

// ---------------------------------------------------------------- builders

/** Validates a built normalizer so a typo fails where the config is written. */
function built<N extends Normalizer>(normalizer: N): N {
  const result = normalizerSchema.safeParse(normalizer);
  if (!result.success) {
    throw new ParityError('CONFIG_INVALID', `normalize.${normalizer.kind}(): ${describeIssues(result.error)}`);
  }
  return normalizer;
}

function withScope<N extends Normalizer>(normalizer: N, scope: NormalizerScope | undefined): N {
  return built(scope === undefined ? normalizer : { ...normalizer, scope });
}

/**
 * Builders for TypeScript configs. Each validates its arguments and throws `ParityError`
 * `CONFIG_INVALID` on a bad regex, JSONPath, scope or tolerance.
 *
 * @example
 * normalizers: [
 *   normalize.timestamps(),
 *   normalize.uuids({ channels: ['stdout'] }),
 *   normalize.regex(/order #\d+/, 'order #<n>'),
 *   normalize.jsonPaths(['$.meta.requestId'], '<id>', { files: ['out/*.json'] }),
 *   normalize.tolerance({ path: '$.items[*].price', absolute: 0.005 }),
 *   normalize.custom('hostname', (text) => text.replaceAll(os.hostname(), '<host>')),
 * ]
 */
export const normalize = {
  /** ISO 8601 and RFC 2822 timestamps → `<timestamp>`. */
  timestamps: (scope?: NormalizerScope): TimestampsNormalizer => withScope({ kind: 'timestamps' }, scope),
  /** UUIDs → `<uuid_N>`, numbered by first occurrence. */
  uuids: (scope?: NormalizerScope): UuidsNormalizer => withScope({ kind: 'uuids' }, scope),
  /** Absolute temp paths → `<tmp>/rest`. */
  tempPaths: (scope?: NormalizerScope): TempPathsNormalizer => withScope({ kind: 'tempPaths' }, scope),
  /** Durations (`12ms`, `1.5s`, `2m30s`) → `<duration>`. */
  durations: (scope?: NormalizerScope): DurationsNormalizer => withScope({ kind: 'durations' }, scope),
  /** Every match of `pattern` (made global) → `replacement` (`$1` etc. allowed). */
  regex: (pattern: string | RegExp, replacement: string, scope?: NormalizerScope): RegexNormalizer =>
    withScope({ kind: 'regex', pattern, replacement }, scope),
  /** Values at JSONPaths → `replacement` (default `'<redacted>'`), JSON content only. */
  jsonPaths: (paths: string | string[], replacement?: string, scope?: NormalizerScope): JsonPathsNormalizer =>
    withScope(
      { kind: 'jsonPaths', paths: typeof paths === 'string' ? [paths] : paths, ...(replacement !== undefined && { replacement }) },
      scope,
    ),
  /** Sort JSON object keys recursively. */
  sortKeys: (scope?: NormalizerScope): SortKeysNormalizer => withScope({ kind: 'sortKeys' }, scope),
  /** Sort the lines of text content. */
  unorderedLines: (scope?: NormalizerScope): UnorderedLinesNormalizer => withScope({ kind: 'unorderedLines' }, scope),
  /** Sort CSV data rows, header first. */
  unorderedRows: (scope?: NormalizerScope): UnorderedRowsNormalizer => withScope({ kind: 'unorderedRows' }, scope),
  /** A numeric tolerance for comparators: `{ path?, column?, absolute?, relative?, scope? }`. */
  tolerance: (tolerance: Tolerance & { scope?: NormalizerScope }): ToleranceNormalizer =>
    built({ kind: 'tolerance', ...tolerance }),
  /** A plain `string → string` scrubber. */
  custom: (name: string, fn: (text: string) => string, scope?: NormalizerScope): CustomNormalizer =>
    withScope({ kind: 'custom', name, fn }, scope),
};

/**
 * What a suite gets when it configures no normalizers: `tempPaths` only.
 *
 * Decision: explicit over magic — timestamps, ids and durations may be the very behaviour
 * under test, so they are opt-in. `tempPaths` is the exception because the variation is
 * paritykit's own doing: every scenario runs in a fresh `<tmpdir>/paritykit-<random>/` dir,
 * so without it any program that prints its working directory differs on every run. A suite
 * that lists normalizers gets exactly that list (add `normalize.tempPaths()` to keep it).
 */
export function defaultNormalizers(): Normalizer[] {
  return [normalize.tempPaths()];
}

// ---------------------------------------------------------------- applying

/** Where a text being normalized came from; decides which normalizers are in scope. */
export interface NormalizeContext {
  channel: NormalizerChannel;
  /** File path relative to the working directory (`/` separators), for the `files` channel. */
  path?: string;
  scenarioId: string;
  /** The scenario's tags. */
  tags: string[];
}

/**
 * The normalizers whose scope covers `ctx`, in their original order.
 */
export function selectNormalizers(all: readonly Normalizer[], ctx: NormalizeContext): Normalizer[] {
  return all.filter((normalizer) => inScope(normalizer.scope, ctx));
}

function inScope(scope: NormalizerScope | undefined, ctx: NormalizeContext): boolean {
  if (scope === undefined) return true;
  const channels = scope.channels ?? (scope.files !== undefined ? ['files'] : undefined);
  if (channels !== undefined && !channels.includes(ctx.channel)) return false;
  if (scope.files !== undefined && ctx.channel === 'files') {
    const file = ctx.path;
    if (file === undefined || !scope.files.some((glob) => path.posix.matchesGlob(file, glob))) return false;
  }
  if (scope.scenarios !== undefined && !scope.scenarios.some((glob) => path.posix.matchesGlob(ctx.scenarioId, glob))) {
    return false;
  }
  if (scope.tags !== undefined && !scope.tags.some((tag) => ctx.tags.includes(tag))) return false;
  return true;
}

/**
 * Applies the normalizers in scope for `ctx` to `text`, in config order.
 *
 * - `timestamps`, `uuids`, `tempPaths`, `durations`, `regex`, `custom`, `unorderedLines`:
 *   any format except `binary` and `image` (those are returned untouched by every kind);
 * - `jsonPaths`, `sortKeys`: only for `json`; the text is parsed (when it does not parse it is
 *   left untouched) and re-serialized with `JSON.stringify(v, null, 2)`, keeping a trailing
 *   newline; numbers beyond double precision keep their source digits (see `json-text.ts`);
 * - `unorderedRows`: only for `csv`;
 * - `tolerance`: never (see {@link tolerancesFor}).
 *
 * @example
 * normalizeText('id 7e57d004-2b97-0e7a-b45f-5387367791cd at 2024-01-15T10:30:00Z\n', 'text',
 *   [normalize.uuids(), normalize.timestamps()], { channel: 'stdout', scenarioId: 'a', tags: [] })
 * // 'id <uuid_1> at <timestamp>\n'
 * @throws ParityError `CONFIG_INVALID` when a `custom` normalizer throws or returns a
 * non-string (the message names it and where it ran), or when a normalizer that skipped
 * validation has a bad regex or JSONPath.
 */
export function normalizeText(
  text: string,
  format: ContentFormat,
  normalizers: readonly Normalizer[],
  ctx: NormalizeContext,
): string {
  if (format === 'binary' || format === 'image') return text;
  let out = text;
  for (const normalizer of selectNormalizers(normalizers, ctx)) {
    out = applyNormalizer(out, format, normalizer, ctx);
  }
  return out;
}

function applyNormalizer(text: string, format: ContentFormat, normalizer: Normalizer, ctx: NormalizeContext): string {
  switch (normalizer.kind) {
    case 'timestamps':
      return replaceTimestamps(text);
    case 'uuids':
      return numberUuids(text);
    case 'tempPaths':
      return replaceTempPaths(text);
    case 'durations':
      return replaceDurations(text);
    case 'regex':
      return text.replace(compiledRegex(normalizer), normalizer.replacement);
    case 'custom':
      return applyCustom(text, normalizer, ctx);
    case 'jsonPaths':
      return format === 'json'
        ? transformJson(text, (value) => replaceJsonPaths(value, parsedPaths(normalizer), normalizer.replacement ?? '<redacted>'))
        : text;
    case 'sortKeys':
      return format === 'json' ? transformJson(text, sortJsonKeys) : text;
    case 'unorderedLines':
      return sortLines(text);
    case 'unorderedRows':
      return format === 'csv' ? sortCsvRows(text) : text;
    case 'tolerance':
      return text;
  }
}

function transformJson(text: string, transform: (value: JsonValue) => JsonValue): string {
  const parsed = parseJsonText(text);
  if (!parsed.ok) return text;
  return formatJsonText(transform(parsed.value)) + (text.endsWith('\n') ? '\n' : '');
}

function applyCustom(text: string, normalizer: CustomNormalizer, ctx: NormalizeContext): string {
  const where = `scenario ${ctx.scenarioId}, ${ctx.channel}${ctx.path === undefined ? '' : ` ${ctx.path}`}`;
  let result: unknown;
  try {
    result = normalizer.fn(text);
  } catch (error) {
    throw new ParityError(
      'CONFIG_INVALID',
      `custom normalizer "${normalizer.name}" threw on ${where}: ${(error as Error)?.message ?? String(error)}; fix the function`,
      { cause: error },
    );
  }
  if (typeof result !== 'string') {
    throw new ParityError(
      'CONFIG_INVALID',
      `custom normalizer "${normalizer.name}" returned ${result === null ? 'null' : typeof result} on ${where}; it must return a string`,
    );
  }
  return result;
}

const regexCache = new WeakMap<RegexNormalizer, RegExp>();

function compiledRegex(normalizer: RegexNormalizer): RegExp {
  let regex = regexCache.get(normalizer);
  if (regex === undefined) {
    const problem = regexProblem(normalizer.pattern, normalizer.flags);
    if (problem !== undefined) throw new ParityError('CONFIG_INVALID', `regex normalizer: ${problem}`);
    regex = compileRegex(normalizer.pattern, normalizer.flags);
    regexCache.set(normalizer, regex);
  }
  return regex;
}

const pathCache = new WeakMap<JsonPathsNormalizer, ParsedJsonPath[]>();

function parsedPaths(normalizer: JsonPathsNormalizer): ParsedJsonPath[] {
  let parsed = pathCache.get(normalizer);
  if (parsed === undefined) {
    parsed = normalizer.paths.map(parseJsonPath);
    pathCache.set(normalizer, parsed);
  }
  return parsed;
}

/**
 * The numeric tolerances in scope for `ctx`, in config order, for the JSON and CSV
 * comparators (which decide closeness: `harness/compare/tolerance.ts`). Only the tolerance
 * fields are copied: no `kind`, no `scope`.
 */
export function tolerancesFor(normalizers: readonly Normalizer[], ctx: NormalizeContext): Tolerance[] {
  const out: Tolerance[] = [];
  for (const normalizer of selectNormalizers(normalizers, ctx)) {
    if (normalizer.kind !== 'tolerance') continue;
    const { path: jsonPath, column, absolute, relative } = normalizer;
    out.push({
      ...(jsonPath !== undefined && { path: jsonPath }),
      ...(column !== undefined && { column }),
      ...(absolute !== undefined && { absolute }),
      ...(relative !== undefined && { relative }),
    });
  }
  return out;
}
