/**
 * HAR 1.2 export and import of HTTP exchanges (http://www.softwareishard.com/blog/har-12-spec/).
 *
 * - {@link toHar}: recorded scenarios → a HAR document browser devtools open (one page per
 *   scenario, entries with `pageref` = scenario id). paritykit's own fields ride in `_paritykit`
 *   (custom fields start with `_`, HAR 1.2 §"Custom Fields"), so {@link readHarExchanges} gets
 *   the exchanges back exactly.
 * - {@link fromHar}: a HAR file (from devtools, a proxy, paritykit) → exchange scenarios to
 *   replay, redacted, with captures derived like the recording proxy's.
 *
 * Nothing here does I/O: callers read and write the files.
 */
import { ParityError } from '../harness/errors.ts';
import type { HttpExchange, HttpRequestSpec } from '../harness/http-model.ts';
import { PARITYKIT_VERSION } from '../harness/version.ts';
import { isProbablyText } from './format.ts';
import { createExchangeRedactor, parseCookieHeader, requestSpecsFromExchanges } from './proxy.ts';
import type { ExchangeRedactionOptions } from './proxy.ts';

// ------------------------------------------------------------------------------- HAR types

/** `creator` / `browser` of a HAR log. */
export interface HarCreator {
  name: string;
  version: string;
  comment?: string;
}

/** A header, query parameter or form field. */
export interface HarNameValue {
  name: string;
  value: string;
  comment?: string;
}

/** A cookie, as sent (request) or set (response). */
export interface HarCookie {
  name: string;
  value: string;
  path?: string;
  domain?: string;
  /** ISO 8601. */
  expires?: string;
  httpOnly?: boolean;
  secure?: boolean;
  /** Not in HAR 1.2; written by Chromium, kept for devtools. */
  sameSite?: string;
  comment?: string;
}

/** A request body. */
export interface HarPostData {
  mimeType: string;
  text?: string;
  params?: Array<{ name: string; value?: string; fileName?: string; contentType?: string; comment?: string }>;
  comment?: string;
  /** paritykit: `base64` when `text` holds a binary body base64-encoded (HAR 1.2 has no field for it). */
  _encoding?: 'base64';
}

/** `entry.request`. */
export interface HarRequest {
  method: string;
  /** Absolute URL. */
  url: string;
  httpVersion: string;
  cookies: HarCookie[];
  headers: HarNameValue[];
  queryString: HarNameValue[];
  postData?: HarPostData;
  /** -1: not known. */
  headersSize: number;
  /** Bytes of the request body; 0 without one. */
  bodySize: number;
  comment?: string;
}

/** `response.content`: the body, decoded. */
export interface HarContent {
  /** Bytes of the decoded body. */
  size: number;
  compression?: number;
  mimeType: string;
  text?: string;
  /** `base64` for a binary body. */
  encoding?: string;
  comment?: string;
}

/** `entry.response`. */
export interface HarResponse {
  status: number;
  statusText: string;
  httpVersion: string;
  cookies: HarCookie[];
  headers: HarNameValue[];
  content: HarContent;
  /** The Location header of a redirect, else `''`. */
  redirectURL: string;
  headersSize: number;
  /** Bytes received; -1 when not known (a body stored decoded from gzip/br). */
  bodySize: number;
  comment?: string;
}

/** `entry.timings` (ms; -1 = does not apply). */
export interface HarTimings {
  blocked?: number;
  dns?: number;
  connect?: number;
  send: number;
  wait: number;
  receive: number;
  ssl?: number;
  comment?: string;
}

/** paritykit's own fields of an entry. */
export interface HarParitykitFields {
  scenario: string;
  captures: Record<string, string>;
  /** `HttpExchange.response.encoding`. */
  encoding?: string;
  /** `HttpExchange.durationMs`, unrounded. */
  durationMs: number;
}

