/**
 * ledger — summarise a CSV of transactions. The TypeScript rewrite (the candidate) of
 * `../legacy/ledger.py`, for paritykit's ledger example.
 *
 *     node ledger.ts FILE [--currency CODE] [--out DIR]
 *
 * It reproduces the legacy's observable behaviour byte for byte — stdout table, stderr
 * messages, exit codes, `summary.json`, `report.csv` — EXCEPT for three deliberate
 * divergences, listed in `../DIVERGENCES.md` and marked `DIVERGENCE` below:
 *
 * 1. money is rounded half away from zero (on cents) instead of Python's `round()`
 *    (round half to even on the float's exact value);
 * 2. `report.csv` rows are sorted by balance, descending, instead of by account name;
 * 3. the warning for a skipped row is worded `skipped line N: <reason>` instead of
 *    `line N: <reason>; row skipped`.
 *
 * Reproducing Python byte for byte needs small ports of the Python pieces the legacy
 * leans on; each is a named function here: optparse's argument parsing and messages,
 * the `csv` module's reader (excel dialect, with `line_num`) and writer (QUOTE_MINIMAL,
 * `\r\n`), `str.strip()`'s whitespace set, `%-28s` padding (by code points), `float.__repr__`
 * and `json.dumps(indent=2, sort_keys=True)` with `ensure_ascii`.
 *
 * Node ≥ 22.18 (types stripped natively), standard library only.
 */
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';

const PROG = 'ledger';
const HEADER = ['date', 'account', 'description', 'amount', 'currency'];

// [0-9], as in the legacy (Python's \d would also match other scripts' digits).
const DATE_RE = /^([0-9]{4})-([0-9]{2})-([0-9]{2})$/;
const AMOUNT_RE = /^[-+]?[0-9]+(\.[0-9]+)?$/;
const CURRENCY_RE = /^[A-Z]{3}$/;
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Usage line optparse prints before every usage error (`print_usage` adds a blank line). */
const USAGE = 'Usage: ledger [options] FILE\n';

/** `--help` text, laid out as optparse's IndentedHelpFormatter(width=78) lays out the legacy's options. */
const HELP =
  'Usage: ledger [options] FILE\n' +
  '\n' +
  'Summarise a CSV of transactions.\n' +
  '\n' +
  'Options:\n' +
  '  -h, --help            show this help message and exit\n' +
  '  -c CODE, --currency=CODE\n' +
  '                        only count transactions in CODE, e.g. EUR\n' +
  '  -o DIR, --out=DIR     write summary.json and report.csv into DIR\n';

// ---------------------------------------------------------------------------------------
// Process output and exit

/** Writes all of `text` (UTF-8) to a file descriptor synchronously, so nothing is lost on exit. */
function writeAll(fd: number, text: string): void {
  const bytes = Buffer.from(text, 'utf8');
  let offset = 0;
  while (offset < bytes.length) offset += writeSync(fd, bytes, offset);
}

/** Prints `ledger: error: <message>` on stderr and exits with `code`. */
function fail(message: string, code: number): never {
  writeAll(2, `${PROG}: error: ${message}\n`);
  process.exit(code);
}

/** Prints `ledger: warning: <message>` on stderr. */
function warn(message: string): void {
  writeAll(2, `${PROG}: warning: ${message}\n`);
}

/** optparse's `parser.error`: usage line, blank line, `ledger: error: <message>`, exit 2. */
function usageError(message: string): never {
  writeAll(2, `${USAGE}\n`);
  fail(message, 2);
}

// ---------------------------------------------------------------------------------------
// Command line (a port of the subset of optparse the legacy uses)

/** The parsed command line. */
export interface LedgerOptions {
  /** `--currency CODE`, or `null` when absent. Not validated here. */
  currency: string | null;
  /** `--out DIR`; `'.'` by default. */
  out: string;
  /** Positional arguments, in order. */
  args: string[];
  /** True when `-h`/`--help` was seen (parsing stops there, as optparse prints and exits). */
  help: boolean;
}

/** Result of {@link parseLedgerArgs}: the options, or the message optparse would print. */
export type ParsedArgs = { ok: true; options: LedgerOptions } | { ok: false; error: string };

