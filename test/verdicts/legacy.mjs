#!/usr/bin/env node
// The reference legacy of test/verdicts: a small CLI with deliberately noisy outputs, used to
// prove that paritykit learns the legacy's noise (A/A: zero differences) and still catches
// every real change (mutants). Node only, no dependencies; run it with `process.execPath`.
//
// Noise (different on every run; NOISE=0 makes it all fixed):
//   greet      a timestamp line on stdout (microsecond ISO time, like Python's isoformat())
//   sum        a random UUID and a timestamp in totals.json, a JSON array built from a set and
//              printed in random order, a `took 12.345ms` duration line on stdout
//   export     a random temp-ish batch id in a CSV column of out.csv, one per row
//   tags       lines of a set printed in random order
// Stable behaviour: text on stdout, warnings and errors on stderr, exit codes, a JSON file with
// numbers, a CSV whose row order matters, a file deleted and one modified, trailing newlines,
// binary output on stdout and in a file.
//
// MUTANT=<name> switches exactly one behaviour (see mutants.json, which lists the scenarios and
// channels where each must show); an unknown name exits 99 so a typo cannot pass silently.
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

const table = JSON.parse(readFileSync(new URL('./mutants.json', import.meta.url), 'utf8'));
const MUTANT = process.env.MUTANT ?? '';
const known = new Set([...table.mutants, ...table.equivalents].map((m) => m.name));
if (MUTANT !== '' && !known.has(MUTANT)) {
  process.stderr.write(`legacy.mjs: unknown MUTANT=${MUTANT}; the names are in mutants.json\n`);
  process.exit(99);
}
const NOISY = process.env.NOISE !== '0';

/** True when this run is the named mutant. */
const mutant = (name) => MUTANT === name;
const out = (text) => process.stdout.write(text);
const err = (text) => process.stderr.write(text);

// ── noise sources ────────────────────────────────────────────────────────────────────────

/** ISO 8601 time with microseconds: `2024-06-01T12:00:00.123456Z`. */
function timestamp() {
  if (!NOISY) return '2024-06-01T12:00:00.000000Z';
  const us = Math.floor((performance.timeOrigin + performance.now()) * 1000);
  return `${new Date(Math.floor(us / 1000)).toISOString().slice(0, 23)}${String(us % 1000).padStart(3, '0')}Z`;
}

function uuid() {
  return NOISY ? randomUUID() : '00000000-0000-4000-8000-000000000000';
}

/** A temp-ish id, like a batch or job id. */
function batchId() {
  return NOISY ? `tmp-${randomBytes(4).toString('hex')}` : 'tmp-00000000';
}

/** Milliseconds since start, three decimals. */
function elapsed() {
  return NOISY ? performance.now().toFixed(3) : '12.345';
}

/** The elements of a set in random order (what iterating a hash set gives in many languages). */
function shuffle(list) {
  const a = [...list];
  if (!NOISY) return a;
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

// ── helpers ──────────────────────────────────────────────────────────────────────────────

/** Rounds half up to 2 decimals on the decimal text (2.675 → 2.68, unlike toFixed). */
function round2(n) {
  return Math.round(Number(`${n}e2`)) / 100;
}

/** A small RFC 4180 reader: quoted cells, doubled quotes; rows end at LF or CRLF. */
function parseCsv(text) {
  const rows = [];
  let row = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(cell);
      cell = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
    } else cell += ch;
  }
  if (cell !== '' || row.length > 0) {
    row.push(cell);
    rows.push(row);
  }
  return rows;
}

// ── subcommands; each returns the exit code ──────────────────────────────────────────────

