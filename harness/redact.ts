/**
 * Redactions: record-time rules that keep secrets off disk. They run in the write path, on
 * everything a recording or a report stores — never as an optional hook (DESIGN.md: users of
 * every snapshot tool complain about secrets leaking into recordings).
 *
 * A redaction is one of:
 * - a regex source string or a RegExp — every match becomes `<redacted>`;
 * - `{ pattern, flags?, replacement? }` — every match becomes `replacement` (`$1` etc. allowed);
 * - `{ env: 'NAME' }` — the *value* of environment variable NAME, wherever it appears
 *   (also JSON-escaped or URL-encoded), becomes `<redacted:NAME>`.
 *
 * Built-in defaults (on unless `defaults: false`) cover the usual credential shapes; each
 * keeps its key or kind prefix and replaces only the secret part (see {@link createRedactor}).
 *
 * Rules run in this order: env values (longest first), the configured patterns, the defaults.
 * Redacting redacted text changes nothing: no rule matches a `<redacted…>` placeholder. The
 * defaults also see what a configured pattern put in: a replacement that keeps a secret-looking
 * key (`password=<mine>`) has its value redacted again unless it starts with `<redacted`.
 */
import { isUtf8 } from 'node:buffer';
import { z } from 'zod';
import { ParityError } from './errors.ts';

/** What a redacted secret becomes. */
export const REDACTED = '<redacted>';

/** One redaction rule, as a config gives it. */
export type Redaction =
  | string
  | RegExp
  | { pattern: string; flags?: string; replacement?: string }
  | { env: string };

/** The value a redactor (or a normalizer) applies to text and to stored bytes. */
export interface Redactor {
  /** Redacts a string (stdout decoded as UTF-8, a file path, a report message). */
  redactText(s: string): string;
  /**
   * Redacts stored bytes. Binary-safe: bytes outside a match are kept exactly, and a buffer
   * with nothing to redact is returned as is (the same Buffer). Valid UTF-8 is matched as
   * text; anything else byte by byte, decoded as latin1 (so an env secret is also looked for
   * as its UTF-8 bytes).
   */
  redactBuffer(b: Buffer): Buffer;
  /** False when there is no rule at all (defaults off, no redactions, env values unset):
   * callers may skip the work. */
  readonly active: boolean;
}

/** Options of {@link createRedactor}. */
export interface RedactorOptions {
  /** Where `{ env }` redactions look up values. Default `process.env`. */
  env?: Record<string, string | undefined>;
  /** Apply the built-in credential patterns. Default true. */
  defaults?: boolean;
}

/** Env values shorter than this would redact ordinary text everywhere. */
const MIN_ENV_VALUE_LENGTH = 4;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** One compiled rule: a global regex and what a match becomes. */
interface Rule {
  regex: RegExp;
  replace: string | ((match: string, ...groups: string[]) => string);
}

/**
 * Creates the redactor for a suite.
 *
 * Built-in defaults (`defaults`, on unless false):
 * - PEM private key blocks: `-----BEGIN … PRIVATE KEY-----` through `-----END … PRIVATE KEY-----`
 *   (or to the end of the text when the END line is missing) → markers kept, body `<redacted>`;
 * - AWS access key ids `AKIA…`/`ASIA…` (+16) → `AKIA<redacted>`;
 * - GitHub tokens `ghp_`, `gho_`, `ghu_`, `ghs_`, `ghr_`, `github_pat_` → prefix kept;
 * - Slack tokens `xoxb-`, `xoxa-`, `xoxp-`, `xoxr-`, `xoxs-` → prefix kept;
 * - `Authorization: Basic …` and `Bearer …` tokens → scheme kept (a word of lowercase letters
 *   after "Bearer" is prose, not a token, and is kept);
 * - credentials in URLs: `scheme://user:secret@host` → `scheme://user:<redacted>@host`;
 * - key/value pairs whose key ends in password, passwd, passphrase, secret, token, api_key,
 *   apikey, api-key, secret_key, access_key, private_key, secret_access_key (any case, any
 *   prefix: `DB_PASSWORD`, `client_secret`, `aws_secret_access_key`, `X-Api-Key`), written
 *   `key=value`, `key: value`, `"key": "value"`, `'key': 'value'` (query strings, env files,
 *   YAML, JSON, Python reprs) → key kept, value `<redacted>`; JSON stays valid (a bare value
 *   after a quoted key becomes `"<redacted>"`; `null`, `true`, `false` are kept);
 * - XML elements named like those keys: `<password>…</password>` → tags kept.
 *
 * @example
 * const redactor = createRedactor(['acct-\\d{6}', { env: 'API_TOKEN' }], { env: { API_TOKEN: 's3cr3t-value' } });
 * redactor.redactText('GET /x?token=abc&acct=acct-123456 s3cr3t-value')
 * // 'GET /x?token=<redacted>&acct=<redacted> <redacted:API_TOKEN>'
 * @throws ParityError `CONFIG_INVALID` when a redaction is malformed, a pattern does not
 * compile or matches the empty string, or an env variable's value is 1–3 characters long
 * (the message names the variable). An unset or empty variable redacts nothing.
 */