const LONG_OPTIONS: Record<string, 'currency' | 'out' | 'help'> = {
  '--currency': 'currency',
  '--help': 'help',
  '--out': 'out',
};
const SHORT_OPTIONS: Record<string, 'currency' | 'out' | 'help'> = {
  '-c': 'currency',
  '-h': 'help',
  '-o': 'out',
};

/**
 * Parses argv (without node and the script) the way the legacy's optparse parser does:
 * options and positionals interleaved, `--` ends options, `-` is a positional, long options
 * may be abbreviated to any unambiguous prefix (`--cur`), take `--opt=value` or `--opt value`,
 * and short options take `-cEUR` or `-c EUR`.
 *
 * Error messages are optparse's own (`no such option: --x`, `ambiguous option: ...`,
 * `--currency option requires 1 argument`, `--help option does not take a value`).
 * Source: CPython `Lib/optparse.py`, `OptionParser._process_args` and `_match_abbrev`.
 */
export function parseLedgerArgs(argv: string[]): ParsedArgs {
  const options: LedgerOptions = { currency: null, out: '.', args: [], help: false };
  const rargs = [...argv];
  const set = (name: 'currency' | 'out', value: string): void => {
    if (name === 'currency') options.currency = value;
    else options.out = value;
  };
  while (rargs.length > 0) {
    const arg = rargs[0];
    if (arg === '--') {
      rargs.shift();
      break;
    } else if (arg.startsWith('--')) {
      rargs.shift();
      let opt = arg;
      let explicit = false;
      const eq = arg.indexOf('=');
      if (eq >= 0) {
        opt = arg.slice(0, eq);
        rargs.unshift(arg.slice(eq + 1));
        explicit = true;
      }
      if (!(opt in LONG_OPTIONS)) {
        const possibilities = Object.keys(LONG_OPTIONS).filter((w) => w.startsWith(opt)).sort();
        if (possibilities.length === 0) return { ok: false, error: `no such option: ${opt}` };
        if (possibilities.length > 1) {
          return { ok: false, error: `ambiguous option: ${opt} (${possibilities.join(', ')}?)` };
        }
        opt = possibilities[0];
      }
      const name = LONG_OPTIONS[opt];
      if (name === 'help') {
        if (explicit) return { ok: false, error: `${opt} option does not take a value` };
        options.help = true;
        return { ok: true, options };
      }
      if (rargs.length < 1) return { ok: false, error: `${opt} option requires 1 argument` };
      set(name, rargs.shift() as string);
    } else if (arg.startsWith('-') && arg.length > 1) {
      rargs.shift();
      const chars = Array.from(arg);
      for (let i = 1; i < chars.length; i++) {
        const opt = `-${chars[i]}`;
        const name = SHORT_OPTIONS[opt];
        if (name === undefined) return { ok: false, error: `no such option: ${opt}` };
        if (name === 'help') {
          options.help = true;
          return { ok: true, options };
        }
        if (i + 1 < chars.length) rargs.unshift(chars.slice(i + 1).join(''));
        if (rargs.length < 1) return { ok: false, error: `${opt} option requires 1 argument` };
        set(name, rargs.shift() as string);
        break;
      }
    } else {
      options.args.push(arg);
      rargs.shift();
    }
  }
  options.args.push(...rargs);
  return { ok: true, options };
}

// ---------------------------------------------------------------------------------------
// Python string helpers

/** The characters `str.isspace()` accepts — what Python's `str.strip()` removes. Differs
 * from JavaScript's `trim()` (Python adds U+001C–U+001F and U+0085; JS adds U+FEFF). */
const PY_WHITESPACE = new Set(
  [
    0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x85, 0xa0, 0x1680, 0x2000,
    0x2001, 0x2002, 0x2003, 0x2004, 0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200a, 0x2028,
    0x2029, 0x202f, 0x205f, 0x3000,
  ].map((c) => String.fromCharCode(c)),
);

/** Python's `str.strip()` with no argument. */
export function pyStrip(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && PY_WHITESPACE.has(text[start])) start++;
  while (end > start && PY_WHITESPACE.has(text[end - 1])) end--;
  return text.slice(start, end);
}