/** `greet NAME [--old]`: a greeting, a timestamp line, a closing line. */
function greet(args) {
  const name = args.find((a) => !a.startsWith('-')) ?? 'world';
  if (args.includes('--old') && !mutant('warning-missing')) err('warning: --old is deprecated; use --new\n');
  if (mutant('stderr-unexpected-warning')) err('note: no locale configured, using en\n');
  const lines = [`Hello, ${name}!`, `generated at ${timestamp()}`, 'Have a nice day.'];
  if (mutant('stdout-byte')) lines[0] = `Hello, ${name}.`;
  if (mutant('stdout-trailing-space')) lines[2] += ' ';
  if (mutant('timestamp-line-missing')) lines.splice(1, 1);
  if (mutant('stdout-extra-blank-line')) lines.splice(1, 0, '');
  const eol = mutant('stdout-crlf') ? '\r\n' : '\n';
  out(lines.join(eol) + (mutant('stdout-no-trailing-newline') ? '' : eol));
  if (mutant('signal')) {
    // stdout to a pipe is synchronous on Linux, so the output above is out before this.
    process.kill(process.pid, 'SIGTERM');
    setTimeout(() => undefined, 10_000);
  }
  return mutant('exit-code-0-to-1') ? 1 : 0;
}

/** `sum` < lines `name price qty tag,tag`: totals on stdout and in totals.json. */
function sum(stdin) {
  let rows = stdin
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => {
      const [name, price, qty, tags = ''] = l.trim().split(/\s+/);
      return { name, price: Number(price), qty: Number(qty), tags: tags.split(',').filter(Boolean) };
    });
  if (mutant('stdin-last-line-ignored')) rows = rows.slice(0, -1);
  const items = rows.map((r) => ({ name: r.name, price: r.price, qty: r.qty, subtotal: round2(r.price * r.qty) }));
  const total = round2(items.reduce((t, i) => t + i.subtotal, 0));
  let tags = shuffle(new Set(rows.flatMap((r) => r.tags)));
  if (mutant('set-element-changed')) tags = tags.map((t) => (t === 'organic' ? 'Organic' : t));
  if (mutant('set-element-missing')) tags = tags.filter((t) => t !== 'bulk');
  if (mutant('set-duplicate')) tags.push('fresh');
  if (mutant('json-precision')) items[0].price = round2(items[0].price);
  if (mutant('json-nested-value')) items[1].qty += 1;
  if (mutant('json-array-order')) items.reverse();
  let doc = { id: uuid(), generatedAt: timestamp(), currency: 'EUR', count: items.length, total, discount: null, taxable: true, items, tags };
  if (mutant('json-missing-field')) delete doc.currency;
  if (mutant('json-extra-field')) doc.version = 2;
  if (mutant('json-type-change')) doc.count = String(doc.count);
  if (mutant('json-null-to-zero')) doc.discount = 0;
  if (mutant('json-bool-flip')) doc.taxable = false;
  if (mutant('noisy-field-missing')) delete doc.id;
  if (mutant('json-key-order')) doc = Object.fromEntries(Object.entries(doc).reverse());
  writeFileSync('totals.json', JSON.stringify(doc, null, mutant('json-reindent') ? 4 : 2) + '\n');
  const lines = [`items: ${items.length}`, `total: ${total.toFixed(mutant('stdout-total-line') ? 1 : 2)}`, `took ${elapsed()}ms`];
  if (mutant('duration-line-missing')) lines.pop();
  out(lines.join('\n') + '\n');
  return 0;
}

