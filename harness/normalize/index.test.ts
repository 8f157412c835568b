import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ParityError } from '../errors.ts';
import {
  defaultNormalizers,
  normalize,
  normalizerSchema,
  normalizeText,
  parseNormalizers,
  selectNormalizers,
  tolerancesFor,
  type NormalizeContext,
  type Normalizer,
} from './index.ts';

const stdout: NormalizeContext = { channel: 'stdout', scenarioId: 'smoke/basic', tags: ['fast'] };
const file = (path: string): NormalizeContext => ({ channel: 'files', path, scenarioId: 'smoke/basic', tags: [] });

function issues(value: unknown): string {
  const result = normalizerSchema.safeParse(value);
  return result.success ? '' : result.error.issues.map((i) => i.message).join(' | ');
}

describe('normalizerSchema', () => {
  it('accepts every JSON-able kind as a plain object', () => {
    const json: unknown[] = [
      { kind: 'timestamps' },
      { kind: 'uuids', scope: { channels: ['stdout'] } },
      { kind: 'tempPaths' },
      { kind: 'durations', scope: { scenarios: ['smoke/*'], tags: ['slow'] } },
      { kind: 'regex', pattern: 'id=\\d+', flags: 'i', replacement: 'id=<n>' },
      { kind: 'jsonPaths', paths: ['$.id', '$..etag'], replacement: '<x>', scope: { files: ['out/*.json'] } },
      { kind: 'sortKeys' },
      { kind: 'unorderedLines' },
      { kind: 'unorderedRows' },
      { kind: 'tolerance', path: '$.items[*].price', absolute: 0.01 },
      { kind: 'tolerance', column: 'ratio', relative: 0.001 },
    ];
    for (const value of json) expect(normalizerSchema.safeParse(value).success, JSON.stringify(value)).toBe(true);
  });

  it('lists the valid kinds for an unknown or missing kind', () => {
    expect(issues({ kind: 'timestamp' })).toBe(
      'unknown kind "timestamp"; valid kinds: timestamps, uuids, tempPaths, durations, regex, custom, jsonPaths, sortKeys, unorderedLines, unorderedRows, tolerance',
    );
    expect(issues({ pattern: 'x' })).toMatch(/^kind is missing; valid kinds: timestamps/);
  });

  it('rejects misspelt fields, bad regexes and bad JSONPaths with useful messages', () => {
    expect(issues({ kind: 'regex', pattern: 'a', replacment: 'b' })).toMatch(/replacement \(string\) is required/);
    expect(issues({ kind: 'regex', pattern: 'a', replacement: 'b', replacment: 'b' })).toMatch(/Unrecognized key/);
    expect(issues({ kind: 'regex', pattern: '(', replacement: '' })).toMatch(/^\/\(\/ is not a valid regular expression/);
    expect(issues({ kind: 'jsonPaths', paths: ['items[0]'] })).toMatch(/JSONPath "items\[0\]": must start with \$/);
    expect(issues({ kind: 'jsonPaths', paths: [] })).toMatch(/at least one JSONPath/);
  });

  it('validates scopes', () => {
    expect(issues({ kind: 'uuids', scope: { channels: ['exit'] } })).toMatch(/channels are stdout, stderr and files/);
    expect(issues({ kind: 'uuids', scope: { channels: [] } })).toMatch(/at least one channel/);
    expect(issues({ kind: 'uuids', scope: { file: ['x'] } })).toMatch(/Unrecognized key/);
  });

  it('validates tolerances', () => {
    expect(issues({ kind: 'tolerance', path: '$.a' })).toMatch(/set absolute and\/or relative/);
    expect(issues({ kind: 'tolerance', path: '$.a', column: 'a', absolute: 1 })).toMatch(/not both/);
    expect(issues({ kind: 'tolerance', absolute: -1 })).not.toBe('');
  });

  it('accepts custom only with a function, so JSON configs cannot use it', () => {
    expect(normalizerSchema.safeParse({ kind: 'custom', name: 'x', fn: (t: string) => t }).success).toBe(true);
    expect(issues({ kind: 'custom', name: 'x', fn: 'text => text' })).toMatch(/fn must be a function/);
  });

  it('accepts a RegExp pattern (TypeScript configs)', () => {
    expect(normalizerSchema.safeParse({ kind: 'regex', pattern: /x/i, replacement: 'y' }).success).toBe(true);
  });
});

describe('parseNormalizers', () => {
  it('returns the same objects when valid', () => {
    const list = [{ kind: 'timestamps' }];
    expect(parseNormalizers(list, 'cfg')[0]).toBe(list[0]);
  });

  it('throws CONFIG_INVALID naming where and which field', () => {
    let error: unknown;
    try {
      parseNormalizers([{ kind: 'uuids' }, { kind: 'regex', pattern: '(', replacement: '' }], 'paritykit.config.json: suites[0].normalize');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ParityError);
    expect((error as ParityError).code).toBe('CONFIG_INVALID');
    expect((error as ParityError).message).toMatch(
      /^paritykit\.config\.json: suites\[0\]\.normalize: \[1\]\.pattern: \/\(\/ is not a valid regular expression/,
    );
  });
});

describe('normalize builders', () => {
  it('build plain objects, with the scope when given', () => {
    expect(normalize.timestamps()).toEqual({ kind: 'timestamps' });
    expect(normalize.uuids({ channels: ['stderr'] })).toEqual({ kind: 'uuids', scope: { channels: ['stderr'] } });
    expect(normalize.regex(/a/, 'b')).toEqual({ kind: 'regex', pattern: /a/, replacement: 'b' });
    expect(normalize.jsonPaths('$.id')).toEqual({ kind: 'jsonPaths', paths: ['$.id'] });
    expect(normalize.jsonPaths(['$.a'], '<a>', { tags: ['x'] })).toEqual({
      kind: 'jsonPaths',
      paths: ['$.a'],
      replacement: '<a>',
      scope: { tags: ['x'] },
    });
    expect(normalize.tolerance({ column: 'price', absolute: 0.01 })).toEqual({ kind: 'tolerance', column: 'price', absolute: 0.01 });
    const fn = (t: string) => t;
    expect(normalize.custom('id', fn)).toEqual({ kind: 'custom', name: 'id', fn });
  });

  it('every builder result passes the schema', () => {
    const all = [
      normalize.timestamps(),
      normalize.uuids(),
      normalize.tempPaths(),
      normalize.durations(),
      normalize.regex('x', 'y'),
      normalize.jsonPaths('$'),
      normalize.sortKeys(),
      normalize.unorderedLines(),
      normalize.unorderedRows(),
      normalize.tolerance({ relative: 0.1 }),
      normalize.custom('c', (t) => t),
    ];
    expect(z.array(normalizerSchema).safeParse(all).success).toBe(true);
  });

  it('throw CONFIG_INVALID at build time for bad arguments', () => {
    expect(() => normalize.regex('(', 'x')).toThrow(/normalize\.regex\(\): pattern: \/\(\/ is not a valid regular expression/);
    expect(() => normalize.jsonPaths('$.a[-1]')).toThrow(ParityError);
    expect(() => normalize.tolerance({ path: '$.a' })).toThrow(/set absolute and\/or relative/);
  });
});

describe('defaultNormalizers', () => {
  it('is tempPaths only', () => {
    expect(defaultNormalizers()).toEqual([{ kind: 'tempPaths' }]);
  });
});

describe('selectNormalizers', () => {
  const everywhere = normalize.timestamps();
  const stdoutOnly = normalize.uuids({ channels: ['stdout'] });
  const jsonFiles = normalize.sortKeys({ files: ['out/*.json'] });
  const jsonFilesAndStdout = normalize.durations({ channels: ['stdout', 'files'], files: ['**/*.json'] });
  const smoke = normalize.tempPaths({ scenarios: ['smoke/*'] });
  const slow = normalize.unorderedLines({ tags: ['slow', 'flaky'] });
  const all: Normalizer[] = [everywhere, stdoutOnly, jsonFiles, jsonFilesAndStdout, smoke, slow];

  it('keeps config order and applies every scope field', () => {
    expect(selectNormalizers(all, stdout)).toEqual([everywhere, stdoutOnly, jsonFilesAndStdout, smoke]);
    expect(selectNormalizers(all, { ...stdout, channel: 'stderr', scenarioId: 'full/x', tags: ['slow'] })).toEqual([
      everywhere,
      slow,
    ]);
  });

  it('matches file globs on the files channel, and files alone means only the files channel', () => {
    expect(selectNormalizers(all, file('out/a.json'))).toEqual([everywhere, jsonFiles, jsonFilesAndStdout, smoke]);
    expect(selectNormalizers(all, file('out/sub/a.json'))).toEqual([everywhere, jsonFilesAndStdout, smoke]);
    expect(selectNormalizers(all, file('out/a.csv'))).toEqual([everywhere, smoke]);
    expect(selectNormalizers([jsonFiles], { channel: 'files', scenarioId: 'x', tags: [] })).toEqual([]);
  });

  it('matches scenario globs within one / segment with *, across with **', () => {
    const deep = normalize.uuids({ scenarios: ['api/**'] });
    expect(selectNormalizers([smoke, deep], { ...stdout, scenarioId: 'smoke/a/b' })).toEqual([]);
    expect(selectNormalizers([smoke, deep], { ...stdout, scenarioId: 'api/v1/orders' })).toEqual([deep]);
  });
});

describe('normalizeText', () => {
  it('applies text kinds in config order', () => {
    const text = 'run 7e57d004-2b97-0e7a-b45f-5387367791cd at 2024-01-15T10:30:00Z in 12ms, /tmp/paritykit-x/out.txt\n';
    expect(
      normalizeText(text, 'text', [normalize.uuids(), normalize.timestamps(), normalize.durations(), normalize.tempPaths()], stdout),
    ).toBe('run <uuid_1> at <timestamp> in <duration>, <tmp>/out.txt\n');
    // Order matters: the regex sees the placeholder only when it runs after uuids.
    const regex = normalize.regex(/<uuid_(\d)>/, 'U$1');
    expect(normalizeText(text, 'text', [normalize.uuids(), regex], stdout)).toContain('run U1 at');
    expect(normalizeText(text, 'text', [regex, normalize.uuids()], stdout)).toContain('run <uuid_1> at');
  });

  it('makes regex global and honours its flags', () => {
    expect(normalizeText('ID=1 id=2', 'text', [normalize.regex(/id=\d/i, 'id=N')], stdout)).toBe('id=N id=N');
    expect(normalizeText('ID=1 id=2', 'text', [{ kind: 'regex', pattern: 'id=(\\d)', replacement: '<$1>' }], stdout)).toBe(
      'ID=1 <2>',
    );
  });

  it('runs custom scrubbers and reports a broken one with its name and where', () => {
    expect(normalizeText('host web-7', 'text', [normalize.custom('host', (t) => t.replace(/web-\d+/, '<host>'))], stdout)).toBe(
      'host <host>',
    );
    const throwing = normalize.custom('boom', () => {
      throw new Error('nope');
    });
    expect(() => normalizeText('x', 'text', [throwing], file('out/a.txt'))).toThrow(
      'custom normalizer "boom" threw on scenario smoke/basic, files out/a.txt: nope; fix the function',
    );
    const notString = normalize.custom('num', (() => 3) as unknown as (t: string) => string);
    expect(() => normalizeText('x', 'text', [notString], stdout)).toThrow(/returned number .* must return a string/);
  });

  it('applies jsonPaths and sortKeys to JSON only, re-serialized with two-space indent', () => {
    const json = '{"b":1,"a":{"id":"x","t":2}}\n';
    expect(normalizeText(json, 'json', [normalize.sortKeys(), normalize.jsonPaths('$..id')], stdout)).toBe(
      '{\n  "a": {\n    "id": "<redacted>",\n    "t": 2\n  },\n  "b": 1\n}\n',
    );
    expect(normalizeText(json, 'text', [normalize.sortKeys(), normalize.jsonPaths('$..id')], stdout)).toBe(json);
  });

  it('makes key order and formatting irrelevant under sortKeys', () => {
    const ctx = file('out/a.json');
    expect(normalizeText('{"x":1,"y":[1,2]}', 'json', [normalize.sortKeys()], ctx)).toBe(
      normalizeText('{\n "y": [1, 2],\n "x": 1\n}', 'json', [normalize.sortKeys()], ctx),
    );
  });

  it('leaves JSON that does not parse untouched', () => {
    expect(normalizeText('{"a": 1', 'json', [normalize.sortKeys()], stdout)).toBe('{"a": 1');
  });

  it('does not hide a difference between big integers', () => {
    const a = normalizeText('{"id":12345678901234567}', 'json', [normalize.sortKeys()], stdout);
    const b = normalizeText('{"id":12345678901234568}', 'json', [normalize.sortKeys()], stdout);
    expect(a).not.toBe(b);
  });

  it('applies unorderedRows to CSV only, and unorderedLines to any text', () => {
    const csv = 'k,v\nb,2\na,1\n';
    expect(normalizeText(csv, 'csv', [normalize.unorderedRows()], stdout)).toBe('k,v\na,1\nb,2\n');
    expect(normalizeText(csv, 'text', [normalize.unorderedRows()], stdout)).toBe(csv);
    expect(normalizeText(csv, 'csv', [normalize.unorderedLines()], stdout)).toBe('a,1\nb,2\nk,v\n');
  });

  it('ignores tolerances and leaves binary and image content alone', () => {
    expect(normalizeText('1.5', 'text', [normalize.tolerance({ absolute: 1 })], stdout)).toBe('1.5');
    const all = [normalize.timestamps(), normalize.unorderedLines()];
    expect(normalizeText('b\n2024-01-01\n', 'binary', all, stdout)).toBe('b\n2024-01-01\n');
    expect(normalizeText('b\n2024-01-01\n', 'image', all, stdout)).toBe('b\n2024-01-01\n');
  });

  it('filters by scope before applying', () => {
    const onlyFiles = normalize.timestamps({ channels: ['files'] });
    expect(normalizeText('2024-01-01', 'text', [onlyFiles], stdout)).toBe('2024-01-01');
    expect(normalizeText('2024-01-01', 'text', [onlyFiles], file('x.txt'))).toBe('<timestamp>');
  });
});

describe('tolerancesFor', () => {
  it('returns the in-scope tolerances, in order, without kind or scope', () => {
    const all: Normalizer[] = [
      normalize.timestamps(),
      normalize.tolerance({ path: '$.price', absolute: 0.01 }),
      normalize.tolerance({ column: 'ratio', relative: 0.05, scope: { files: ['*.csv'] } }),
      normalize.tolerance({ relative: 0.1, absolute: 2, scope: { tags: ['fast'] } }),
    ];
    expect(tolerancesFor(all, stdout)).toEqual([{ path: '$.price', absolute: 0.01 }, { relative: 0.1, absolute: 2 }]);
    expect(tolerancesFor(all, file('a.csv'))).toEqual([{ path: '$.price', absolute: 0.01 }, { column: 'ratio', relative: 0.05 }]);
  });
});