/** Compares strings by Unicode code point, as Python does (JS `<` compares UTF-16 units). */
export function compareCodePoints(a: string, b: string): number {
  const x = Array.from(a);
  const y = Array.from(b);
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) {
    const d = (x[i].codePointAt(0) as number) - (y[i].codePointAt(0) as number);
    if (d !== 0) return d;
  }
  return x.length - y.length;
}

/** `'%-{width}s' % text`: pads on the right to `width` code points (never truncates). */
export function padRight(text: string, width: number): string {
  const length = Array.from(text).length;
  return length >= width ? text : text + ' '.repeat(width - length);
}

/** `'%{width}s' % text`: pads on the left to `width` code points (never truncates). */
export function padLeft(text: string, width: number): string {
  const length = Array.from(text).length;
  return length >= width ? text : ' '.repeat(width - length) + text;
}

// ---------------------------------------------------------------------------------------
// Numbers

/**
 * DIVERGENCE 1: rounds to 2 decimals half away from zero, on cents: `sign(x) ×
 * Math.round(|x| × 100) / 100`. The legacy's `round(x, 2)` rounds half to even on the
 * float's exact binary value, so they differ on exact ties (0.125 → 0.13 here, 0.12 there;
 * -0.625 → -0.63 here, -0.62 there) and, rarely, where `|x| × 100` itself rounds onto a tie.
 * Keeps the sign of zero (`-0.001` → `-0`), as `round()` does.
 */
export function roundMoney(value: number): number {
  return (Math.sign(value) * Math.round(Math.abs(value) * 100)) / 100;
}

/**
 * `'%.2f' % value` for a value already rounded to 2 decimals (so JS `toFixed`'s tie rule
 * never matters): keeps `-0.00`, and writes all digits at 1e21 and above, where `toFixed`
 * would switch to exponent notation.
 */
export function formatFixed2(value: number): string {
  const negative = value < 0 || Object.is(value, -0);
  const magnitude = Math.abs(value);
  const digits = magnitude >= 1e21 ? `${BigInt(magnitude).toString()}.00` : magnitude.toFixed(2);
  return negative ? `-${digits}` : digits;
}

/**
 * Python's `repr(float)`: shortest round-trip digits (the same digits as JS), written in
 * positional notation when the decimal exponent is in (-4, 16], with `.0` for integral
 * values, else as `d.ddde±XX`. Source: CPython `Python/pystrtod.c`, `format_float_short`.
 */
export function formatPythonFloat(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return 'Infinity';
  if (value === -Infinity) return '-Infinity';
  const sign = value < 0 || Object.is(value, -0) ? '-' : '';
  if (value === 0) return `${sign}0.0`;
  const [mantissa, exp] = Math.abs(value).toExponential().split('e');
  const digits = mantissa.replace('.', '');
  const decpt = Number(exp) + 1; // value = 0.<digits> × 10^decpt
  if (decpt > -4 && decpt <= 16) {
    if (decpt <= 0) return `${sign}0.${'0'.repeat(-decpt)}${digits}`;
    if (decpt >= digits.length) return `${sign}${digits}${'0'.repeat(decpt - digits.length)}.0`;
    return `${sign}${digits.slice(0, decpt)}.${digits.slice(decpt)}`;
  }
  const e = decpt - 1;
  const body = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
  return `${sign}${body}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
}

// ---------------------------------------------------------------------------------------
// JSON, as json.dumps(obj, indent=2, sort_keys=True) writes it

/** A Python `int` for {@link dumpPythonJson}; a bare JS number is dumped as a Python float. */
export class PyInt {
  readonly value: number;
  constructor(value: number) {
    this.value = value;
  }
}

/** Values {@link dumpPythonJson} accepts. Objects used as dicts whose keys come from input
 * should have a null prototype (`Object.create(null)`), so that a key `__proto__` is a key. */
export type PyJson = null | boolean | string | number | PyInt | PyJson[] | { [key: string]: PyJson };

/** A JSON string literal with `ensure_ascii=True`: everything outside U+0020–U+007E is
 * escaped, `\uXXXX` in lowercase hex (surrogate pairs above U+FFFF). Source: CPython
 * `Lib/json/encoder.py`, `py_encode_basestring_ascii`. */
export function encodePythonJsonString(text: string): string {
  let out = '"';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    const code = text.charCodeAt(i); // UTF-16 units: astral characters come out as surrogate pairs
    if (ch === '\\') out += '\\\\';
    else if (ch === '"') out += '\\"';
    else if (code >= 0x20 && code <= 0x7e) out += ch;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\b') out += '\\b';
    else if (ch === '\f') out += '\\f';
    else out += `\\u${code.toString(16).padStart(4, '0')}`;
  }
  return `${out}"`;
}