/** `export FILE`: FILE (id,name,amount) sorted by amount, largest first, into out.csv. */
function exportCsv(args) {
  const file = args[0] ?? 'data.csv';
  let text;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    const message = `${mutant('stderr-wording') ? 'Error' : 'error'}: cannot read ${file}: no such file\n`;
    if (mutant('error-to-stdout')) out(message);
    else err(message);
    return mutant('error-exit-code') ? 1 : mutant('error-exit-zero') ? 0 : 2;
  }
  const [, ...body] = parseCsv(text);
  const rows = body.map(([id, name, amount]) => ({ id, name, amount: Number(amount) }));
  rows.sort((a, b) => b.amount - a.amount);
  const count = rows.length;
  if (mutant('csv-row-order')) [rows[0], rows[1]] = [rows[1], rows[0]];
  if (mutant('csv-row-missing')) rows.pop();
  let columns = ['id', 'name', 'amount', 'batch'];
  if (mutant('csv-column-missing')) columns = columns.filter((c) => c !== 'name');
  if (mutant('csv-noisy-column-missing')) columns = columns.filter((c) => c !== 'batch');
  const amount = (n) => (mutant('csv-cell-format') ? String(n) : n.toFixed(2));
  const quote = (v) => (!mutant('csv-quoting-lost') && /[",\r\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v);
  const lines = [columns.map((c) => (mutant('csv-header-renamed') && c === 'amount' ? 'Amount' : c)).join(',')];
  for (const r of rows) {
    const record = { id: r.id, name: r.name, amount: amount(r.amount), batch: batchId() };
    lines.push(columns.map((c) => quote(record[c])).join(','));
  }
  if (mutant('csv-extra-row')) lines.push(['total', '', amount(rows.reduce((t, r) => t + r.amount, 0)), ''].join(','));
  const eol = mutant('csv-crlf') ? '\r\n' : '\n';
  if (!mutant('file-not-written')) writeFileSync(mutant('file-renamed') ? 'output.csv' : 'out.csv', lines.join(eol) + eol);
  if (mutant('extra-file')) writeFileSync('export.log', `exported ${count} rows\n`);
  out(`exported ${count} rows to out.csv\n`);
  return 0;
}

/** `clean`: deletes cache/*.tmp and sets mode=clean in settings.ini. */
function clean() {
  const stale = readdirSync('cache').filter((f) => f.endsWith('.tmp')).sort();
  for (const f of stale) {
    if (mutant('file-not-deleted') && f === 'b.tmp') continue;
    rmSync(`cache/${f}`);
  }
  let ini = readFileSync('settings.ini', 'utf8').replace(/^mode=.*$/m, mutant('file-content-changed') ? 'mode = clean' : 'mode=clean');
  if (mutant('file-no-trailing-newline')) ini = ini.replace(/\n$/, '');
  if (mutant('file-deleted-instead-of-modified')) rmSync('settings.ini');
  else if (!mutant('file-not-modified')) writeFileSync('settings.ini', ini);
  out(`removed ${stale.length} cache files; settings.ini: mode=clean\n`);
  return 0;
}

/** `thumbnail`: binary bytes on stdout and in thumb.bin. */
function thumbnail() {
  const bytes = Buffer.from([0x00, 0xff, 0xfe, 0x80, ...Array.from({ length: 60 }, (_, i) => (i * 37 + 11) & 0xff)]);
  if (mutant('binary-stdout-byte')) bytes[10] ^= 0x01;
  const file = Buffer.from(Array.from({ length: 256 }, (_, i) => (i * 7) & 0xff));
  if (mutant('binary-file-byte')) file[100] ^= 0x80;
  writeFileSync('thumb.bin', mutant('binary-file-truncated') ? file.subarray(0, 255) : file);
  out(bytes);
  return 0;
}

/** `motto`: accented UTF-8 text in NFC. */
function motto() {
  let text = 'Crème brûlée, naïve café: ½ price\n'.normalize('NFC');
  if (mutant('unicode-nfd')) text = text.normalize('NFD');
  if (mutant('unicode-mojibake')) text = Buffer.from(text, 'utf8').toString('latin1');
  if (mutant('bom-added')) text = `\uFEFF${text}`;
  out(text);
  return 0;
}

/** `tags`: the enabled features, a set, one per line in random order. */
function tags() {
  const all = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel'];
  let lines = shuffle(all);
  if (mutant('lines-element-changed')) lines = lines.map((l) => (l === 'delta' ? 'Delta' : l));
  if (mutant('lines-element-missing')) lines = lines.filter((l) => l !== 'hotel');
  out(lines.map((l) => `feature ${l}: on\n`).join(''));
  return 0;
}

/** `wait`: prints done after 20 ms. */
function wait() {
  return new Promise((resolve) => {
    setTimeout(() => {
      out('done\n');
      resolve(0);
    }, mutant('timeout') ? 60_000 : 20);
  });
}

const [command, ...args] = process.argv.slice(2);
const commands = {
  greet: () => greet(args),
  sum: () => sum(readFileSync(0, 'utf8')),
  export: () => exportCsv(args),
  clean,
  thumbnail,
  motto,
  tags,
  wait,
};
if (!Object.hasOwn(commands, command ?? '')) {
  err(`usage: legacy.mjs ${Object.keys(commands).join('|')} [args]\n`);
  process.exitCode = 64;
} else {
  process.exitCode = await commands[command]();
}
