/**
 * The `http` comparator: compares what an exchange scenario showed on the legacy and on the
 * candidate, exchange by exchange: status, headers and body.
 *
 * - Status: compared as a number (the reason phrase is not compared: it is cosmetic, and
 *   HTTP/2 has none).
 * - Headers: case-insensitive names, a default ignore list of volatile headers
 *   ({@link DEFAULT_IGNORED_HEADERS}, Keploy's idea) that options extend or reduce; repeated
 *   headers compare as lists; `set-cookie` compares cookie names and attributes, not values.
 * - Body: by content type: JSON structurally, CSV by row, XML/HTML/text by line, PNG images
 *   pixel by pixel (pixelmatch, jest-image-snapshot's comparator), everything else by hash.
 * - Captured values compare as "the value the flow received earlier", not literally (see
 *   {@link compareHttp}).
 *
 * @see https://github.com/keploy/keploy for the volatile-header idea
 * @see https://github.com/americanexpress/jest-image-snapshot for the image comparison defaults
 */
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import type { HttpExchange, HttpObservation } from '../http-model.ts';
import type { ChannelResult, ContentFormat, Difference, JsonChange } from '../model.ts';
import { isRawJson } from '../normalize/json-text.ts';
import { detectFormat, isImage, isProbablyText } from '../../recorders/format.ts';
import { compareBinary } from './binary.ts';
import { compareContent } from './index.ts';
import { compareJson, parseStructured } from './json.ts';
import type { Tolerance } from './tolerance.ts';
import { compareValue } from './value.ts';

/**
 * Response headers ignored by default (lower case): they change from run to run or from one
 * implementation to the next without any client depending on them.
 *
 * - date, age, expires, last-modified, etag: clocks and content hashes of the moment;
 * - server, x-powered-by, via: name the implementation, which a rewrite changes by definition
 *   (same reason as `server`; put them in `compareHeaders` to check them);
 * - x-request-id, x-correlation-id, traceparent, tracestate, x-response-time: per request;
 * - connection, keep-alive, transfer-encoding: hop-by-hop framing (RFC 9110 §7.6.1);
 * - content-encoding: the body is compared decoded;
 * - content-length: the body is compared, except for HEAD requests, whose only body signal it is.
 *
 * `set-cookie` is not ignored: its cookie names and attributes are compared, its values are not
 * (session ids are volatile; a cookie that loses `HttpOnly` is a real change).
 */
export const DEFAULT_IGNORED_HEADERS: readonly string[] = [
  'date',
  'server',
  'etag',
  'last-modified',
  'x-request-id',
  'x-correlation-id',
  'traceparent',
  'tracestate',
  'x-response-time',
  'age',
  'expires',
  'via',
  'x-powered-by',
  'content-length',
  'connection',
  'keep-alive',
  'transfer-encoding',
  'content-encoding',
];

/** Default per-pixel colour threshold for images (0–1): jest-image-snapshot's default for pixelmatch. */
export const DEFAULT_IMAGE_THRESHOLD = 0.01;

/** Captured values shorter than this are only replaced where both sides line up (see {@link compareHttp}). */
export const MIN_CAPTURE_LENGTH = 4;

/** Longest `#n METHOD /path` label (characters) before it is cut with `…`. */
const MAX_LABEL_CHARS = 160;

const JSON_KEYWORDS: ReadonlySet<string> = new Set(['true', 'false', 'null']);

/** What a cookie value becomes before comparing. */
const MASKED = '…';

/** Most bytes of one body a report's exchange keeps (4 KiB); the rest is counted. */
export const MAX_EXCHANGE_BODY_BYTES = 4096;

/** Options of {@link compareHttp}. */
export interface HttpCompareOptions {
  /** More response headers to ignore (names, case-insensitive; `*` matches any characters:
   * `x-amzn-*`). */
  ignoreHeaders?: string[];
  /** Headers to compare although {@link DEFAULT_IGNORED_HEADERS} lists them (same syntax).
   * `set-cookie` here compares cookie values too. `ignoreHeaders` wins over this. */
  compareHeaders?: string[];
  /** Numeric tolerances for JSON bodies; `path` is a JSONPath into the body (`$.total`), not
   * into the reported `$.body.total`. */
  tolerances?: readonly Tolerance[];
  /** Normalizes a text body (`json`, `yaml`, `csv`, `xml`, `text`) of either side before
   * comparing: the config's normalizers. `exchange` is the 0-based index in `exchanges`. It
   * runs after captured values were replaced by `{{name}}`. */
  normalize?: (text: string, format: ContentFormat, ctx: { exchange: number }) => string;
  /** Per-pixel colour distance (0–1, pixelmatch's `threshold`) under which two pixels count as
   * the same. Default {@link DEFAULT_IMAGE_THRESHOLD}. Any pixel beyond it is a difference. */
  imageThreshold?: number;
}

/**
 * How two images compared. Proposed for the model (`Difference` kind `image`); until then it
 * rides on a `binary` difference (reporters render its sizes and hashes) as `image`.
 */
