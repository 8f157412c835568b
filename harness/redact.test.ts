import { describe, expect, it } from 'vitest';
import { ParityError } from './errors.ts';
import { createRedactor, redactionSchema, type Redaction } from './redact.ts';

const defaults = createRedactor([], { env: {} });
const AWS_SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const GHP = `ghp_${'a1B2c3D4e5'.repeat(3)}abcdef`;

function thrown(fn: () => unknown): ParityError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ParityError) return error;
    throw error;
  }
  throw new Error('expected a ParityError');
}

describe('default redactions', () => {
  it.each([
    ['bearer token', 'Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig-_x', 'Authorization: Bearer <redacted>'],
    ['bearer token in JSON', '{"auth": "Bearer abc123XYZ"}', '{"auth": "Bearer <redacted>"}'],
    ['basic credentials', 'Authorization: Basic dXNlcjpwYXNz', 'Authorization: Basic <redacted>'],
    ['AWS access key id', 'key AKIAIOSFODNN7EXAMPLE, temp ASIAY34FZKBOKMUTVV7A', 'key AKIA<redacted>, temp ASIA<redacted>'],
    ['AWS secret key (ini)', `aws_secret_access_key = ${AWS_SECRET}`, 'aws_secret_access_key = <redacted>'],
    ['AWS secret key (env)', `AWS_SECRET_ACCESS_KEY=${AWS_SECRET}`, 'AWS_SECRET_ACCESS_KEY=<redacted>'],
    ['AWS secret key (JSON)', `{"SecretAccessKey": "${AWS_SECRET}", "n": 1}`, '{"SecretAccessKey": "<redacted>", "n": 1}'],
    [
      'PEM private key',
      '-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA\nq83=\n-----END RSA PRIVATE KEY-----\nnext',
      '-----BEGIN RSA PRIVATE KEY-----<redacted>-----END RSA PRIVATE KEY-----\nnext',
    ],
    [
      'PEM private key inside a JSON string',
      '{"k": "-----BEGIN PRIVATE KEY-----\\nMIIE\\n-----END PRIVATE KEY-----\\n"}',
      '{"k": "-----BEGIN PRIVATE KEY-----<redacted>-----END PRIVATE KEY-----\\n"}',
    ],
    ['unterminated PEM private key', 'x\n-----BEGIN EC PRIVATE KEY-----\nMHcCAQEE\ncut', 'x\n-----BEGIN EC PRIVATE KEY-----<redacted>'],
    ['password=', 'password=hunter2&user=bob', 'password=<redacted>&user=bob'],
    ['passwd:', 'passwd: s3cr3t', 'passwd: <redacted>'],
    ['"password": "…"', '{"password": "hun\\"ter2", "pin": 1}', '{"password": "<redacted>", "pin": 1}'],
    ["Python repr 'password': '…'", "{'password': 'x1'}", "{'password': '<redacted>'}"],
    ['prefixed keys', 'DB_PASSWORD=p@ss;w0rd client_secret: abc', 'DB_PASSWORD=<redacted> client_secret: <redacted>'],
    ['query string keys', '/a?api_key=abc123&apikey=zzz&secret=q&token=t&x=1', '/a?api_key=<redacted>&apikey=<redacted>&secret=<redacted>&token=<redacted>&x=1'],
    ['header-style key', 'X-Api-Key: k-123', 'X-Api-Key: <redacted>'],
    ['CLI flag', 'run --password=hunter2 --v', 'run --password=<redacted> --v'],
    ['number after a JSON key stays valid JSON', '{"token": 12345, "b": 2}', '{"token": "<redacted>", "b": 2}'],
    ['GitHub token', `push with ${GHP}`, 'push with ghp_<redacted>'],
    ['GitHub fine-grained token', `github_pat_${'A1b2'.repeat(8)}`, 'github_pat_<redacted>'],
    ['Slack token', 'xoxb-1234567890-abcdefghij', 'xoxb-<redacted>'],
    ['URL credentials', 'postgres://app:pa55w0rd@db:5432/x', 'postgres://app:<redacted>@db:5432/x'],
    ['XML element', '<password>hunter2</password><ns:apiKey a="1">k</ns:apiKey>', '<password><redacted></password><ns:apiKey a="1"><redacted></ns:apiKey>'],
  ])('redacts %s', (_name, input, expected) => {
    expect(defaults.redactText(input)).toBe(expected);
  });

  it.each([
    ['prose after Bearer', 'Bearer authentication is required'],
    ['a challenge parameter', 'WWW-Authenticate: Bearer realm="api"'],
    ['"Basic" outside an Authorization header', 'Basic Example of usage'],
    ['a short AKIA-like word', 'AKIAIOSFODNN7 and XAKIAIOSFODNN7EXAMPLE1'],
    ['a secret-ish key without a value', 'password=&user=bob\npassword: \n"password": ""'],
    ['keys that only contain a secret word', 'max_tokens=100 token_count=3 passwords_reset=2 secretary=ann'],
    ['prose', 'passwords are hashed; the token expired'],
    ['the shell working directory', 'PWD=/home/me'],
    ['JSON null and booleans', '{"token": null, "secret": false}'],
    ['a nested object under a secret key', '{"client_secret": {"id": 1}}'],
    ['a BEGIN line that is not a private key', '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----'],
    ['a short ghp_ word', 'ghp_short and xghp_' + 'a'.repeat(36)],
    ['a short xox word', 'xoxb-123 and xoxz-1234567890'],
    ['a URL without a password', 'https://user@example.com/a:b@c https://example.com:8080/x'],
  ])('leaves %s alone', (_name, input) => {
    expect(defaults.redactText(input)).toBe(input);
  });

  it('redacts nested secret keys inside an object under a secret key', () => {
    expect(defaults.redactText('{"client_secret": {"password": "x"}}')).toBe('{"client_secret": {"password": "<redacted>"}}');
  });

  it('is idempotent: redacting redacted text changes nothing', () => {
    const input = [
      'Authorization: Bearer abc123XYZ',
      `token=${GHP}`,
      'AKIAIOSFODNN7EXAMPLE',
      '-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----',
      '-----BEGIN PRIVATE KEY-----\nMIIE',
    ].join('\n');
    const once = defaults.redactText(input);
    expect(defaults.redactText(once)).toBe(once);
    expect(once).toContain('token=<redacted>');
  });

  it('is off with defaults: false', () => {
    const none = createRedactor([], { defaults: false, env: {} });
    expect(none.active).toBe(false);
    expect(none.redactText('password=hunter2')).toBe('password=hunter2');
  });
});