/** One request/response pair. */
export interface HarEntry {
  pageref?: string;
  /** ISO 8601 with milliseconds. */
  startedDateTime: string;
  /** Total time (ms): the sum of the non-negative timings. */
  time: number;
  request: HarRequest;
  response: HarResponse;
  cache: Record<string, unknown>;
  timings: HarTimings;
  serverIPAddress?: string;
  connection?: string;
  comment?: string;
  _paritykit?: HarParitykitFields;
}

/** A page: paritykit writes one per scenario (`id` = scenario id). */
export interface HarPage {
  startedDateTime: string;
  id: string;
  title: string;
  pageTimings: { onContentLoad?: number; onLoad?: number; comment?: string };
  comment?: string;
}

/** A whole HAR 1.2 document: `{ log: { version, creator, pages, entries } }`. */
export interface HarLog {
  log: {
    version: '1.2';
    creator: HarCreator;
    browser?: HarCreator;
    pages?: HarPage[];
    entries: HarEntry[];
    comment?: string;
  };
}

// --------------------------------------------------------------------------------- export

/** Options of {@link toHar}. */
export interface ToHarOptions {
  /** Scheme and host put in front of each exchange's path: default `http://` + the request's
   * Host header, or `http://localhost` without one. */
  baseUrl?: string;
  /** Time of the first request; later ones follow by their durations. Default
   * `1970-01-01T00:00:00.000Z` (exchanges carry no clock time; a fixed start keeps the file
   * deterministic). */
  startedAt?: Date | string;
}

/**
 * Writes scenarios' exchanges as a HAR 1.2 document that browser devtools (Chromium, Firefox)
 * import: one page per scenario (`id` and `title` = scenario id), one entry per exchange with
 * `pageref` = scenario id, request and response headers as stored (lower-case names, repeats
 * kept), cookies parsed from Cookie / Set-Cookie, bodies as UTF-8 text or base64 (`encoding:
 * 'base64'` in `content`, `_encoding` in `postData`), `redirectURL` from Location, timings with
 * the whole duration as `wait`. `_paritykit` on each entry keeps the scenario id, captures,
 * the body's original content-encoding and the exact duration.
 *
 * @example
 * const har = toHar(proxy.scenarios());
 * await writeFile('orders.har', JSON.stringify(har, null, 2));
 */
export function toHar(
  scenarios: ReadonlyArray<{ id: string; exchanges: readonly HttpExchange[] }>,
  creator: HarCreator = { name: 'paritykit', version: PARITYKIT_VERSION },
  options: ToHarOptions = {},
): HarLog {
  let clock = new Date(options.startedAt ?? 0).getTime();
  if (!Number.isFinite(clock)) clock = 0;
  const pages: HarPage[] = [];
  const entries: HarEntry[] = [];
  for (const scenario of scenarios) {
    pages.push({ startedDateTime: new Date(clock).toISOString(), id: scenario.id, title: scenario.id, pageTimings: {} });
    for (const exchange of scenario.exchanges) {
      entries.push(entryOf(exchange, scenario.id, new Date(clock).toISOString(), options.baseUrl));
      clock += Math.max(0, exchange.durationMs);
    }
  }
  return { log: { version: '1.2', creator, pages, entries } };
}

