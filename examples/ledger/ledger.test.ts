/**
 * Checks the ledger example against the real legacy: the rewrite's Python ports are compared
 * with what python3 itself produces, and every scenario (plus extra command lines) is run
 * through both tools, asserting that the only differences are the documented divergences
 * (DIVERGENCES.md) in exactly the scenarios that list them.
 *
 * Needs python3 on PATH; skipped without it.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { Scenario } from '../../harness/model.ts';
import {
  PyInt,
  compareCodePoints,
  dumpPythonJson,
  formatPythonFloat,
  padRight,
  parseLedgerArgs,
  pyStrip,
  readPythonCsv,
  roundMoney,
  writePythonCsvRow,
  type PyJson,
} from './candidate/ledger.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
const LEGACY = ['python3', join(HERE, 'legacy', 'ledger.py')];
const CANDIDATE = [process.execPath, join(HERE, 'candidate', 'ledger.ts')];
/** The environment recommended for the legacy target (see README.md). */
const ENV = { PATH: process.env.PATH ?? '/usr/bin:/bin', PYTHONIOENCODING: 'utf-8' };
const HAS_PYTHON = spawnSync('python3', ['--version']).status === 0;

const scratch = mkdtempSync(join(tmpdir(), 'ledger-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Runs a Python snippet that reads JSON on stdin and prints JSON on stdout. */
function python(code: string, input: unknown): unknown {
  const r = spawnSync('python3', ['-c', code], { input: JSON.stringify(input), env: ENV, maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`python3 failed: ${r.stderr.toString()}`);
  return JSON.parse(r.stdout.toString());
}

/** Deterministic PRNG (mulberry32), so the generated corpora are the same on every run. */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomString(rand: () => number, alphabet: string[], maxLength: number): string {
  let s = '';
  const n = Math.floor(rand() * (maxLength + 1));
  for (let i = 0; i < n; i++) s += alphabet[Math.floor(rand() * alphabet.length)];
  return s;
}

function floatHex(x: number): string {
  const b = Buffer.alloc(8);
  b.writeDoubleBE(x);
  return b.toString('hex');
}

describe.skipIf(!HAS_PYTHON)('candidate ports of Python behaviour, against python3', () => {
  it('formatPythonFloat writes what repr(float) writes', () => {
    const rand = prng(1);
    const values = [
      0, -0, 1, -1, 0.1, 0.5, 2500, 12.5, -7.8, 1e15, 1e16, 1e16 + 2, 9007199254740993, 1e22,
      1.5e-5, 1e-4, 0.0001234, 0.001, 5e-324, 1.7976931348623157e308, 1234567890123456.8,
      0.30000000000000004, 999.325, -0.625,
    ];
    for (let i = 0; i < 500; i++) {
      const magnitude = 10 ** Math.floor(rand() * 44 - 22);
      values.push((rand() - 0.5) * magnitude, Math.round(rand() * 1e6) / 100);
    }
    const expected = python(
      'import json,struct,sys; print(json.dumps([repr(struct.unpack(">d", bytes.fromhex(h))[0]) for h in json.load(sys.stdin)]))',
      values.map(floatHex),
    );
    expect(values.map(formatPythonFloat)).toEqual(expected);
  });

  it('dumpPythonJson writes what json.dumps(indent=2, sort_keys=True) writes', () => {
    // A tagged form both sides can rebuild: {"$f": hex} is a float, {"$i": n} an int.
    const spec = {
      accounts: {
        'caf\u00e9 \ud83c\udf89': { balance: { $f: floatHex(-7.8) }, count: { $i: 2 }, tags: [] },
        'a"b\\c\u007f\u0001\n\t': { nested: {}, list: [{ $f: floatHex(-0) }, null, true, false] },
        zeta: [{ $f: floatHex(1e16) }, { $f: floatHex(1.5e-5) }, 'ｆｕｎ', '\u2028'],
        '\uff46': 1,
        '\ud83c\udf89': 2,
      },
      empty: [],
    };
    const toPy = (v: unknown): PyJson => {
      if (Array.isArray(v)) return v.map(toPy);
      if (v !== null && typeof v === 'object') {
        const o = v as Record<string, unknown>;
        if (typeof o.$f === 'string') return Buffer.from(o.$f, 'hex').readDoubleBE();
        if (typeof o.$i === 'number') return new PyInt(o.$i);
        const out: Record<string, PyJson> = Object.create(null);
        for (const [k, x] of Object.entries(o)) out[k] = toPy(x);
        return out;
      }
      if (typeof v === 'number') return new PyInt(v);
      return v as PyJson;
    };
    const expected = python(
      [
        'import json,struct,sys',
        'def py(v):',
        '    if isinstance(v, list): return [py(x) for x in v]',
        '    if isinstance(v, dict):',
        '        if "$f" in v: return struct.unpack(">d", bytes.fromhex(v["$f"]))[0]',
        '        if "$i" in v: return v["$i"]',
        '        return {k: py(x) for k, x in v.items()}',
        '    return v',
        'print(json.dumps(json.dumps(py(json.load(sys.stdin)), indent=2, sort_keys=True)))',
      ].join('\n'),
      spec,
    );
    expect(dumpPythonJson(toPy(spec))).toBe(expected);
  });

  it('readPythonCsv gives the rows and line numbers of csv.reader on a newline="" file', () => {
    const rand = prng(2);
    const texts = [
      '',
      '\n',
      'a,b\n\nc,d',
      'a,"b"c,d\r\n',
      '"x\ny",2\n"unterminated',
      '"a\rb",c\rd,e\r\n\r\nf',
      '"",,""""\n,\n',
      'a,"b""c"" d",e',
      '\ufeffdate,account\n',
    ];
    const alphabet = ['a', 'b', ',', '"', '\r', '\n', '\r\n', ' ', 'é', '😀'];
    for (let i = 0; i < 400; i++) texts.push(randomString(rand, alphabet, 24));
    const dir = mkdtempSync(join(scratch, 'csv-'));
    texts.forEach((t, i) => writeFileSync(join(dir, `${i}.csv`), t));
    const expected = python(
      [
        'import csv,json,sys',
        'out = []',
        'for path in json.load(sys.stdin):',
        '    with open(path, encoding="utf-8", newline="") as f:',
        '        r = csv.reader(f)',
        '        out.append([[row, r.line_num] for row in r])',
        'print(json.dumps(out))',
      ].join('\n'),
      texts.map((_, i) => join(dir, `${i}.csv`)),
    );
    const actual = texts.map((t) => readPythonCsv(t).map((r) => [r.fields, r.lineNum]));
    expect(actual).toEqual(expected);
  });

  it('writePythonCsvRow writes what csv.writer writes', () => {
    const rand = prng(3);
    const rows: string[][] = [[''], ['', ''], ['a'], [' lead', 'trail '], ['x"y', 'a,b', 'c\rd', 'e\nf']];
    const alphabet = ['a', ',', '"', '\r', '\n', ' ', 'é', '😀', "'", ';'];
    for (let i = 0; i < 300; i++) {
      const n = 1 + Math.floor(rand() * 4);
      rows.push(Array.from({ length: n }, () => randomString(rand, alphabet, 6)));
    }
    const expected = python(
      'import csv,io,json,sys\nout = []\nfor row in json.load(sys.stdin):\n    s = io.StringIO()\n    csv.writer(s).writerow(row)\n    out.append(s.getvalue())\nprint(json.dumps(out))',
      rows,
    );
    expect(rows.map(writePythonCsvRow)).toEqual(expected);
  });

  it('pyStrip removes what str.strip() removes', () => {
    const texts = ['  a  ', '\u001c\u001fa\u0085', '\ufeffa\ufeff', '\u3000a\u00a0', '\u200b a', '\t\n\r\u000b\u000c'];
    const expected = python('import json,sys; print(json.dumps([t.strip() for t in json.load(sys.stdin)]))', texts);
    expect(texts.map(pyStrip)).toEqual(expected);
  });
});

describe('candidate helpers', () => {
  it('roundMoney rounds half away from zero on cents (divergence 1), keeping the sign of zero', () => {
    expect(roundMoney(0.125)).toBe(0.13);
    expect(roundMoney(-0.125)).toBe(-0.13);
    expect(roundMoney(2.675)).toBe(2.68); // 2.675 * 100 === 267.5 in binary floating point
    expect(roundMoney(1.005)).toBe(1); // 1.005 * 100 === 100.49999999999999
    expect(roundMoney(12.3449)).toBe(12.34);
    expect(Object.is(roundMoney(-0.001), -0)).toBe(true);
  });

  it('compareCodePoints orders by code point, not UTF-16 unit; padRight counts code points', () => {
    expect(['expenses:🎉', 'expenses:ｆｕｎ'].sort(compareCodePoints)).toEqual(['expenses:ｆｕｎ', 'expenses:🎉']);
    expect(padRight('🎉', 3)).toBe('🎉  ');
  });

  it('parseLedgerArgs follows optparse: abbreviations, clusters, `--`, and its messages', () => {
    expect(parseLedgerArgs(['--cur=EUR', '-oout', 'f.csv'])).toEqual({
      ok: true,
      options: { currency: 'EUR', out: 'out', args: ['f.csv'], help: false },
    });
    expect(parseLedgerArgs(['--', '--out', '-'])).toEqual({
      ok: true,
      options: { currency: null, out: '.', args: ['--out', '-'], help: false },
    });
    expect(parseLedgerArgs(['--=x'])).toEqual({ ok: false, error: 'ambiguous option: -- (--currency, --help, --out?)' });
    expect(parseLedgerArgs(['--cur'])).toEqual({ ok: false, error: '--currency option requires 1 argument' });
    expect(parseLedgerArgs(['--help=1'])).toEqual({ ok: false, error: '--help option does not take a value' });
    expect(parseLedgerArgs(['-x'])).toEqual({ ok: false, error: 'no such option: -x' });
  });
});

// ---------------------------------------------------------------------------------------
// Whole-program parity

/** The scenario shape is paritykit's own. */
type ScenarioSpec = Scenario;

interface RunResult {
  stdout: string;
  stderr: string;
  exit: number | null;
  /** Files present after the run that the scenario did not create, by relative path. */
  files: Record<string, string>;
}

function loadScenarios(): ScenarioSpec[] {
  const dir = join(HERE, 'scenarios');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .flatMap((f) => {
      const doc = parse(readFileSync(join(dir, f), 'utf8')) as ScenarioSpec[] | { scenarios: ScenarioSpec[] };
      return Array.isArray(doc) ? doc : doc.scenarios;
    });
}

function listFiles(dir: string, prefix = ''): string[] {
  return readdirSync(dir).flatMap((name) =>
    statSync(join(dir, name)).isDirectory() ? listFiles(join(dir, name), `${prefix}${name}/`) : [`${prefix}${name}`],
  );
}

/** Runs one tool on a scenario in a fresh working directory. */
function runTool(command: string[], scenario: ScenarioSpec): RunResult {
  const cwd = mkdtempSync(join(scratch, 'run-'));
  for (const [path, content] of Object.entries(scenario.files ?? {})) {
    mkdirSync(dirname(join(cwd, path)), { recursive: true });
    writeFileSync(join(cwd, path), content);
  }
  const r = spawnSync(command[0], [...command.slice(1), ...(scenario.args ?? [])], {
    cwd,
    input: scenario.stdin ?? '',
    env: { ...ENV, ...scenario.env },
    timeout: scenario.timeoutMs ?? 60_000,
  });
  const files: Record<string, string> = {};
  for (const path of listFiles(cwd)) {
    const content = readFileSync(join(cwd, path), 'utf8');
    if (scenario.files?.[path] !== content) files[path] = content;
  }
  return { stdout: r.stdout.toString(), stderr: r.stderr.toString(), exit: r.status, files };
}

type Divergence = 'rounding' | 'sort' | 'wording';

/** The documented divergences of each scenario (DIVERGENCES.md); absent: none. */
const EXPECTED: Record<string, Divergence[]> = {
  'bad-rows': ['wording'],
  'rounding-half-even': ['rounding'],
  'sort-by-balance': ['sort'],
  'year-end': ['rounding', 'sort', 'wording'],
};

/** Divergence 3 undone: `skipped line N: R` back to `line N: R; row skipped`. */
function legacyWording(stderr: string): string {
  return stderr.replace(/^ledger: warning: skipped line (\d+): (.*)$/gm, 'ledger: warning: line $1: $2; row skipped');
}

/**
 * True when two texts differ only by divergence 1: same lines, same separators, and every
 * differing token a number whose candidate value is 0.01 further from zero (half away from
 * zero where round() went to the even cent).
 */
function differsOnlyByRounding(legacy: string, candidate: string): boolean {
  const a = legacy.split(/([\s,:"]+)/);
  const b = candidate.split(/([\s,:"]+)/);
  if (a.length !== b.length) return false;
  return a.every((x, i) => {
    const y = b[i];
    if (x === y) return true;
    if (!/^-?[0-9.]+$/.test(x) || !/^-?[0-9.]+$/.test(y)) return false;
    const dx = Number(x);
    const dy = Number(y);
    return Math.sign(dx) === Math.sign(dy) && Math.abs(Math.abs(dy) - Math.abs(dx) - 0.01) < 1e-9;
  });
}

/** Compares one output; returns the divergences needed to explain the difference, or throws. */
function explain(where: string, legacy: string, candidate: string): Divergence[] {
  if (legacy === candidate) return [];
  const found: Divergence[] = [];
  let c = candidate;
  if (where === 'stderr' && legacyWording(c) !== c) {
    found.push('wording');
    c = legacyWording(c);
  }
  if (where.endsWith('report.csv')) {
    const records = readPythonCsv(c);
    const [header, ...rows] = records.map((r) => r.fields);
    const balance = (row: string[]): number => Number(row[4]);
    // The candidate's order must be balance descending, ties by name.
    const byBalance = [...rows].sort((x, y) => compareCodePoints(x[0], y[0])).sort((x, y) => balance(y) - balance(x));
    expect(rows, `${where}: candidate rows in balance order`).toEqual(byBalance);
    const byName = [...rows].sort((x, y) => compareCodePoints(x[0], y[0]));
    if (byName.some((row, i) => row !== rows[i])) found.push('sort');
    c = [header, ...byName].map(writePythonCsvRow).join('');
  }
  if (legacy !== c) {
    if (!differsOnlyByRounding(legacy, c)) {
      throw new Error(`${where}: undocumented difference\n--- legacy\n${legacy}\n--- candidate\n${candidate}`);
    }
    found.push('rounding');
  }
  return found;
}

describe.skipIf(!HAS_PYTHON)('legacy vs candidate on every scenario', () => {
  const scenarios = loadScenarios();

  it('has at least 10 scenarios with unique ids of [a-z0-9-]', () => {
    expect(scenarios.length).toBeGreaterThanOrEqual(10);
    for (const s of scenarios) expect(s.id).toMatch(/^[a-z0-9-]+$/);
    expect(new Set(scenarios.map((s) => s.id)).size).toBe(scenarios.length);
    for (const id of Object.keys(EXPECTED)) expect(scenarios.map((s) => s.id)).toContain(id);
  });

  it.each(scenarios.map((s) => [s.id, s] as const))('%s differs only by its documented divergences', (id, scenario) => {
    const legacy = runTool(LEGACY, scenario);
    const candidate = runTool(CANDIDATE, scenario);
    expect(candidate.exit, 'exit').toBe(legacy.exit);
    expect(Object.keys(candidate.files).sort(), 'files created').toEqual(Object.keys(legacy.files).sort());
    const found = new Set<Divergence>([
      ...explain('stdout', legacy.stdout, candidate.stdout),
      ...explain('stderr', legacy.stderr, candidate.stderr),
      ...Object.keys(legacy.files).flatMap((p) => explain(p, legacy.files[p], candidate.files[p])),
    ]);
    expect([...found].sort(), 'divergences seen').toEqual(EXPECTED[id] ?? []);
  });

  it('the legacy output of the rounding scenario is what round() and the brief say', () => {
    const scenario = scenarios.find((s) => s.id === 'rounding-half-even') as ScenarioSpec;
    const legacy = JSON.parse(runTool(LEGACY, scenario).files['summary.json']);
    const candidate = JSON.parse(runTool(CANDIDATE, scenario).files['summary.json']);
    expect([legacy.accounts['assets:interest'].balance, candidate.accounts['assets:interest'].balance]).toEqual([2.62, 2.63]);
    expect([legacy.accounts['expenses:fuel'].balance, candidate.accounts['expenses:fuel'].balance]).toEqual([-2.67, -2.68]);
  });
});

describe.skipIf(!HAS_PYTHON)('legacy vs candidate on edge-case command lines', () => {
  const csv = [
    'date,account,description,amount,currency',
    '2024-01-02,assets:bank,Salary,2500.00,EUR',
    '2024-01-03,expenses:food,"Bakery, corner",-12.50,EUR',
    '',
    '2024-01-04,expenses:food,Lunch,-9.90,EUR',
    '',
  ].join('\n');
  const files = {
    'a.csv': csv,
    'bom.csv': `\ufeff${csv}`,
    'blank.csv': '\n\n\n',
    'sub/keep.txt': 'not a ledger\n',
    '__proto__.csv': 'date,account,description,amount,currency\n2024-01-01,__proto__,x,1.00,EUR\n',
  };
  const argvs: string[][] = [
    ['--=x'], ['-h', '--x'], ['--x', '-h'], ['--help=1'], ['-c'], ['--cur'], ['--h'], ['-hx'],
    ['a.csv', 'b.csv'], ['--', '-x'], ['-x'], ['-ch', 'a.csv'], ['--out=', 'a.csv'],
    ['--out', 'a.csv', 'a.csv'], ['-o', 'sub', '--', 'a.csv'], ['--c=EUR', 'a.csv'],
    ['--currency=', 'a.csv'], ['a.csv', '--currency', 'USD'], ['sub'], ['bom.csv'], ['blank.csv'],
    ['-'], ['__proto__.csv'],
  ];
  it.each(argvs.map((a) => [a.join(' '), a] as const))('ledger %s: identical on every channel', (_, args) => {
    const scenario: ScenarioSpec = { id: 'edge', args, files };
    expect(runTool(CANDIDATE, scenario)).toEqual(runTool(LEGACY, scenario));
  });

  it('a file that is not UTF-8 is refused identically', () => {
    const dir = mkdtempSync(join(scratch, 'latin1-'));
    writeFileSync(join(dir, 'latin1.csv'), Buffer.from('date,account,description,amount,currency\n2024-01-01,caf\xe9,x,1.00,EUR\n', 'latin1'));
    const run = (command: string[]) => {
      const r = spawnSync(command[0], [...command.slice(1), 'latin1.csv'], { cwd: dir, env: ENV });
      return { stdout: r.stdout.toString(), stderr: r.stderr.toString(), exit: r.status };
    };
    const legacy = run(LEGACY);
    expect(legacy.exit).toBe(2);
    expect(run(CANDIDATE)).toEqual(legacy);
  });
});