describe('configured redactions', () => {
  it('replaces matches of string and RegExp patterns with <redacted>', () => {
    const r = createRedactor(['acct-\\d{6}', /SSN \d{3}-\d{2}-\d{4}/i], { defaults: false, env: {} });
    expect(r.active).toBe(true);
    expect(r.redactText('acct-123456 acct-654321 ssn 123-45-6789')).toBe('<redacted> <redacted> <redacted>');
  });

  it('uses the replacement and flags of { pattern }', () => {
    const r = createRedactor([{ pattern: '(card=)\\d{12}(\\d{4})', flags: 'i', replacement: '$1************$2' }], {
      defaults: false,
      env: {},
    });
    expect(r.redactText('CARD=4111111111111111')).toBe('CARD=************1111');
  });

  it('runs before the defaults, which still apply to its output unless it uses a <redacted…> placeholder', () => {
    const hidden = createRedactor([{ pattern: 'password=\\w+', replacement: 'credentials hidden' }], { env: {} });
    expect(hidden.redactText('password=hunter2')).toBe('credentials hidden');
    const kept = createRedactor([{ pattern: 'password=\\w+', replacement: 'password=<redacted:mine>' }], { env: {} });
    expect(kept.redactText('password=hunter2')).toBe('password=<redacted:mine>');
    const reRedacted = createRedactor([{ pattern: '(password=)\\w+', replacement: '$1<mine>' }], { env: {} });
    expect(reRedacted.redactText('password=hunter2')).toBe('password=<redacted>');
  });

  it('throws CONFIG_INVALID for a bad pattern or one that matches the empty string', () => {
    expect(thrown(() => createRedactor(['(']))).toMatchObject({ code: 'CONFIG_INVALID' });
    expect(thrown(() => createRedactor(['('])).message).toMatch(/^redact\[0\]: \/\(\/ is not a valid regular expression/);
    expect(thrown(() => createRedactor(['ok', 'a*'])).message).toMatch(/^redact\[1\]: \/a\*\/ matches the empty string/);
  });
});

describe('env redactions', () => {
  const env = { API_TOKEN: 's3cr3t-Value/+', SHORT: 'abc', EMPTY: '' };

  it('replaces the variable value wherever it appears, with a placeholder naming it', () => {
    const r = createRedactor([{ env: 'API_TOKEN' }], { env, defaults: false });
    expect(r.redactText('a s3cr3t-Value/+ b s3cr3t-Value/+c')).toBe('a <redacted:API_TOKEN> b <redacted:API_TOKEN>c');
  });

  it('also finds the value JSON-escaped and URL-encoded', () => {
    const r = createRedactor([{ env: 'QUOTED' }, { env: 'API_TOKEN' }], { env: { ...env, QUOTED: 'pa"ss\\word' }, defaults: false });
    expect(r.redactText('{"p": "pa\\"ss\\\\word"}')).toBe('{"p": "<redacted:QUOTED>"}');
    expect(r.redactText('?t=s3cr3t-Value%2F%2B')).toBe('?t=<redacted:API_TOKEN>');
  });

  it('prefers the longer value when one secret contains another', () => {
    const r = createRedactor([{ env: 'A' }, { env: 'B' }], { env: { A: 'secret', B: 'secret-extended' }, defaults: false });
    expect(r.redactText('secret-extended secret')).toBe('<redacted:B> <redacted:A>');
  });

  it('runs before the defaults, and the defaults leave its placeholder alone', () => {
    const r = createRedactor([{ env: 'API_TOKEN' }], { env });
    expect(r.redactText('token=s3cr3t-Value/+')).toBe('token=<redacted:API_TOKEN>');
  });

  it('refuses values shorter than 4 characters, naming the variable', () => {
    const error = thrown(() => createRedactor([{ env: 'SHORT' }], { env }));
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toContain('SHORT');
    expect(error.message).toContain('3 character(s)');
  });

  it('redacts nothing for an unset or empty variable', () => {
    const r = createRedactor([{ env: 'MISSING' }, { env: 'EMPTY' }], { env, defaults: false });
    expect(r.active).toBe(false);
    expect(r.redactText('anything')).toBe('anything');
  });

  it('reads process.env by default', () => {
    process.env.PARITYKIT_REDACT_TEST = 'from-process-env';
    try {
      expect(createRedactor([{ env: 'PARITYKIT_REDACT_TEST' }], { defaults: false }).redactText('x from-process-env')).toBe(
        'x <redacted:PARITYKIT_REDACT_TEST>',
      );
    } finally {
      delete process.env.PARITYKIT_REDACT_TEST;
    }
  });
});

describe('redactBuffer', () => {
  it('returns a buffer with nothing to redact unchanged, non-UTF-8 bytes included', () => {
    const bytes = Buffer.from([0x00, 0xff, 0xfe, 0x80, 0xc3, 0x28, 0x41, 0x0a, 0xa0, 0xe2, 0x82]);
    const out = defaults.redactBuffer(bytes);
    expect(out.equals(bytes)).toBe(true);
  });

  it('redacts inside binary data and keeps every other byte', () => {
    const secret = Buffer.from('password=hunter2 ');
    const bytes = Buffer.concat([Buffer.from([0xff, 0x00, 0x80]), secret, Buffer.from([0xc3, 0x28, 0xfe])]);
    const out = defaults.redactBuffer(bytes);
    expect(out.equals(Buffer.concat([Buffer.from([0xff, 0x00, 0x80]), Buffer.from('password=<redacted> '), Buffer.from([0xc3, 0x28, 0xfe])]))).toBe(true);
  });

  it('matches valid UTF-8 as text, so non-ASCII secrets and patterns work', () => {
    const r = createRedactor([{ env: 'PASS' }, 'Geheimnis-\\d+'], { env: { PASS: 'pässwörd-ü' }, defaults: false });
    expect(r.redactBuffer(Buffer.from('x pässwörd-ü Geheimnis-42 ✓')).toString('utf8')).toBe('x <redacted:PASS> <redacted> ✓');
  });

  it('finds an env secret as its UTF-8 bytes inside non-UTF-8 data', () => {
    const r = createRedactor([{ env: 'PASS' }], { env: { PASS: 'pässwörd-ü' }, defaults: false });
    const bytes = Buffer.concat([Buffer.from([0xff]), Buffer.from('pässwörd-ü', 'utf8'), Buffer.from([0xfe])]);
    expect(r.redactBuffer(bytes).equals(Buffer.concat([Buffer.from([0xff]), Buffer.from('<redacted:PASS>'), Buffer.from([0xfe])]))).toBe(true);
  });

  it('handles a 10 MB buffer: untouched when clean, one secret redacted otherwise', () => {
    const size = 10 * 1024 * 1024;
    const big = Buffer.alloc(size);
    let seed = 12345;
    for (let i = 0; i < size; i++) {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      big[i] = seed >>> 16;
    }
    const r = createRedactor([{ env: 'API_TOKEN' }], { env: { API_TOKEN: 'tok-9f8e7d6c5b4a' } });
    expect(r.redactBuffer(big).equals(big)).toBe(true);

    const text = Buffer.from('log line without secrets, 2024-01-01 ok\n'.repeat(size / 40));
    expect(r.redactBuffer(text).equals(text)).toBe(true);

    const withSecret = Buffer.concat([text, Buffer.from('Authorization: Bearer tok-9f8e7d6c5b4a\n'), text]);
    const out = r.redactBuffer(withSecret);
    expect(out.length).toBe(withSecret.length - 'tok-9f8e7d6c5b4a'.length + '<redacted:API_TOKEN>'.length);
    expect(out.includes('tok-9f8e7d6c5b4a')).toBe(false);
    expect(out.includes('Authorization: Bearer <redacted:API_TOKEN>\n')).toBe(true);
  });

  it('returns the input for an inactive redactor', () => {
    const r = createRedactor([], { defaults: false });
    const bytes = Buffer.from('password=x');
    expect(r.redactBuffer(bytes)).toBe(bytes);
  });
});

describe('redactionSchema', () => {
  it.each<[string, Redaction]>([
    ['a pattern string', 'acct-\\d+'],
    ['a RegExp', /x+/i],
    ['a pattern object', { pattern: 'x', flags: 'i', replacement: '<x>' }],
    ['an env redaction', { env: 'API_TOKEN' }],
  ])('accepts %s', (_name, value) => {
    expect(redactionSchema.safeParse(value).success).toBe(true);
  });

  it.each([
    ['a bad regex', '(', /is not a valid regular expression/],
    ['an empty-matching regex', 'x?', /matches the empty string/],
    ['an env name with a dash', { env: 'API-TOKEN' }, /environment variable name/],
    ['an env redaction with extra fields', { env: 'A', pattern: 'x' }, /takes no other field/],
    ['a misspelt field', { pattern: 'x', replace: 'y' }, /unknown field\(s\) replace/],
    ['a number', 3, /a redaction is a regex source string, a RegExp, \{ pattern, flags\?, replacement\? \} or \{ env/],
    ['an unrelated object', { name: 'x' }, /got an object with fields name/],
  ])('rejects %s with a useful message', (_name, value, message) => {
    const result = redactionSchema.safeParse(value);
    expect(result.success).toBe(false);
    if (!result.success) expect(result.error.issues[0].message).toMatch(message);
  });
});