function entryOf(exchange: HttpExchange, scenarioId: string, startedDateTime: string, baseUrl: string | undefined): HarEntry {
  const { request, response } = exchange;
  const host = firstHeader(request.headers, 'host');
  const base = (baseUrl ?? (host !== undefined ? `http://${host}` : 'http://localhost')).replace(/\/+$/, '');
  const q = request.url.indexOf('?');
  const requestType = firstHeader(request.headers, 'content-type');
  const responseType = firstHeader(response.headers, 'content-type');
  const duration = Math.max(0, exchange.durationMs);
  const entry: HarEntry = {
    pageref: scenarioId,
    startedDateTime,
    time: duration,
    request: {
      method: request.method,
      url: `${base}${request.url.startsWith('/') ? '' : '/'}${request.url}`,
      httpVersion: 'HTTP/1.1',
      cookies: request.headers.filter(([n]) => n === 'cookie').flatMap(([, v]) => parseCookieHeader(v)).filter((c) => c.name !== ''),
      headers: request.headers.map(([name, value]) => ({ name, value })),
      queryString: q === -1 ? [] : [...new URLSearchParams(request.url.slice(q + 1))].map(([name, value]) => ({ name, value })),
      headersSize: -1,
      bodySize: request.body?.length ?? 0,
    },
    response: {
      status: response.status,
      statusText: response.statusText,
      httpVersion: 'HTTP/1.1',
      cookies: response.headers.filter(([n]) => n === 'set-cookie').map(([, v]) => parseSetCookie(v)),
      headers: response.headers.map(([name, value]) => ({ name, value })),
      content: contentOf(response.body, responseType),
      redirectURL: firstHeader(response.headers, 'location') ?? '',
      headersSize: -1,
      bodySize: response.encoding !== undefined ? -1 : response.body.length,
    },
    cache: {},
    timings: { blocked: -1, dns: -1, connect: -1, send: 0, wait: duration, receive: 0, ssl: -1 },
    _paritykit: {
      scenario: scenarioId,
      captures: { ...exchange.captures },
      ...(response.encoding !== undefined ? { encoding: response.encoding } : {}),
      durationMs: exchange.durationMs,
    },
  };
  if (request.body !== null) entry.request.postData = postDataOf(request.body, requestType);
  return entry;
}

function contentOf(body: Buffer, mimeType: string | undefined): HarContent {
  const content: HarContent = { size: body.length, mimeType: mimeType ?? 'x-unknown' };
  if (isProbablyText(body)) content.text = body.toString('utf8');
  else {
    content.text = body.toString('base64');
    content.encoding = 'base64';
  }
  return content;
}

function postDataOf(body: Buffer, mimeType: string | undefined): HarPostData {
  const postData: HarPostData = { mimeType: mimeType ?? 'application/octet-stream' };
  if (!isProbablyText(body)) {
    postData.text = body.toString('base64');
    postData._encoding = 'base64';
    return postData;
  }
  postData.text = body.toString('utf8');
  if ((mimeType ?? '').toLowerCase().includes('application/x-www-form-urlencoded')) {
    postData.params = [...new URLSearchParams(postData.text)].map(([name, value]) => ({ name, value }));
  }
  return postData;
}

/** A Set-Cookie value → HAR cookie (RFC 6265 §5.2 attribute names, case-insensitive). */
function parseSetCookie(value: string): HarCookie {
  const [pair, ...attributes] = value.split(';');
  const eq = pair.indexOf('=');
  const cookie: HarCookie = eq === -1 ? { name: '', value: pair.trim() } : { name: pair.slice(0, eq).trim(), value: pair.slice(eq + 1).trim() };
  for (const attribute of attributes) {
    const at = attribute.indexOf('=');
    const key = (at === -1 ? attribute : attribute.slice(0, at)).trim().toLowerCase();
    const val = at === -1 ? '' : attribute.slice(at + 1).trim();
    if (key === 'path') cookie.path = val;
    else if (key === 'domain') cookie.domain = val;
    else if (key === 'expires') {
      const date = new Date(val);
      if (!Number.isNaN(date.getTime())) cookie.expires = date.toISOString();
    } else if (key === 'httponly') cookie.httpOnly = true;
    else if (key === 'secure') cookie.secure = true;
    else if (key === 'samesite') cookie.sameSite = val;
  }
  return cookie;
}

function firstHeader(headers: ReadonlyArray<readonly [string, string]>, name: string): string | undefined {
  return headers.find(([n]) => n === name)?.[1];
}

// --------------------------------------------------------------------------------- import

/** Options of {@link fromHar}. */
export interface FromHarOptions extends ExchangeRedactionOptions {
  /** Keep every HTTP(S) entry: no static-asset filter, CORS preflights and unanswered
   * requests kept too. Default false. */
  all?: boolean;
}