/**
 * Serialises `value` byte for byte as Python's `json.dumps(value, indent=2, sort_keys=True)`
 * does: `": "` between key and value, `","` at line ends, empty containers as `{}`/`[]`,
 * keys sorted by code point, `ensure_ascii` escaping, floats as `repr(float)`.
 * Source: CPython `Lib/json/encoder.py`, `_make_iterencode`.
 */
export function dumpPythonJson(value: PyJson, level = 0): string {
  if (value === null) return 'null';
  if (value === true) return 'true';
  if (value === false) return 'false';
  if (typeof value === 'string') return encodePythonJsonString(value);
  if (typeof value === 'number') return formatPythonFloat(value);
  const inner = '  '.repeat(level + 1);
  const outer = '  '.repeat(level);
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    const items = value.map((v) => inner + dumpPythonJson(v, level + 1));
    return `[\n${items.join(',\n')}\n${outer}]`;
  }
  if (value instanceof PyInt) return String(value.value);
  const keys = Object.keys(value).sort(compareCodePoints);
  if (keys.length === 0) return '{}';
  const items = keys.map(
    (k) => `${inner}${encodePythonJsonString(k)}: ${dumpPythonJson(value[k], level + 1)}`,
  );
  return `{\n${items.join(',\n')}\n${outer}}`;
}

// ---------------------------------------------------------------------------------------
// CSV, as Python's csv module reads and writes it (excel dialect)

/** One record from {@link readPythonCsv}: its fields and `reader.line_num` after reading it. */
export interface CsvRecord {
  fields: string[];
  /** Physical lines consumed so far, 1-based: the record's last line. */
  lineNum: number;
}

/** Splits text into lines as a file opened with `newline=''` iterates: each line keeps its
 * terminator, which is `\n`, `\r\n` or a lone `\r`. */