export interface ImageComparison {
  /** Decoded size of each side (pixels). */
  legacy: { width: number; height: number };
  candidate: { width: number; height: number };
  /** Pixels whose colour distance exceeds `threshold`; `null` when the sizes differ (not compared
   * pixel by pixel). */
  differingPixels: number | null;
  /** `differingPixels` ÷ (width × height), 0–1; `null` when the sizes differ. */
  ratio: number | null;
  /** The threshold used (0–1). */
  threshold: number;
  /** The diff image, PNG bytes in base64: the legacy image faded, differing pixels red
   * (pixelmatch's rendering). Absent when the sizes differ. */
  diffPng?: string;
  /** Each side's PNG bytes in base64, so a report can show baseline / candidate / diff; absent
   * when an image is larger than {@link MAX_REPORTED_IMAGE_BYTES}. */
  legacyPng?: string;
  candidatePng?: string;
}

/** Images up to this size (bytes, each side) travel in the report for side-by-side viewing. */
export const MAX_REPORTED_IMAGE_BYTES = 256 * 1024;

/**
 * A difference of one exchange: a {@link Difference} of the model, plus (local extensions the
 * lead folds into the model):
 * - `head`: status and header changes (`$.status`, `$.headers["x-total"]`) when the body's
 *   difference is not a `json` one (a JSON body's difference already lists them in `changes`);
 * - `image`: how two images compared.
 */
export type HttpDifference = Difference & { head?: JsonChange[]; image?: ImageComparison };

/**
 * Compares the legacy's and the candidate's `http` observations of one exchange scenario.
 *
 * Returns one {@link ChannelResult} per exchange (channel `http`, `path` = `#n METHOD /path`,
 * 1-based, captured values shown as `{{name}}`; `format` = the body's format), in order. When
 * one side has fewer exchanges (its scenario stopped: `error`), each missing exchange is a
 * `value` difference naming the side and its error. `error` itself is not compared: the caller
 * turns it into the verdict `error`.
 *
 * Every differing result also carries `exchange`, so reports can show what was sent and both
 * answers (passing ones do not: report size): the request as the candidate sent it (the
 * legacy's when the candidate never sent it), each side's response (absent for the side that
 * did not send it) with status, reason phrase and headers as recorded (redaction already
 * applied), and bodies as UTF-8 text cut at {@link MAX_EXCHANGE_BODY_BYTES} with a closing line
 * `… (N more bytes)`, or `<binary, N bytes, sha256 HEX>` for bytes that are not text (images,
 * NUL bytes, invalid UTF-8); an empty body is absent. Shown as observed: captured values are
 * not replaced and normalizers not applied.
 *
 * The difference of one exchange:
 * - status only: a `value` difference (`status: 200 → 404`);
 * - otherwise, when the body is JSON on both sides (or equal, or absent): one `json` difference
 *   whose paths are `$.status`, `$.headers["name"]` (values a string, or a list for a repeated
 *   header) and `$.body…` (the body's own JSONPath under `$.body`), so a deviation can name any of them;
 * - otherwise the body's difference (`text`, `csv`, `binary`; images: `binary` with `image`),
 *   its summary and `unified` prefixed with the status and header changes, which are also in
 *   `head` (see {@link HttpDifference}).
 *
 * Captured values: before comparing, in each side's responses (bodies and header values),
 * every occurrence of a value that side captured (its `captures` over the whole scenario) of
 * at least {@link MIN_CAPTURE_LENGTH} characters becomes `{{name}}` (string match, longest
 * first, one pass; in JSON in strings and keys, and numbers equal to the value). Shorter values
 * (`17`) would match unrelated text, so they are replaced only in pairs: a JSON leaf, a header
 * value or a whole text body whose legacy and candidate versions become equal when each side's
 * values are replaced where they stand as whole tokens (not next to a letter or digit). So
 * `{"id":17}` and `{"id":903}` are equal when 17 and 903 are what each side captured as `id`.
 *
 * Bodies: the format comes from the legacy's `content-type` (else the candidate's; else the
 * bytes are sniffed): `application/json`, `*+json` → JSON (compared structurally, numeric
 * `tolerances` applied; a side that does not parse is compared as text, and the summary says
 * so); `text/csv` → CSV; `application/xml`, `text/xml`, `*+xml` → XML (by line);
 * `application/yaml`, `text/yaml` → YAML; other `text/*`, form data, JavaScript → text;
 * `image/*` → image; anything else → sniffed (`recorders/format.ts` `detectFormat`). PNG images
 * are decoded (pngjs) and compared with pixelmatch at `imageThreshold`: equal pixels are equal
 * even when the bytes differ. JPEG, GIF and WebP are compared by hash (no decoder is installed),
 * and the summary says so.
 *
 * @throws ParityError `CONFIG_INVALID` when a tolerance path is not a supported JSONPath.
 *
 * @example
 * const results = compareHttp(baseline.http, candidateObservation, { ignoreHeaders: ['x-cache'] });
 * results.filter((r) => r.verdict === 'diff').map((r) => `${r.path}: ${r.difference!.summary}`);
 */