/** Path extensions of static assets skipped by default: images, fonts, CSS, JavaScript (and source maps). */
const STATIC_EXTENSIONS = /\.(png|jpe?g|gif|webp|avif|svg|ico|bmp|woff2?|ttf|otf|eot|css|m?js|map)$/i;
/** Chromium's `_resourceType` values of static assets. */
const STATIC_RESOURCE_TYPES = new Set(['image', 'font', 'stylesheet', 'script']);

/** One entry read from a HAR, with what {@link fromHar} groups and filters on. */
interface ReadEntry {
  index: number;
  pageref: string | undefined;
  host: string;
  exchange: HttpExchange;
  scenario: string | undefined;
  skip: 'non-http' | 'static' | 'preflight' | 'unanswered' | null;
}

/**
 * Imports a HAR file as exchange scenarios to replay (`paritykit import har FILE`).
 *
 * Grouping: one scenario per page (`pageref`) and host. The id is the page's: a page id that
 * is already a safe scenario id (as paritykit writes) is kept, otherwise the page title is
 * slugged (`Shop – Sign in` → `shop-sign-in`); requests of a page to another host than its
 * first one get the host appended (`shop-sign-in-analytics-example-test`). Entries without a
 * page form one scenario per host (`api-example-test`). Ids are made unique with `-2`, `-3`.
 *
 * Skipped unless `all`: static assets (by path extension, response MIME type — `image/*`,
 * `font/*`, CSS, JavaScript — or Chromium's `_resourceType`), CORS preflights (OPTIONS with
 * `Access-Control-Request-Method`) and entries that never got a response (status 0). Always
 * skipped: non-HTTP(S) URLs (`data:`, `blob:`, `ws:`, extensions) and `101` upgrades.
 *
 * Requests are derived as by the recording proxy ({@link requestSpecsFromExchanges}): redacted
 * (Authorization, Cookie, Set-Cookie, Proxy-Authorization, `redactHeaders`, `redactBodyPaths`,
 * `redactText`), Cookie headers left to the replayer's cookie jar, redirects replayed as the
 * separate requests the browser made, and ids a response handed out turned into captures.
 * Binary request bodies refer to `bodies/<id>/<index>.bin`; the bytes are the entry's postData.
 *
 * @param har The parsed JSON of the file.
 * @param file The file name, for error messages.
 * @throws ParityError `SCENARIO_INVALID` naming the file and the entry index when the document
 * is not a HAR log or an entry lacks `request.method` / `request.url`, or has a non-numeric
 * `response.status`; `CONFIG_INVALID` when a `redactBodyPaths` entry is not a supported JSONPath.
 */
export function fromHar(har: unknown, file: string, options: FromHarOptions = {}): Array<{ id: string; requests: HttpRequestSpec[] }> {
  const read = readEntries(har, file);
  const pages = pageTitles(har);
  const kept = read.filter((e) => e.skip === null || (options.all === true && e.skip !== 'non-http'));
  // Group by page and host, in order of first appearance.
  const groups = new Map<string, { pageref: string | undefined; host: string; entries: ReadEntry[] }>();
  const firstHostOfPage = new Map<string, string>();
  for (const entry of kept) {
    if (entry.pageref !== undefined && !firstHostOfPage.has(entry.pageref)) firstHostOfPage.set(entry.pageref, entry.host);
    const key = `${entry.pageref ?? ''}\u0000${entry.host}`;
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { pageref: entry.pageref, host: entry.host, entries: [] }));
    group.entries.push(entry);
  }
  const redactor = createExchangeRedactor(options);
  const used = new Set<string>();
  const scenarios: Array<{ id: string; requests: HttpRequestSpec[] }> = [];
  for (const group of groups.values()) {
    let base: string;
    if (group.pageref === undefined) base = slug(group.host) || 'har';
    else {
      const page = pageIdOf(group.pageref, pages.get(group.pageref));
      base = firstHostOfPage.get(group.pageref) === group.host ? page : `${page}-${slug(group.host)}`;
    }
    let id = base;
    for (let n = 2; used.has(id); n++) id = `${base}-${n}`;
    used.add(id);
    const exchanges = group.entries.map((e) => redactor.redact(e.exchange));
    scenarios.push({ id, requests: requestSpecsFromExchanges(exchanges, id).requests });
  }
  return scenarios;
}