export function splitPythonLines(text: string): string[] {
  return text.match(/[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$/g) ?? [];
}

const EOL = null; // the end-of-line pseudo character of CPython's parser

/**
 * Reads CSV text as `csv.reader(open(path, newline=''))` does with the default (excel)
 * dialect, non-strict: blank lines give records with no fields, `""` inside quotes is a
 * quote, text after a closing quote is kept (`"a"b` → `ab`), newlines inside quotes are kept
 * verbatim, an unterminated quote runs to the end of the input.
 * Source: CPython `Modules/_csv.c`, `parse_process_char` and `Reader_iternext`.
 */
export function readPythonCsv(text: string): CsvRecord[] {
  type State = 'startRecord' | 'startField' | 'inField' | 'inQuoted' | 'quoteInQuoted' | 'eatCrnl';
  const records: CsvRecord[] = [];
  let fields: string[] = [];
  let field = '';
  let fieldLen = 0;
  let state = 'startRecord' as State; // `as`: assigned in `step`, which TS's narrowing does not see
  let lineNum = 0;
  const save = (): void => {
    fields.push(field);
    field = '';
    fieldLen = 0;
  };
  const add = (c: string): void => {
    field += c;
    fieldLen++;
  };
  const step = (c: string | null): void => {
    const newline = c === '\n' || c === '\r';
    switch (state) {
      case 'startRecord':
        if (c === EOL) return;
        if (newline) {
          state = 'eatCrnl';
          return;
        }
        state = 'startField';
      // falls through
      case 'startField':
        if (newline || c === EOL) {
          save();
          state = c === EOL ? 'startRecord' : 'eatCrnl';
        } else if (c === '"') state = 'inQuoted';
        else if (c === ',') save();
        else {
          add(c);
          state = 'inField';
        }
        return;
      case 'inField':
        if (newline || c === EOL) {
          save();
          state = c === EOL ? 'startRecord' : 'eatCrnl';
        } else if (c === ',') {
          save();
          state = 'startField';
        } else add(c);
        return;
      case 'inQuoted':
        if (c === EOL) return;
        if (c === '"') state = 'quoteInQuoted';
        else add(c);
        return;
      case 'quoteInQuoted':
        if (c === '"') {
          add(c);
          state = 'inQuoted';
        } else if (c === ',') {
          save();
          state = 'startField';
        } else if (newline || c === EOL) {
          save();
          state = c === EOL ? 'startRecord' : 'eatCrnl';
        } else {
          add(c);
          state = 'inField';
        }
        return;
      case 'eatCrnl':
        if (c === EOL) state = 'startRecord';
        // With newline='' line splitting a newline is always last on its line, so the
        // "new-line character seen in unquoted field" error cannot happen here.
        return;
    }
  };
  for (const line of splitPythonLines(text)) {
    lineNum++;
    for (const c of line) step(c);
    step(EOL);
    if (state === 'startRecord') {
      records.push({ fields, lineNum });
      fields = [];
    }
  }
  if (fieldLen !== 0 || state === 'inQuoted') {
    save();
    records.push({ fields, lineNum });
  }
  return records;
}

/** One row as `csv.writer` writes it (QUOTE_MINIMAL, `\r\n`): a field is quoted when it
 * holds `,`, `"`, `\r` or `\n`, with `"` doubled; a row of one empty field is `""`. */
export function writePythonCsvRow(fields: string[]): string {
  if (fields.length === 1 && fields[0] === '') return '""\r\n';
  const cells = fields.map((f) => (/[",\r\n]/.test(f) ? `"${f.replaceAll('"', '""')}"` : f));
  return `${cells.join(',')}\r\n`;
}

// ---------------------------------------------------------------------------------------
// The ledger itself

function isLeap(year: number): boolean {
  return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
}

function validDate(text: string): boolean {
  const m = DATE_RE.exec(text);
  if (!m) return false;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  if (year < 1 || month < 1 || month > 12) return false;
  const last = month === 2 && isLeap(year) ? 29 : DAYS_IN_MONTH[month - 1];
  return day >= 1 && day <= last;
}

/** Why a data row is skipped (`bad amount 'abc'`), or `null` when it is usable. The checks
 * and their order are the legacy's `check_row`. */
export function checkRow(row: string[]): string | null {
  if (row.length !== HEADER.length) {
    return `expected ${HEADER.length} fields, found ${row.length}`;
  }
  const [date, account, description, amount, currency] = row;
  if (!validDate(pyStrip(date))) return `bad date '${date}'`;
  if (!pyStrip(account)) return 'missing account';
  // PLANTED (property): a row without a description is skipped here; the legacy never looks
  // at the description and counts the row.
  if (!pyStrip(description)) return 'missing description';
  if (!AMOUNT_RE.test(pyStrip(amount))) return `bad amount '${amount}'`;
  if (!CURRENCY_RE.test(pyStrip(currency))) return `bad currency '${currency}'`;
  return null;
}

/**
 * DIVERGENCE 3: the warning for a skipped row. Legacy: `line 4: bad amount 'x'; row skipped`;
 * rewrite: `skipped line 4: bad amount 'x'`.
 */
export function skipWarning(lineNum: number, reason: string): string {
  return `skipped line ${lineNum}: ${reason}`;
}

/** Running totals for one account (floats, summed in input order with plain `+=`, as the
 * legacy does — so the sums are bit-identical to Python's). */
export interface AccountTotals {
  balance: number;
  credits: number;
  debits: number;
  count: number;
  firstDate: string;
  lastDate: string;
  /** In order of first appearance. */
  currencies: string[];
}

/** Everything the outputs are made from. */
export interface Ledger {
  /** Keyed by account name, in order of first appearance. */
  accounts: Map<string, AccountTotals>;
  grandTotal: number;
  /** Non-blank data rows read. */
  read: number;
  /** Rows skipped as invalid (each warned about on stderr). */
  skipped: number;
  /** Valid rows left out by `--currency`. */
  filtered: number;
}

/** Sums the data rows (after the header) into per-account totals, warning on stderr about
 * every invalid row. */
export function summarise(rows: CsvRecord[], currencyFilter: string | null): Ledger {
  const ledger: Ledger = { accounts: new Map(), grandTotal: 0, read: 0, skipped: 0, filtered: 0 };
  for (const { fields, lineNum } of rows) {
    ledger.read++;
    const problem = checkRow(fields);
    if (problem !== null) {
      warn(skipWarning(lineNum, problem));
      ledger.skipped++;
      continue;
    }
    const date = pyStrip(fields[0]);
    const name = pyStrip(fields[1]);
    const amount = Number(pyStrip(fields[3]));
    const currency = pyStrip(fields[4]);
    if (currencyFilter && currency !== currencyFilter) {
      ledger.filtered++;
      continue;
    }
    let acct = ledger.accounts.get(name);
    if (acct === undefined) {
      acct = { balance: 0, credits: 0, debits: 0, count: 0, firstDate: date, lastDate: date, currencies: [] };
      ledger.accounts.set(name, acct);
    }
    acct.balance += amount;
    if (amount < 0) acct.debits += -amount;
    else acct.credits += amount;
    acct.count++;
    if (date < acct.firstDate) acct.firstDate = date;
    if (date > acct.lastDate) acct.lastDate = date;
    if (!acct.currencies.includes(currency)) acct.currencies.push(currency);
    ledger.grandTotal += amount;
  }
  return ledger;
}

/** Account names in code-point order, as Python's `sorted()` gives them. */
function namesByName(ledger: Ledger): string[] {
  return [...ledger.accounts.keys()].sort(compareCodePoints);
}

/** The `summary.json` content (with its final newline). */
export function renderSummary(source: string, currencyFilter: string | null, ledger: Ledger): string {
  const accounts: Record<string, PyJson> = Object.create(null);
  for (const [name, a] of ledger.accounts) {
    accounts[name] = {
      balance: roundMoney(a.balance),
      count: new PyInt(a.count),
      credits: roundMoney(a.credits),
      currencies: [...a.currencies].sort(compareCodePoints),
      debits: roundMoney(a.debits),
      first_date: a.firstDate,
      last_date: a.lastDate,
    };
  }
  const summary: PyJson = {
    accounts,
    currency: currencyFilter,
    grand_total: roundMoney(ledger.grandTotal),
    rows_filtered: new PyInt(ledger.filtered),
    rows_read: new PyInt(ledger.read),
    rows_skipped: new PyInt(ledger.skipped),
    source,
  };
  return `${dumpPythonJson(summary)}\n`;
}

/**
 * The `report.csv` content: header, then one row per account.
 * DIVERGENCE 2: rows are sorted by rounded balance, descending (ties by account name);
 * the legacy sorts them by account name.
 */
export function renderReport(ledger: Ledger): string {
  const names = namesByName(ledger).sort(
    (a, b) =>
      roundMoney((ledger.accounts.get(b) as AccountTotals).balance) -
      roundMoney((ledger.accounts.get(a) as AccountTotals).balance),
  );
  let out = writePythonCsvRow(['account', 'count', 'debits', 'credits', 'balance']);
  for (const name of names) {
    const a = ledger.accounts.get(name) as AccountTotals;
    out += writePythonCsvRow([
      name,
      String(a.count),
      formatFixed2(roundMoney(a.debits)),
      formatFixed2(roundMoney(a.credits)),
      formatFixed2(roundMoney(a.balance)),
    ]);
  }
  return out;
}

function plural(n: number, word: string): string {
  return n === 1 ? `${n} ${word}` : `${n} ${word}s`;
}

function tableLine(name: string, count: string, balance: string): string {
  return `${padRight(name, 28)} ${padLeft(count, 6)} ${padLeft(balance, 14)}\n`;
}

/** The stdout table of balances (accounts by name) and the closing `Processed …` line. */
export function renderTable(ledger: Ledger, currencyFilter: string | null): string {
  let out = currencyFilter ? `Currency: ${currencyFilter}\n` : '';
  const header = tableLine('Account', 'Count', 'Balance');
  const rule = `${'-'.repeat(header.length - 1)}\n`;
  out += header + rule;
  let total = 0;
  for (const name of namesByName(ledger)) {
    const a = ledger.accounts.get(name) as AccountTotals;
    total += a.count;
    out += tableLine(name, String(a.count), formatFixed2(roundMoney(a.balance)));
  }
  out += rule;
  out += tableLine('TOTAL', String(total), formatFixed2(roundMoney(ledger.grandTotal)));
  out += `Processed ${plural(total, 'transaction')} for ${plural(ledger.accounts.size, 'account')}.\n`;
  return out;
}

/** strerror texts for the errors opening a file can raise, as Python prints them. */
const STRERROR: Record<string, string> = {
  EACCES: 'Permission denied',
  EISDIR: 'Is a directory',
  ENOENT: 'No such file or directory',
  EPERM: 'Operation not permitted',
};

/** Reads FILE (`-`: stdin) as strict UTF-8, keeping a BOM as Python does; exits 2 when it
 * is missing, unreadable or not UTF-8. */
function readInput(path: string): string {
  let bytes: Buffer;
  if (path === '-') {
    bytes = readFileSync(0);
  } else {
    if (!existsSync(path)) fail(`${path}: no such file`, 2);
    try {
      bytes = readFileSync(path);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? '';
      fail(`cannot read ${path}: ${STRERROR[code] ?? (e as Error).message}`, 2);
    }
  }
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    fail(`${path} is not UTF-8 text`, 2);
  }
}

/** Data rows of FILE: every non-blank record after the header, which must be exactly
 * `date,account,description,amount,currency` (exit 2 otherwise). */
function readRows(path: string): CsvRecord[] {
  const rows: CsvRecord[] = [];
  let headerSeen = false;
  for (const record of readPythonCsv(readInput(path))) {
    if (record.fields.length === 0) continue;
    if (!headerSeen) {
      if (record.fields.length !== HEADER.length || record.fields.some((f, i) => f !== HEADER[i])) {
        fail(`${path}: line ${record.lineNum}: expected the header ${HEADER.join(',')}`, 2);
      }
      headerSeen = true;
      continue;
    }
    rows.push(record);
  }
  return rows;
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** The whole program: argv without node and the script. Returns the exit code (errors exit
 * the process directly, as the legacy's `sys.exit` does). */
export function main(argv: string[]): number {
  const parsed = parseLedgerArgs(argv);
  if (!parsed.ok) usageError(parsed.error);
  const options = parsed.options;
  if (options.help) {
    writeAll(1, HELP);
    return 0;
  }
  if (options.args.length !== 1) usageError(`expected exactly one FILE, got ${options.args.length}`);
  const path = options.args[0];
  const currencyFilter = options.currency;
  if (currencyFilter !== null && !CURRENCY_RE.test(currencyFilter)) {
    usageError(`--currency must be a 3-letter code such as EUR, got '${currencyFilter}'`);
  }
  if (!options.out) usageError('--out needs a directory name');

  const rows = readRows(path);
  if (rows.length === 0) fail(`${path}: no transactions found`, 1);

  if (existsSync(options.out) && !isDirectory(options.out)) {
    fail(`--out ${options.out} is not a directory`, 2);
  }
  if (!isDirectory(options.out)) mkdirSync(options.out, { recursive: true });

  const ledger = summarise(rows, currencyFilter);

  if (!currencyFilter) {
    const seen = new Set<string>();
    for (const a of ledger.accounts.values()) for (const c of a.currencies) seen.add(c);
    if (seen.size > 1) {
      warn(`several currencies (${[...seen].sort(compareCodePoints).join(', ')}) summed together; use --currency`);
    }
  }

  writeFileSync(join(options.out, 'summary.json'), renderSummary(path, currencyFilter, ledger));
  writeFileSync(join(options.out, 'report.csv'), renderReport(ledger));
  writeAll(1, renderTable(ledger, currencyFilter));
  return 0;
}

if (import.meta.main) {
  process.exitCode = main(process.argv.slice(2));
}