export function compareHttp(
  legacy: HttpObservation,
  candidate: HttpObservation,
  options: HttpCompareOptions = {},
): ChannelResult[] {
  const captures: SidePair<Captures> = {
    legacy: capturesOf(legacy),
    candidate: capturesOf(candidate),
  };
  const ignored = headerFilter(options);
  const results: ChannelResult[] = [];
  const count = Math.max(legacy.exchanges.length, candidate.exchanges.length);
  for (let index = 0; index < count; index++) {
    const l = legacy.exchanges[index];
    const c = candidate.exchanges[index];
    const path = exchangeLabel(index, l ?? c, l ? captures.legacy : captures.candidate);
    if (!l || !c) {
      results.push({
        channel: 'http',
        path,
        verdict: 'diff',
        difference: missingExchange(index, legacy, candidate),
        exchange: reportedExchange(l, c),
      });
      continue;
    }
    const { format, difference } = compareExchange(index, { legacy: l, candidate: c }, captures, ignored, options);
    results.push({
      channel: 'http',
      path,
      format,
      verdict: difference === null ? 'pass' : 'diff',
      // Only differing exchanges carry the exchange itself: a passing one would only grow the report.
      ...(difference !== null ? { difference, exchange: reportedExchange(l, c) } : {}),
    });
  }
  return results;
}

/** The exchange as a {@link ChannelResult} carries it for reports. */
type ReportedExchange = NonNullable<ChannelResult['exchange']>;
type ReportedResponse = NonNullable<ReportedExchange['legacy']>;

/**
 * The exchange of a differing result, for reports: the request as the candidate sent it (the
 * legacy's when the candidate never sent it) and each side's response, as observed (captured
 * values not replaced, normalizers not applied; header lists as recorded, already redacted).
 * Bodies go through {@link reportedBody}.
 */
function reportedExchange(legacy: HttpExchange | undefined, candidate: HttpExchange | undefined): ReportedExchange {
  const sent = (candidate ?? legacy)!.request;
  const body = reportedBody(sent.body);
  const response = (exchange: HttpExchange | undefined): ReportedResponse | undefined => {
    if (exchange === undefined) return undefined;
    const r = exchange.response;
    const text = reportedBody(r.body);
    return { status: r.status, statusText: r.statusText, headers: copyHeaders(r.headers), ...(text !== undefined ? { body: text } : {}) };
  };
  const l = response(legacy);
  const c = response(candidate);
  return {
    request: { method: sent.method, url: sent.url, headers: copyHeaders(sent.headers), ...(body !== undefined ? { body } : {}) },
    ...(l !== undefined ? { legacy: l } : {}),
    ...(c !== undefined ? { candidate: c } : {}),
  };
}

function copyHeaders(headers: ReadonlyArray<[string, string]>): Array<[string, string]> {
  return headers.map(([name, value]) => [name, value]);
}

/**
 * A body as report text: `undefined` when absent or empty; UTF-8 text (no NUL byte, not an
 * image) cut at {@link MAX_EXCHANGE_BODY_BYTES} on a character boundary, followed by a line
 * `… (N more bytes)` when cut; anything else `<binary, N bytes, sha256 HEX>`.
 */
function reportedBody(body: Buffer | null): string | undefined {
  if (body === null || body.length === 0) return undefined;
  if (isImage(body) || !isProbablyText(body)) {
    return `<binary, ${body.length} bytes, sha256 ${createHash('sha256').update(body).digest('hex')}>`;
  }
  if (body.length <= MAX_EXCHANGE_BODY_BYTES) return body.toString('utf8');
  let cut = MAX_EXCHANGE_BODY_BYTES;
  // Back up to the first byte of a character: UTF-8 continuation bytes are 10xxxxxx.
  while (cut > 0 && (body[cut]! & 0xc0) === 0x80) cut--;
  return `${body.subarray(0, cut).toString('utf8')}\n… (${body.length - cut} more bytes)`;
}

/** A value for each side. */
interface SidePair<T> {
  legacy: T;
  candidate: T;
}

/** One side's captured values: name → value, and the replacers built from them. */
interface Captures {
  values: Map<string, string>;
  /** Long values anywhere (single pass, longest first); `null` when there are none. */
  long: { re: RegExp; nameOf: Map<string, string> } | null;
  /** Every non-empty value as a whole token; `null` when there are none. */
  token: { re: RegExp; nameOf: Map<string, string> } | null;
}