export function createRedactor(redactions: readonly Redaction[], options: RedactorOptions = {}): Redactor {
  const env = options.env ?? process.env;
  const envNames: string[] = [];
  const patternRules: Rule[] = [];
  redactions.forEach((redaction, index) => {
    const problem = redactionProblem(redaction);
    if (problem !== undefined) throw new ParityError('CONFIG_INVALID', `redact[${index}]: ${problem}`);
    if (typeof redaction === 'object' && 'env' in redaction) envNames.push(redaction.env);
    else patternRules.push(patternRule(redaction));
  });
  const secrets = envSecrets(envNames, env);
  const defaults = options.defaults === false ? [] : DEFAULT_RULES;
  const textRules = [...envRules(secrets, 'text'), ...patternRules, ...defaults];
  const byteRules = [...envRules(secrets, 'bytes'), ...patternRules, ...defaults];
  const active = textRules.length > 0;

  return {
    active,
    redactText: (s) => applyRules(s, textRules),
    redactBuffer: (b) => {
      if (!active || b.length === 0) return b;
      const utf8 = isUtf8(b);
      const encoding = utf8 ? 'utf8' : 'latin1';
      const before = b.toString(encoding);
      const after = applyRules(before, utf8 ? textRules : byteRules);
      return after === before ? b : Buffer.from(after, encoding);
    },
  };
}

function applyRules(text: string, rules: readonly Rule[]): string {
  let out = text;
  for (const rule of rules) {
    // Each overload of replace needs its own call for the type checker.
    out = typeof rule.replace === 'string' ? out.replace(rule.regex, rule.replace) : out.replace(rule.regex, rule.replace);
  }
  return out;
}

// ---------------------------------------------------------------- configured rules

function patternRule(redaction: Exclude<Redaction, { env: string }>): Rule {
  if (typeof redaction === 'string') return { regex: globalRegex(redaction, ''), replace: REDACTED };
  if (redaction instanceof RegExp) return { regex: globalRegex(redaction.source, redaction.flags), replace: REDACTED };
  return { regex: globalRegex(redaction.pattern, redaction.flags ?? ''), replace: redaction.replacement ?? REDACTED };
}

/** Global, and never sticky: a sticky regex would stop at the first non-secret character. */
function globalRegex(source: string, flags: string): RegExp {
  return new RegExp(source, `${flags.replace(/[gy]/g, '')}g`);
}

interface EnvSecret {
  name: string;
  value: string;
}

function envSecrets(names: readonly string[], env: Record<string, string | undefined>): EnvSecret[] {
  const secrets: EnvSecret[] = [];
  for (const name of names) {
    const value = env[name];
    if (value === undefined || value === '') continue;
    if (value.length < MIN_ENV_VALUE_LENGTH) {
      throw new ParityError(
        'CONFIG_INVALID',
        `redaction { env: "${name}" }: the value of ${name} is ${value.length} character(s) long; values shorter than ` +
          `${MIN_ENV_VALUE_LENGTH} would redact ordinary text everywhere. Use a pattern redaction for it, or drop this redaction`,
      );
    }
    secrets.push({ name, value });
  }
  return secrets;
}

/**
 * One rule replacing every env secret by `<redacted:NAME>`. A secret is also looked for
 * JSON-escaped and URL-encoded; in `bytes` mode (latin1-decoded non-UTF-8 buffers) also as
 * its UTF-8 bytes. Longer forms are tried first, so a secret containing another wins.
 */