/**
 * Reads the exchanges of a HAR back, grouped into scenarios by `_paritykit.scenario`, else by
 * `pageref`, else one scenario `har`. No filtering and no redaction: this is the inverse of
 * {@link toHar} (a HAR-compatible baseline read back), not an import.
 *
 * @throws ParityError `SCENARIO_INVALID` as {@link fromHar}.
 */
export function readHarExchanges(har: unknown, file: string): Array<{ id: string; exchanges: HttpExchange[] }> {
  const groups = new Map<string, HttpExchange[]>();
  for (const entry of readEntries(har, file)) {
    const id = entry.scenario ?? entry.pageref ?? 'har';
    let list = groups.get(id);
    if (!list) groups.set(id, (list = []));
    list.push(entry.exchange);
  }
  return [...groups].map(([id, exchanges]) => ({ id, exchanges }));
}

function fail(file: string, where: string, problem: string): never {
  throw new ParityError(
    'SCENARIO_INVALID',
    `${file}: ${where} ${problem}; a HAR 1.2 file needs log.entries[] with request.method and request.url ` +
      '(see http://www.softwareishard.com/blog/har-12-spec/); export it again from the browser devtools (Network → Save all as HAR)',
    { file },
  );
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function readEntries(har: unknown, file: string): ReadEntry[] {
  if (!isObject(har) || !isObject(har.log)) fail(file, 'the document', 'is not a HAR file (no "log" object)');
  const entries = har.log.entries;
  if (!Array.isArray(entries)) fail(file, 'log.entries', 'is missing or not an array');
  return entries.map((raw, index) => readEntry(raw, index, file));
}

function readEntry(raw: unknown, index: number, file: string): ReadEntry {
  const where = `log.entries[${index}]`;
  if (!isObject(raw)) fail(file, where, 'is not an object');
  const request = raw.request;
  if (!isObject(request)) fail(file, `${where}.request`, 'is missing');
  if (typeof request.method !== 'string' || request.method === '') fail(file, `${where}.request.method`, 'is missing or not a string');
  if (typeof request.url !== 'string' || request.url === '') fail(file, `${where}.request.url`, 'is missing or not a string');
  const response = isObject(raw.response) ? raw.response : {};
  if (response.status !== undefined && typeof response.status !== 'number') fail(file, `${where}.response.status`, 'is not a number');
  const status = typeof response.status === 'number' ? response.status : 0;
  const url = request.url;
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase();
  const absolute = /^[a-z][a-z0-9+.-]*:\/\/([^/?#]*)([^#]*)/i.exec(url);
  const host = absolute?.[1].replace(/^[^@]*@/, '').toLowerCase() ?? '';
  const path = absolute ? absolute[2] || '/' : url.startsWith('/') ? url.replace(/#.*$/, '') : `/${url}`;
  const requestHeaders = headersOf(request.headers);
  const responseHeaders = headersOf(response.headers);
  const content = isObject(response.content) ? response.content : {};
  const paritykit = isObject(raw._paritykit) ? raw._paritykit : {};
  const contentEncoding = responseHeaders.find(([n]) => n === 'content-encoding')?.[1];
  const body = textBody(content.text, content.encoding === 'base64');
  const encoding =
    typeof paritykit.encoding === 'string'
      ? paritykit.encoding
      : isObject(raw._paritykit) || contentEncoding === undefined || contentEncoding === 'identity' || body.length === 0
        ? undefined
        : contentEncoding;
  const exchange: HttpExchange = {
    request: { method: request.method.toUpperCase(), url: path, headers: requestHeaders, body: requestBodyOf(request.postData) },
    response: {
      status,
      statusText: typeof response.statusText === 'string' ? response.statusText : '',
      headers: responseHeaders,
      body,
      ...(encoding !== undefined ? { encoding } : {}),
    },
    captures: isObject(paritykit.captures) ? stringRecord(paritykit.captures) : {},
    durationMs: typeof paritykit.durationMs === 'number' ? paritykit.durationMs : typeof raw.time === 'number' && raw.time > 0 ? raw.time : 0,
  };
  const mimeType = typeof content.mimeType === 'string' ? content.mimeType.toLowerCase() : '';
  const resourceType = typeof raw._resourceType === 'string' ? raw._resourceType : '';
  let skip: ReadEntry['skip'] = null;
  if ((scheme !== undefined && scheme !== 'http' && scheme !== 'https') || status === 101) skip = 'non-http';
  else if (
    STATIC_EXTENSIONS.test(path.replace(/\?.*$/, '')) ||
    STATIC_RESOURCE_TYPES.has(resourceType) ||
    /^(image|font)\//.test(mimeType) ||
    /^(text\/css|text\/javascript|application\/(x-)?javascript)\b/.test(mimeType)
  ) {
    skip = 'static';
  } else if (exchange.request.method === 'OPTIONS' && requestHeaders.some(([n]) => n === 'access-control-request-method')) skip = 'preflight';
  else if (status === 0) skip = 'unanswered';
  return {
    index,
    pageref: typeof raw.pageref === 'string' && raw.pageref !== '' ? raw.pageref : undefined,
    host,
    exchange,
    scenario: typeof paritykit.scenario === 'string' ? paritykit.scenario : undefined,
    skip,
  };
}

function headersOf(raw: unknown): Array<[string, string]> {
  if (!Array.isArray(raw)) return [];
  return raw
    .filter((h): h is { name: string; value: unknown } => isObject(h) && typeof h.name === 'string')
    .map((h) => [h.name.toLowerCase(), typeof h.value === 'string' ? h.value : String(h.value ?? '')]);
}

function stringRecord(raw: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(Object.entries(raw).filter((e): e is [string, string] => typeof e[1] === 'string'));
}

function textBody(text: unknown, base64: boolean): Buffer {
  if (typeof text !== 'string') return Buffer.alloc(0);
  return base64 ? Buffer.from(text, 'base64') : Buffer.from(text, 'utf8');
}

function requestBodyOf(postData: unknown): Buffer | null {
  if (!isObject(postData)) return null;
  if (typeof postData.text === 'string') {
    const body = textBody(postData.text, postData._encoding === 'base64' || postData.encoding === 'base64');
    return body.length > 0 ? body : null;
  }
  if (Array.isArray(postData.params)) {
    const form = new URLSearchParams();
    for (const p of postData.params) if (isObject(p) && typeof p.name === 'string') form.append(p.name, typeof p.value === 'string' ? p.value : '');
    const text = form.toString();
    return text === '' ? null : Buffer.from(text, 'utf8');
  }
  return null;
}

function pageTitles(har: unknown): Map<string, string> {
  const titles = new Map<string, string>();
  const pages = isObject(har) && isObject(har.log) && Array.isArray(har.log.pages) ? har.log.pages : [];
  for (const page of pages) {
    if (isObject(page) && typeof page.id === 'string') titles.set(page.id, typeof page.title === 'string' ? page.title : '');
  }
  return titles;
}

/** The scenario id of a page: its id when already safe and meaningful, else its title slugged. */
function pageIdOf(pageref: string, title: string | undefined): string {
  if (/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(pageref) && !/^page_\d+$/.test(pageref) && !pageref.includes('..')) return pageref;
  return slug(title ?? '') || slug(pageref) || 'page';
}

/** Lower-case `[a-z0-9-]` slug, at most 60 characters (`Shop – Sign in` → `shop-sign-in`). */
function slug(text: string): string {
  const withoutScheme = text.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '');
  return withoutScheme
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60)
    .replace(/-+$/, '');
}