function capturesOf(observation: HttpObservation): Captures {
  const values = new Map<string, string>();
  for (const exchange of observation.exchanges) {
    for (const [name, value] of Object.entries(exchange.captures)) values.set(name, value);
  }
  // The first name that captured a value owns it (two names for one id show the first).
  const nameOf = new Map<string, string>();
  for (const [name, value] of values) if (value !== '' && !nameOf.has(value)) nameOf.set(value, name);
  const byLength = [...nameOf.keys()].sort((a, b) => b.length - a.length);
  // JSON keywords a capture of a boolean or null yields are words, not ids: pairs only.
  const longValues = byLength.filter((v) => v.length >= MIN_CAPTURE_LENGTH && !JSON_KEYWORDS.has(v));
  // Regex alternation tries alternatives in order: longest first gives the longest match.
  const alternation = (list: string[]) => list.map(escapeRegExp).join('|');
  return {
    values,
    long: longValues.length === 0 ? null : { re: new RegExp(alternation(longValues), 'g'), nameOf },
    token:
      byLength.length === 0
        ? null
        : { re: new RegExp(`(?<![A-Za-z0-9])(?:${alternation(byLength)})(?![A-Za-z0-9])`, 'g'), nameOf },
  };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/** Every long captured value in `text` → `{{name}}`. */
function replaceLong(text: string, captures: Captures): string {
  const long = captures.long;
  if (long === null) return text;
  return text.replace(long.re, (value) => `{{${long.nameOf.get(value)}}}`);
}

/** Every captured value standing as a whole token in `text` → `{{name}}`. */
function replaceTokens(text: string, captures: Captures): string {
  const token = captures.token;
  if (token === null) return text;
  return text.replace(token.re, (value) => `{{${token.nameOf.get(value)}}}`);
}

/**
 * The pair rule for short values: both sides' token replacements, kept only when they make the
 * two texts equal. Returns `null` when they do not.
 */
function replacePair(l: string, c: string, captures: SidePair<Captures>): [string, string] | null {
  const a = replaceTokens(l, captures.legacy);
  const b = replaceTokens(c, captures.candidate);
  return a === b && (a !== l || b !== c) ? [a, b] : null;
}

/** `#n METHOD /path`, with the side's captured values in the path shown as `{{name}}`. */
function exchangeLabel(index: number, exchange: HttpExchange, captures: Captures): string {
  const url = exchange.request.url;
  const cut = url.indexOf('?');
  const pathPart = cut === -1 ? url : url.slice(0, cut);
  const shown = replaceTokens(replaceLong(pathPart, captures), captures) + (cut === -1 ? '' : url.slice(cut));
  const label = `#${index + 1} ${exchange.request.method} ${shown}`;
  return label.length > MAX_LABEL_CHARS ? `${label.slice(0, MAX_LABEL_CHARS - 1)}…` : label;
}

function missingExchange(index: number, legacy: HttpObservation, candidate: HttpObservation): Difference {
  const side = legacy.exchanges[index] ? 'candidate' : 'legacy';
  const observation = side === 'candidate' ? candidate : legacy;
  const present = (legacy.exchanges[index] ?? candidate.exchanges[index])!;
  const why = observation.error !== undefined ? ` (its scenario stopped: ${observation.error})` : '';
  const summary = `the ${side} did not send request #${index + 1}${why}`;
  const seen = `${present.response.status} ${present.response.statusText}`.trim();
  return {
    kind: 'value',
    summary,
    unified: `~ request #${index + 1}: ${side === 'candidate' ? `${seen} → (not sent)` : `(not sent) → ${seen}`}`,
    legacy: side === 'legacy' ? null : present.response.status,
    candidate: side === 'candidate' ? null : present.response.status,
  };
}

// ---------------------------------------------------------------------------------------------
// One exchange

function compareExchange(
  index: number,
  pair: SidePair<HttpExchange>,
  captures: SidePair<Captures>,
  ignored: (name: string, isHead: boolean) => boolean,
  options: HttpCompareOptions,
): { format: ContentFormat; difference: HttpDifference | null } {
  const l = pair.legacy.response;
  const c = pair.candidate.response;
  const status = compareValue('status', l.status, c.status);
  const isHead = pair.legacy.request.method === 'HEAD';
  const headers = pairHeaders(
    {
      legacy: headerRecord(l.headers, ignored, isHead, options),
      candidate: headerRecord(c.headers, ignored, isHead, options),
    },
    captures,
  );
  const format = bodyFormat(contentTypeOf(l.headers) ?? contentTypeOf(c.headers), l.body.length > 0 ? l.body : c.body);
  const body = prepareBodies(index, format, { legacy: l.body, candidate: c.body }, captures, options);

  // JSON on both sides: status, headers and body in one structural difference.
  if (body.kind === 'json') {
    const json = compareJson(
      { headers: headers.legacy, body: body.legacy },
      { headers: headers.candidate, body: body.candidate },
      { tolerances: bodyTolerances(options.tolerances) },
    );
    if (status === null && json === null) return { format, difference: null };
    if (json === null) return { format, difference: status };
    const statusChange = statusChanges(l.status, c.status);
    const changes = [...statusChange, ...(json.kind === 'json' ? json.changes : [])];
    return {
      format,
      difference: {
        kind: 'json',
        summary: exchangeSummary(changes, null),
        unified: [...statusChange.map(renderChange), json.unified].join('\n'),
        changes,
      },
    };
  }

  const headerDiff = compareJson({ headers: headers.legacy }, { headers: headers.candidate });
  const head = [...statusChanges(l.status, c.status), ...(headerDiff?.kind === 'json' ? headerDiff.changes : [])];
  const bodyDiff = body.kind === 'image' ? compareImages(body.legacy, body.candidate, options.imageThreshold) : body.compare();
  if (bodyDiff === null) {
    if (head.length === 0) return { format, difference: null };
    if (headerDiff === null) return { format, difference: status };
    return {
      format,
      difference: { kind: 'json', summary: exchangeSummary(head, null), unified: head.map(renderChange).join('\n'), changes: head },
    };
  }
  if (head.length === 0) return { format, difference: bodyDiff };
  return {
    format,
    difference: {
      ...bodyDiff,
      summary: exchangeSummary(head, bodyDiff.summary),
      unified: [...head.map(renderChange), bodyDiff.unified].join('\n'),
      head,
    },
  };
}

function statusChanges(legacy: number, candidate: number): JsonChange[] {
  return legacy === candidate ? [] : [{ path: '$.status', kind: 'changed', legacy, candidate }];
}

/** Tolerance paths are written into the body (`$.total`); the compared value nests it at `$.body`. */
function bodyTolerances(tolerances: readonly Tolerance[] | undefined): Tolerance[] {
  return (tolerances ?? []).map((t) => (t.path === undefined ? t : { ...t, path: `$.body${t.path.slice(1)}` }));
}

/**
 * `status 200 → 201; header x-total changed; body: …`. Header and body parts come from the
 * changes' paths; `bodySummary` is a non-JSON body difference's own summary.
 */
function exchangeSummary(changes: readonly JsonChange[], bodySummary: string | null): string {
  const parts: string[] = [];
  const status = changes.find((ch) => ch.path === '$.status');
  if (status) parts.push(`status ${String(status.legacy)} → ${String(status.candidate)}`);
  const headerChanges = changes.filter((ch) => ch.path.startsWith('$.headers'));
  const headerNames = [...new Set(headerChanges.map((ch) => headerName(ch.path)))];
  if (headerNames.length === 1) {
    const only = headerChanges.length === 1 ? headerChanges[0].kind : 'changed';
    parts.push(`header ${headerNames[0]} ${only === 'type' ? 'changed' : only}`);
  } else if (headerNames.length > 1) parts.push(`${headerNames.length} headers differ (${headerNames.join(', ')})`);
  const body = changes.filter((ch) => ch.path === '$.body' || ch.path.startsWith('$.body.') || ch.path.startsWith('$.body['));
  if (body.length === 1) parts.push(`body ${body[0].path} ${body[0].kind === 'type' ? 'changed type' : body[0].kind}`);
  else if (body.length > 1) parts.push(`${body.length} body paths differ (${countKinds(body)})`);
  if (bodySummary !== null) parts.push(`body: ${bodySummary}`);
  return parts.join('; ');
}

/** `$.headers["x-total"]`, `$.headers.etag`, `$.headers.vary[1]` → the header name. */
function headerName(path: string): string {
  const m = /^\$\.headers(?:\.([A-Za-z_][A-Za-z0-9_]*)|\[("(?:[^"\\]|\\.)*")\])/.exec(path);
  if (!m) return path;
  return m[1] ?? (JSON.parse(m[2]) as string);
}

function countKinds(changes: readonly JsonChange[]): string {
  const counts = new Map<string, number>();
  for (const ch of changes) {
    const word = ch.kind === 'type' ? 'changed type' : ch.kind;
    counts.set(word, (counts.get(word) ?? 0) + 1);
  }
  return ['changed', 'changed type', 'added', 'removed']
    .filter((w) => counts.has(w))
    .map((w) => `${counts.get(w)} ${w}`)
    .join(', ');
}

/** One line as the JSON comparator renders it (`~ $.status: 200 → 201`). */
function renderChange(ch: JsonChange): string {
  const show = (v: unknown) => JSON.stringify(v) ?? String(v);
  if (ch.kind === 'added') return `+ ${ch.path}: ${show(ch.candidate)}`;
  if (ch.kind === 'removed') return `- ${ch.path}: ${show(ch.legacy)}`;
  return `~ ${ch.path}: ${show(ch.legacy)} → ${show(ch.candidate)}`;
}

// ---------------------------------------------------------------------------------------------
// Headers

/** Tells whether a response header is left out; `content-length` of a HEAD response only when
 * `ignoreHeaders` names it. */
function headerFilter(options: HttpCompareOptions): (name: string, isHead: boolean) => boolean {
  const compile = (patterns: readonly string[]) =>
    patterns.map((p) => new RegExp(`^${p.toLowerCase().split('*').map(escapeRegExp).join('.*')}$`));
  const defaults = compile(DEFAULT_IGNORED_HEADERS);
  const keep = compile(options.compareHeaders ?? []);
  const extra = compile(options.ignoreHeaders ?? []);
  return (name, isHead) => {
    if (extra.some((re) => re.test(name))) return true;
    if (isHead && name === 'content-length') return false;
    return defaults.some((re) => re.test(name)) && !keep.some((re) => re.test(name));
  };
}

/** Header name → value (a list when repeated), ignored ones left out, in wire order. */
function headerRecord(
  headers: ReadonlyArray<[string, string]>,
  ignored: (name: string, isHead: boolean) => boolean,
  isHead: boolean,
  options: HttpCompareOptions,
): Map<string, string[]> {
  const compareCookieValues = (options.compareHeaders ?? []).some((n) => n.toLowerCase() === 'set-cookie');
  const out = new Map<string, string[]>();
  for (const [rawName, value] of headers) {
    const name = rawName.toLowerCase();
    if (ignored(name, isHead)) continue;
    let shown = value.trim();
    if (name === 'set-cookie' && !compareCookieValues) shown = maskCookie(shown);
    if (name === 'content-type') shown = canonicalMediaType(shown);
    out.set(name, [...(out.get(name) ?? []), shown]);
  }
  if (out.has('set-cookie') && !compareCookieValues) out.get('set-cookie')!.sort();
  return out;
}

/**
 * A `Set-Cookie` value with the cookie's value and its `Expires` date masked, attribute names
 * lower-cased and attributes sorted: `sid=…; httponly; path=/` (RFC 6265 §4.1).
 */
function maskCookie(value: string): string {
  const [pair, ...attributes] = value.split(';').map((s) => s.trim());
  const eq = pair.indexOf('=');
  const name = eq === -1 ? pair : pair.slice(0, eq);
  const attrs = attributes
    .filter((a) => a !== '')
    .map((a) => {
      const at = a.indexOf('=');
      const key = (at === -1 ? a : a.slice(0, at)).trim().toLowerCase();
      if (at === -1) return key;
      return `${key}=${key === 'expires' ? MASKED : a.slice(at + 1).trim()}`;
    })
    .sort();
  return [`${name}=${MASKED}`, ...attrs].join('; ');
}

/** `Application/JSON;Charset=UTF-8` → `application/json; charset=utf-8`. */
function canonicalMediaType(value: string): string {
  const [type, ...params] = value.split(';').map((s) => s.trim());
  const shown = params
    .filter((p) => p !== '')
    .map((p) => {
      const at = p.indexOf('=');
      if (at === -1) return p.toLowerCase();
      const key = p.slice(0, at).trim().toLowerCase();
      const v = p.slice(at + 1).trim().replace(/^"(.*)"$/, '$1');
      return `${key}=${key === 'charset' ? v.toLowerCase() : v}`;
    });
  return [type.toLowerCase(), ...shown].join('; ');
}

/**
 * Applies the captured-value rules to both sides' headers and turns them into plain records
 * (a single value as a string, a repeated header as a list) for the JSON comparator.
 */
function pairHeaders(
  headers: SidePair<Map<string, string[]>>,
  captures: SidePair<Captures>,
): SidePair<Record<string, string | string[]>> {
  const side = (map: Map<string, string[]>, own: Captures) =>
    new Map([...map].map(([name, values]) => [name, values.map((v) => replaceLong(v, own))]));
  const l = side(headers.legacy, captures.legacy);
  const c = side(headers.candidate, captures.candidate);
  for (const [name, lv] of l) {
    const cv = c.get(name);
    if (cv === undefined || lv.length !== cv.length) continue;
    for (let i = 0; i < lv.length; i++) {
      if (lv[i] === cv[i]) continue;
      const paired = replacePair(lv[i], cv[i], captures);
      if (paired) [lv[i], cv[i]] = paired;
    }
  }
  const record = (map: Map<string, string[]>) =>
    Object.fromEntries([...map].map(([name, values]) => [name, values.length === 1 ? values[0] : values]));
  return { legacy: record(l), candidate: record(c) };
}

function contentTypeOf(headers: ReadonlyArray<[string, string]>): string | null {
  const found = headers.find(([name]) => name.toLowerCase() === 'content-type');
  return found ? found[1] : null;
}

// ---------------------------------------------------------------------------------------------
// Bodies

const YAML_TYPES = new Set(['application/yaml', 'application/x-yaml', 'text/yaml', 'text/x-yaml']);
const XML_TYPES = new Set(['application/xml', 'text/xml']);
const TEXT_TYPES = new Set(['application/x-www-form-urlencoded', 'application/javascript', 'application/graphql']);

/**
 * The format a body is compared in, from its content type; bytes are sniffed when the type
 * says nothing (absent, `application/octet-stream`, an unknown `application/*`).
 */
function bodyFormat(contentType: string | null, sample: Buffer): ContentFormat {
  const type = (contentType ?? '').split(';')[0].trim().toLowerCase();
  if (type === 'application/json' || type.endsWith('+json')) return 'json';
  if (type === 'text/csv') return 'csv';
  if (XML_TYPES.has(type) || type.endsWith('+xml')) return 'xml';
  if (YAML_TYPES.has(type)) return 'yaml';
  if (type.startsWith('image/')) return 'image';
  if (type.startsWith('text/') || TEXT_TYPES.has(type)) return 'text';
  return detectFormat(null, sample);
}

/** Bodies ready to compare: parsed JSON on both sides, image bytes, or a deferred comparison. */
type PreparedBodies =
  | { kind: 'json'; legacy: unknown; candidate: unknown }
  | { kind: 'image'; legacy: Buffer; candidate: Buffer }
  | { kind: 'other'; compare: () => Difference | null };

function prepareBodies(
  index: number,
  format: ContentFormat,
  bodies: SidePair<Buffer>,
  captures: SidePair<Captures>,
  options: HttpCompareOptions,
): PreparedBodies {
  if (format === 'image') return { kind: 'image', legacy: bodies.legacy, candidate: bodies.candidate };
  if (format === 'binary') return { kind: 'other', compare: () => compareBinary(bodies.legacy, bodies.candidate) };
  if (bodies.legacy.length === 0 && bodies.candidate.length === 0) {
    return format === 'json' ? { kind: 'json', legacy: null, candidate: null } : { kind: 'other', compare: () => null };
  }
  const text = { legacy: bodies.legacy.toString('utf8'), candidate: bodies.candidate.toString('utf8') };
  const normalize = (s: string) => (options.normalize ? options.normalize(s, format, { exchange: index }) : s);
  if (format === 'json') {
    const a = parseStructured(text.legacy, 'json');
    const b = parseStructured(text.candidate, 'json');
    if (a.ok && b.ok) {
      const [l, c] = pairJson(
        replaceLongInJson(a.value, captures.legacy),
        replaceLongInJson(b.value, captures.candidate),
        captures,
      );
      const na = parseStructured(normalize(JSON.stringify(l)), 'json');
      const nb = parseStructured(normalize(JSON.stringify(c)), 'json');
      if (na.ok && nb.ok) return { kind: 'json', legacy: na.value, candidate: nb.value };
    }
  }
  // Text formats, and JSON that does not parse on a side: captured values in the text, then the
  // normalizers; compareContent falls back to text (and says why) for JSON that does not parse.
  let l = replaceLong(text.legacy, captures.legacy);
  let c = replaceLong(text.candidate, captures.candidate);
  const paired = l === c ? null : replacePair(l, c, captures);
  if (paired) [l, c] = paired;
  const a = normalize(l);
  const b = normalize(c);
  if (format === 'yaml') {
    // YAML compares structurally like JSON, so its paths sit under `$.body` too.
    const pa = parseStructured(a, 'yaml');
    const pb = parseStructured(b, 'yaml');
    if (pa.ok && pb.ok) return { kind: 'json', legacy: pa.value, candidate: pb.value };
  }
  return {
    kind: 'other',
    compare: () => compareContent(a, b, format, { tolerances: options.tolerances, label: `response #${index + 1} body` }),
  };
}

/** Long captured values in string leaves and keys, and number leaves equal to a value → `{{name}}`. */
function replaceLongInJson(value: unknown, captures: Captures): unknown {
  if (captures.long === null) return value;
  const visit = (node: unknown): unknown => {
    if (typeof node === 'string') return replaceLong(node, captures);
    if (typeof node === 'number' || isRawJson(node)) {
      const text = numberText(node);
      const name = text.length >= MIN_CAPTURE_LENGTH ? captures.long!.nameOf.get(text) : undefined;
      return name === undefined ? node : `{{${name}}}`;
    }
    if (Array.isArray(node)) return node.map(visit);
    if (typeof node === 'object' && node !== null) {
      return Object.fromEntries(Object.entries(node).map(([k, v]) => [replaceLong(k, captures), visit(v)]));
    }
    return node;
  };
  return visit(value);
}

/** Walks both JSON values in step; leaves the pair rule makes equal become their `{{name}}` form. */
function pairJson(l: unknown, c: unknown, captures: SidePair<Captures>): [unknown, unknown] {
  if (Array.isArray(l) && Array.isArray(c)) {
    const a = [...l];
    const b = [...c];
    for (let i = 0; i < Math.min(a.length, b.length); i++) [a[i], b[i]] = pairJson(a[i], b[i], captures);
    return [a, b];
  }
  if (isPlainObject(l) && isPlainObject(c)) {
    const a = { ...l };
    const b = { ...c };
    for (const key of Object.keys(a)) if (Object.hasOwn(b, key)) [a[key], b[key]] = pairJson(a[key], b[key], captures);
    return [a, b];
  }
  const lt = leafText(l);
  const ct = leafText(c);
  if (lt === null || ct === null || lt === ct) return [l, c];
  return replacePair(lt, ct, captures) ?? [l, c];
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !isRawJson(value);
}

/** A string or number leaf as text; `null` for anything else. */
function leafText(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || isRawJson(value)) return numberText(value);
  return null;
}

function numberText(value: unknown): string {
  return isRawJson(value) ? (value as { rawJSON: string }).rawJSON : String(value);
}

// ---------------------------------------------------------------------------------------------
// Images

interface PngImage {
  width: number;
  height: number;
  data: Buffer;
}

interface PngModule {
  PNG: {
    new (options: { width: number; height: number }): PngImage;
    sync: { read(buffer: Buffer): PngImage; write(png: PngImage): Buffer };
  };
}

type Pixelmatch = (
  img1: Uint8Array,
  img2: Uint8Array,
  output: Uint8Array | null,
  width: number,
  height: number,
  options?: { threshold?: number },
) => number;

let imageLibraries: { PNG: PngModule['PNG']; pixelmatch: Pixelmatch } | null = null;

/**
 * pngjs and pixelmatch are CommonJS without types, loaded on the first image compared. They are
 * jest-image-snapshot's dependencies (paritykit depends on jest-image-snapshot), so they are
 * resolved from its folder: that works whether or not the package manager hoisted them.
 */
function loadImageLibraries(): { PNG: PngModule['PNG']; pixelmatch: Pixelmatch } {
  if (imageLibraries === null) {
    const own = createRequire(import.meta.url);
    const require = createRequire(own.resolve('jest-image-snapshot'));
    imageLibraries = { PNG: (require('pngjs') as PngModule).PNG, pixelmatch: require('pixelmatch') as Pixelmatch };
  }
  return imageLibraries;
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function isPng(bytes: Buffer): boolean {
  return bytes.subarray(0, PNG_SIGNATURE.length).equals(PNG_SIGNATURE);
}

/**
 * Compares two image bodies. PNG on both sides: decoded and compared pixel by pixel; anything
 * else by hash, with the summary saying why.
 */
function compareImages(legacy: Buffer, candidate: Buffer, threshold = DEFAULT_IMAGE_THRESHOLD): HttpDifference | null {
  if (legacy.equals(candidate)) return null;
  const byHash = (why: string): HttpDifference | null => {
    const d = compareBinary(legacy, candidate);
    return d === null ? null : { ...d, summary: `${why}; ${d.summary}` };
  };
  if (!isPng(legacy) || !isPng(candidate)) {
    const kinds = [imageKind(legacy), imageKind(candidate)];
    return byHash(`${[...new Set(kinds)].join(' vs ')} compared by hash (only PNG images are decoded: no JPEG, GIF or WebP decoder is installed)`);
  }
  const { PNG, pixelmatch } = loadImageLibraries();
  let a: PngImage;
  let b: PngImage;
  try {
    a = PNG.sync.read(legacy);
    b = PNG.sync.read(candidate);
  } catch (error) {
    return byHash(`a PNG does not decode (${(error as Error).message}), compared by hash`);
  }
  const sizes = {
    legacy: { width: a.width, height: a.height },
    candidate: { width: b.width, height: b.height },
    ...(legacy.length <= MAX_REPORTED_IMAGE_BYTES && candidate.length <= MAX_REPORTED_IMAGE_BYTES
      ? { legacyPng: legacy.toString('base64'), candidatePng: candidate.toString('base64') }
      : {}),
  };
  const binary = compareBinary(legacy, candidate)!;
  if (a.width !== b.width || a.height !== b.height) {
    const summary = `image size differs: ${a.width}×${a.height} → ${b.width}×${b.height} px`;
    return {
      ...binary,
      summary,
      unified: `${summary}\n${binary.unified}`,
      image: { ...sizes, differingPixels: null, ratio: null, threshold },
    };
  }
  const diff = new PNG({ width: a.width, height: a.height });
  const differing = pixelmatch(a.data, b.data, diff.data, a.width, a.height, { threshold });
  if (differing === 0) return null;
  const ratio = differing / (a.width * a.height);
  const summary = `image differs: ${differing} ${differing === 1 ? 'pixel differs' : 'pixels differ'} (${formatPercent(ratio)}) of ${a.width}×${a.height} at threshold ${threshold}`;
  return {
    ...binary,
    summary,
    unified: `${summary}\n${binary.unified}`,
    image: { ...sizes, differingPixels: differing, ratio, threshold, diffPng: PNG.sync.write(diff).toString('base64') },
  };
}

function imageKind(bytes: Buffer): string {
  if (isPng(bytes)) return 'PNG';
  if (bytes[0] === 0xff && bytes[1] === 0xd8) return 'JPEG';
  if (bytes.subarray(0, 3).toString('latin1') === 'GIF') return 'GIF';
  if (isImage(bytes)) return 'WebP';
  return 'non-image bytes';
}

/** `0.75%`, `0.0123%`: two significant digits below 1%. */
function formatPercent(ratio: number): string {
  const pct = ratio * 100;
  return `${pct >= 1 ? pct.toFixed(2) : pct.toPrecision(2)}%`;
}