function envRules(secrets: readonly EnvSecret[], mode: 'text' | 'bytes'): Rule[] {
  const placeholders = new Map<string, string>();
  for (const { name, value } of secrets) {
    const forms = [value, JSON.stringify(value).slice(1, -1), encodeURIComponent(value)];
    const all = mode === 'bytes' ? [...forms, ...forms.map((form) => Buffer.from(form, 'utf8').toString('latin1'))] : forms;
    for (const form of all) if (!placeholders.has(form)) placeholders.set(form, `<redacted:${name}>`);
  }
  if (placeholders.size === 0) return [];
  const alternatives = [...placeholders.keys()].sort((a, b) => b.length - a.length).map(escapeRegExp);
  return [{ regex: new RegExp(alternatives.join('|'), 'g'), replace: (match) => placeholders.get(match) ?? REDACTED }];
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

// ---------------------------------------------------------------- default rules

const isPlaceholder = (value: string): boolean => value.startsWith('<redacted');

/** Key names whose value is a secret, as the end of a longer key (`DB_PASSWORD`, `X-Api-Key`). */
const SECRET_KEY = String.raw`[A-Za-z0-9_.-]*?(?:password|passwd|passphrase|secret|token|api[_-]?key|apikey|secret[_-]?key|access[_-]?key|private[_-]?key|secret[_-]?access[_-]?key)`;

const DEFAULT_RULES: readonly Rule[] = [
  {
    // PEM (RFC 7468) private key blocks; an unterminated block is redacted to the end.
    regex: /-----BEGIN ((?:[A-Z0-9]+ )*)PRIVATE KEY-----(?:[\s\S]*?-----END (?:[A-Z0-9]+ )*PRIVATE KEY-----|[\s\S]*)/g,
    replace: (match, label) =>
      `-----BEGIN ${label}PRIVATE KEY-----${REDACTED}` +
      (/-----END (?:[A-Z0-9]+ )*PRIVATE KEY-----$/.test(match) ? `-----END ${label}PRIVATE KEY-----` : ''),
  },
  {
    // AWS access key ids: long-term (AKIA) and temporary (ASIA).
    regex: /(?<![A-Za-z0-9])(AKIA|ASIA)[0-9A-Z]{16}(?![A-Za-z0-9])/g,
    replace: `$1${REDACTED}`,
  },
  {
    // GitHub tokens (https://github.blog/2021-04-05-behind-githubs-new-authentication-token-formats/).
    regex: /(?<![A-Za-z0-9_])(gh[pousr]_)[A-Za-z0-9]{36,}|(?<![A-Za-z0-9_])(github_pat_)[A-Za-z0-9_]{22,}/g,
    replace: (_match, classic, fineGrained) => `${classic ?? fineGrained}${REDACTED}`,
  },
  {
    // Slack tokens.
    regex: /(?<![A-Za-z0-9])(xox[baprs]-)[A-Za-z0-9-]{10,}/g,
    replace: `$1${REDACTED}`,
  },
  {
    // HTTP Basic credentials (base64 of user:password).
    regex: /(Authorization["']?[ \t]*[:=][ \t]*["']?Basic[ \t]+)[A-Za-z0-9+/]+=*/gi,
    replace: `$1${REDACTED}`,
  },
  {
    // Bearer tokens (RFC 6750 b64token). A lowercase word after "Bearer" is prose, and
    // `name="…"` is a challenge parameter (`WWW-Authenticate: Bearer realm="api"`).
    regex: /(?<![A-Za-z0-9])((?:[Bb]earer|BEARER)[ \t]+)([A-Za-z0-9\-._~+/]+=*)("?)/g,
    replace: (match, scheme, token, quote) =>
      /^[a-z]+$/.test(token) || (quote === '"' && /^[A-Za-z_]+=$/.test(token)) ? match : `${scheme}${REDACTED}${quote}`,
  },
  {
    // Credentials in URLs: scheme://user:password@host.
    regex: /(?<![A-Za-z0-9+.-])([A-Za-z][A-Za-z0-9+.-]*:\/\/[^\s:@/]+:)([^\s@/]+)@/g,
    replace: (match, prefix, secret) => (isPlaceholder(secret) ? match : `${prefix}${REDACTED}@`),
  },
  {
    // key=value, key: value, "key": "value", 'key': 'value'.
    regex: new RegExp(
      String.raw`(?<![A-Za-z0-9_.-])(["']?)(${SECRET_KEY})\1([ \t]*[:=][ \t]*)(?:"((?:[^"\\\r\n]|\\.)*)"|'([^'\r\n]*)'|([^\s&"']+))`,
      'gi',
    ),
    replace: redactKeyValue,
  },
  {
    // <password>…</password>, <ns:apiKey>…</ns:apiKey>.
    regex: new RegExp(String.raw`(<((?:[A-Za-z0-9_.-]+:)?${SECRET_KEY})(?:\s[^<>]*)?>)([^<]+)(</\2>)`, 'gi'),
    replace: (match, open, _name, value, close) =>
      isPlaceholder(value) || value.trim() === '' ? match : `${open}${REDACTED}${close}`,
  },
];

function redactKeyValue(
  match: string,
  quote: string,
  key: string,
  separator: string,
  doubleQuoted: string | undefined,
  singleQuoted: string | undefined,
  bare: string | undefined,
): string {
  const head = `${quote}${key}${quote}${separator}`;
  if (doubleQuoted !== undefined) {
    return doubleQuoted === '' || isPlaceholder(doubleQuoted) ? match : `${head}"${REDACTED}"`;
  }
  if (singleQuoted !== undefined) {
    return singleQuoted === '' || isPlaceholder(singleQuoted) ? match : `${head}'${REDACTED}'`;
  }
  const value = bare ?? '';
  // After a quoted key (JSON, a Python repr) a bare value ends at , } or ].
  const end = quote === '' ? -1 : value.search(/[,}\]]/);
  const secret = end === -1 ? value : value.slice(0, end);
  const rest = end === -1 ? '' : value.slice(end);
  if (secret === '' || isPlaceholder(secret) || /^(?:null|true|false|None|True|False)$/.test(secret)) return match;
  // An object or array value: its own secret keys are redacted where they are.
  if (secret.startsWith('{') || secret.startsWith('[')) return match;
  return `${head}${quote === '' ? REDACTED : `"${REDACTED}"`}${rest}`;
}

// ---------------------------------------------------------------- validation

/**
 * zod 4 schema of one redaction, for the config loader. Checks that regexes compile and do
 * not match the empty string, that objects have no unknown fields, and that `env` is a
 * variable name. Env values are checked later, by {@link createRedactor}, where the
 * environment is known.
 */
export const redactionSchema = z.custom<Redaction>((value) => redactionProblem(value) === undefined, {
  error: (issue) => redactionProblem(issue.input) ?? 'invalid redaction',
});

const SHAPES =
  'a redaction is a regex source string, a RegExp, { pattern, flags?, replacement? } or { env: "VAR_NAME" }';

/** Why a value is not a valid redaction, or `undefined` when it is. */
function redactionProblem(value: unknown): string | undefined {
  if (typeof value === 'string') return regexProblem(value, '');
  if (value instanceof RegExp) return regexProblem(value.source, value.flags);
  if (typeof value !== 'object' || value === null) return `${SHAPES}; got ${value === null ? 'null' : typeof value}`;
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record);
  if ('env' in record) {
    const extra = keys.filter((key) => key !== 'env');
    if (extra.length > 0) return `{ env } takes no other field (got ${extra.join(', ')})`;
    if (typeof record.env !== 'string' || !ENV_NAME.test(record.env)) {
      return `env must be an environment variable name such as "API_TOKEN"; got ${JSON.stringify(record.env)}`;
    }
    return undefined;
  }
  if ('pattern' in record) {
    const extra = keys.filter((key) => !['pattern', 'flags', 'replacement'].includes(key));
    if (extra.length > 0) return `unknown field(s) ${extra.join(', ')}; { pattern, flags?, replacement? } is expected`;
    if (typeof record.pattern !== 'string') return 'pattern must be a string (a regex source)';
    if (record.flags !== undefined && typeof record.flags !== 'string') return 'flags must be a string such as "i"';
    if (record.replacement !== undefined && typeof record.replacement !== 'string') return 'replacement must be a string';
    return regexProblem(record.pattern, (record.flags as string | undefined) ?? '');
  }
  return `${SHAPES}; got an object with ${keys.length === 0 ? 'no fields' : `fields ${keys.join(', ')}`}`;
}

function regexProblem(source: string, flags: string): string | undefined {
  let regex: RegExp;
  try {
    regex = new RegExp(source, flags.replace(/[gy]/g, ''));
  } catch (error) {
    return `/${source}/${flags} is not a valid regular expression: ${(error as Error).message}`;
  }
  if (regex.test('')) return `/${source}/${flags} matches the empty string, so it would redact between every character; make it match at least one character`;
  return undefined;
}

/** Headers whose values are credentials: always replaced by `<redacted:NAME>` before anything is
 * written or compared, whatever the configured redactions (the same on both sides). */
export const SECRET_HEADERS: ReadonlySet<string> = new Set(['authorization', 'proxy-authorization', 'cookie', 'set-cookie', 'x-api-key']);

/**
 * Redacts a header list (`[name, value]` pairs, order kept): credential headers become
 * `<redacted:name>`, every other value goes through `redactText`.
 */
export function redactHeaderList(headers: ReadonlyArray<[string, string]>, redactText: (text: string) => string): Array<[string, string]> {
  return headers.map(([k, v]) => [k, SECRET_HEADERS.has(k.toLowerCase()) ? `<redacted:${k.toLowerCase()}>` : redactText(v)]);
}

/** `url` with its password replaced by `***`, for messages (never a password in a log line). */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.href;
  } catch {
    return url.replace(/\/\/([^:/@]*):[^@]*@/, '//$1:***@');
  }
}
