/**
 * Noise learning: run the legacy against itself, and treat every place where its own runs
 * differ as noise, ignored at verify time and always listed in reports.
 *
 * Source: Diffy (Twitter, 2015) — "a field is noise when the primary differs from the
 * secondary there" — https://github.com/opendiffy/diffy. Guard rails after Keploy: a structural
 * change (a field present in one run only, an array or a text of another length, a different
 * exit code or status, a file written in one run only) and a whole output are never learned:
 * the scenario is reported as non-deterministic instead, so the user adds a normalizer.
 *
 * Where noise can sit: a JSON path (leaf value), a reordered JSON array (compared as a
 * multiset), a CSV cell, a text line (the words that varied become `\S+` wildcards, the rest
 * stays literal), or a whole text whose lines came back reordered.
 */
import { isUtf8 } from 'node:buffer';
import { detectFormat } from '../recorders/format.ts';
import { compareDb } from './compare/db.ts';
import { formatCsv, parseCsv } from './normalize/csv.ts';
import { formatJsonPath, replaceJsonPaths, type JsonPathKey } from './normalize/json-path.ts';
import type { ContentFormat, NoiseLocation, NoiseRule, ScenarioNoise, ScenarioObservation } from './model.ts';

/** Placeholder a masked value or line becomes on both sides. */
export const NOISE_PLACEHOLDER = '<noise>';
const MAX_VALUES = 5;
const MAX_VALUE_CHARS = 200;

class Structural extends Error {}

type Channel = NoiseRule['channel'];

function clip(value: unknown): string {
  const s = typeof value === 'string' ? value : JSON.stringify(value);
  return s.length > MAX_VALUE_CHARS ? `${s.slice(0, MAX_VALUE_CHARS - 1)}…` : s;
}

function where(channel: Channel, path: string | undefined): string {
  return path ? `${channel} ${path}` : channel;
}

/** Collects rules, merging the values seen for the same location across runs. */
class RuleSet {
  private readonly byKey = new Map<string, NoiseRule>();
  add(channel: Channel, path: string | undefined, loc: NoiseLocation, values: unknown[]): void {
    const key = JSON.stringify([channel, path ?? null, loc]);
    let rule = this.byKey.get(key);
    if (!rule) {
      rule = { channel, ...(path ? { path } : {}), where: loc, values: [] };
      this.byKey.set(key, rule);
    }
    for (const v of values) {
      const s = clip(v);
      if (!rule.values.includes(s) && rule.values.length < MAX_VALUES) rule.values.push(s);
    }
  }
  list(): NoiseRule[] {
    return [...this.byKey.values()];
  }
}

function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

function typeOf(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v;
}

function learnJson(a: unknown, b: unknown, trail: JsonPathKey[], out: (loc: NoiseLocation, values: unknown[]) => void): void {
  const path = formatJsonPath(trail);
  if (typeOf(a) !== typeOf(b)) throw new Structural(`${path} is ${typeOf(a)} in one run and ${typeOf(b)} in another`);
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) throw new Structural(`array ${path} has ${a.length} elements in one run and ${b.length} in another`);
    const ca = a.map(canonical);
    const cb = b.map(canonical);
    if (ca.join('\u0000') === cb.join('\u0000')) return;
    if ([...ca].sort().join('\u0000') === [...cb].sort().join('\u0000')) {
      out({ kind: 'json', path, unordered: true }, []);
      return;
    }
    a.forEach((item, i) => learnJson(item, b[i], [...trail, i], out));
    return;
  }
  if (a && typeof a === 'object' && b && typeof b === 'object') {
    const ka = Object.keys(a).sort();
    const kb = Object.keys(b).sort();
    const onlyA = ka.filter((k) => !kb.includes(k));
    const onlyB = kb.filter((k) => !ka.includes(k));
    if (onlyA.length || onlyB.length) {
      throw new Structural(`field ${formatJsonPath([...trail, (onlyA[0] ?? onlyB[0])!])} is present in one run only`);
    }
    for (const k of ka) learnJson((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], [...trail, k], out);
    return;
  }
  if (a !== b) {
    if (trail.length === 0) throw new Structural('the whole JSON value differs between runs');
    out({ kind: 'json', path }, [a, b]);
  }
}

function splitLines(text: string): string[] {
  const lines = text.split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * A whole-line pattern covering two versions of a line: equal words stay literal, differing
 * words become `\S+`. With a different number of words, the common leading and trailing
 * words stay literal around `.*`. Returns null when nothing is in common (the whole line varies).
 */
export function linePattern(a: string, b: string): string | null {
  const wa = a.split(/(\s+)/);
  const wb = b.split(/(\s+)/);
  if (wa.length === wb.length) {
    let literal = 0;
    const parts = wa.map((w, i) => {
      if (w === wb[i]) {
        if (w.trim() !== '') literal++;
        return escapeRegex(w);
      }
      return /^\s+$/.test(w) && /^\s+$/.test(wb[i]) ? '\\s+' : '\\S+';
    });
    return literal > 0 ? `^${parts.join('')}$` : null;
  }
  let p = 0;
  while (p < Math.min(a.length, b.length) && a[p] === b[p]) p++;
  let s = 0;
  while (s < Math.min(a.length, b.length) - p && a[a.length - 1 - s] === b[b.length - 1 - s]) s++;
  const prefix = a.slice(0, p).replace(/\S+$/, '');
  const suffix = a.slice(a.length - s).replace(/^\S+/, '');
  if (prefix.trim() === '' && suffix.trim() === '') return null;
  return `^${escapeRegex(prefix)}.*${escapeRegex(suffix)}$`;
}

function learnText(a: string, b: string, out: (loc: NoiseLocation, values: unknown[]) => void): void {
  const la = splitLines(a);
  const lb = splitLines(b);
  if (la.length !== lb.length) throw new Structural(`${la.length} lines in one run and ${lb.length} in another`);
  if ([...la].sort().join('\n') === [...lb].sort().join('\n')) {
    out({ kind: 'text', unordered: true }, []);
    return;
  }
  const differing = la.map((line, i) => i).filter((i) => la[i] !== lb[i]);
  if (differing.length === la.length) throw new Structural(la.length === 1 ? 'the whole output differs between runs' : 'every line differs between runs');
  for (const i of differing) {
    const pattern = linePattern(la[i], lb[i]);
    out(pattern ? { kind: 'text', line: i + 1, pattern } : { kind: 'text', line: i + 1 }, [la[i], lb[i]]);
  }
}

function learnCsv(a: string, b: string, out: (loc: NoiseLocation, values: unknown[]) => void): void {
  const ra = parseCsv(a);
  const rb = parseCsv(b);
  if (ra.length !== rb.length) throw new Structural(`${ra.length} CSV rows in one run and ${rb.length} in another`);
  const header = ra[0] ?? [];
  if ((rb[0] ?? []).join('\u0000') !== header.join('\u0000')) throw new Structural('the CSV header differs between runs');
  const body = (rows: string[][]) => rows.slice(1).map((r) => r.join('\u0000'));
  if (body(ra).join('\n') !== body(rb).join('\n') && [...body(ra)].sort().join('\n') === [...body(rb)].sort().join('\n')) {
    throw new Structural('CSV rows come back in another order between runs; add normalize.unorderedRows() or a csvKeys entry');
  }
  let cells = 0;
  let varying = 0;
  for (let r = 1; r < ra.length; r++) {
    const x = ra[r];
    const y = rb[r];
    if (x.length !== y.length) throw new Structural(`CSV row ${r} has ${x.length} cells in one run and ${y.length} in another`);
    for (let c = 0; c < x.length; c++) {
      cells++;
      if (x[c] !== y[c]) {
        varying++;
        out({ kind: 'csv', row: r, column: header[c] ?? `#${c + 1}` }, [x[c], y[c]]);
      }
    }
  }
  if (cells > 0 && varying === cells) throw new Structural('every CSV cell differs between runs');
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

/** Learns the noise between two versions of one payload. @throws Structural */
function learnPayload(a: Buffer, b: Buffer, format: ContentFormat, out: (loc: NoiseLocation, values: unknown[]) => void): void {
  if (a.equals(b)) return;
  if (!isUtf8(a) || !isUtf8(b) || format === 'binary' || format === 'image') throw new Structural('binary content differs between runs');
  const ta = a.toString('utf8');
  const tb = b.toString('utf8');
  if (format === 'json') {
    const pa = parseJson(ta);
    const pb = parseJson(tb);
    if (pa.ok && pb.ok) return learnJson(pa.value, pb.value, [], out);
  }
  if (format === 'csv') return learnCsv(ta, tb, out);
  return learnText(ta, tb, out);
}

/** Format of an HTTP body, from its content-type (else sniffed). */
export function bodyFormat(headers: ReadonlyArray<[string, string]>, body: Buffer): ContentFormat {
  const type = headers.find(([k]) => k.toLowerCase() === 'content-type')?.[1].toLowerCase() ?? '';
  if (type.includes('json')) return 'json';
  if (type.includes('csv')) return 'csv';
  if (type.startsWith('image/')) return 'image';
  return detectFormat(null, body);
}

/** The http channel: same number of exchanges and statuses, noise in response bodies. */
function learnHttp(first: ScenarioObservation, other: ScenarioObservation, rules: RuleSet): void {
  if (!first.http && !other.http) return;
  const a = first.http?.exchanges ?? [];
  const b = other.http?.exchanges ?? [];
  if (Boolean(first.http?.error) !== Boolean(other.http?.error)) throw new Structural(`http: the scenario failed in one run only (${first.http?.error ?? other.http?.error})`);
  if (a.length !== b.length) throw new Structural(`http: ${a.length} exchanges in one run and ${b.length} in another`);
  a.forEach((x, i) => {
    const y = b[i];
    const label = `#${i + 1}`;
    if (x.response.status !== y.response.status) throw new Structural(`http ${label}: status ${x.response.status} in one run and ${y.response.status} in another`);
    try {
      learnPayload(x.response.body, y.response.body, bodyFormat(x.response.headers, x.response.body), (loc, values) => rules.add('http', label, loc, values));
    } catch (err) {
      if (err instanceof Structural) throw new Structural(`http ${label}: ${err.message}`);
      throw err;
    }
  });
}

/**
 * The db channel: columns whose values differ between legacy runs (a `now()` default, a random
 * token) are learned as noise and ignored when comparing. Rows present in one run only (and a
 * different capture outcome) are structural: never learned.
 */
function learnDb(first: ScenarioObservation, other: ScenarioObservation, rules: RuleSet): void {
  if (!first.db || !other.db) return;
  if (Boolean(first.db.error) !== Boolean(other.db.error)) throw new Structural(`db: capture failed in one run only (${first.db.error ?? other.db.error})`);
  if (first.db.error) return;
  const difference = compareDb(first.db, other.db, { mode: 'net', schema: { legacy: first.schema, candidate: other.schema } });
  if (!difference || difference.kind !== 'rows') return;
  for (const table of difference.tables) {
    for (const row of table.rows) {
      if (row.kind !== 'changed') throw new Structural(`db: ${table.table} ${row.key} is ${row.kind === 'order' ? 'in another order' : 'written'} in one run only`);
      for (const cell of row.cells ?? []) {
        const a = row.legacy?.after?.[cell] ?? row.legacy?.before?.[cell];
        const b = row.candidate?.after?.[cell] ?? row.candidate?.before?.[cell];
        rules.add('db', undefined, { kind: 'column', column: `${table.table}.${cell}` }, [a, b]);
      }
    }
  }
}

/** Ignore-globs (picomatch) for the db columns learned as noise: `public.orders.updated_at`
 * with glob characters escaped. */
export function noiseColumns(rules: readonly NoiseRule[] | undefined): string[] {
  return (rules ?? []).flatMap((r) => (r.channel === 'db' && r.where.kind === 'column' ? [r.where.column.replace(/[*?[\]{}()!+@|]/g, '\\$&')] : []));
}

/**
 * Learns a scenario's noise from two or more legacy runs of it (the first is the one stored).
 *
 * @returns the noise rules (empty when every run agreed), or `nondeterministic` with the reason
 * when the runs differ in a way that is never learned (then `rules` is empty: nothing is ignored).
 */
export function learnNoise(runs: ScenarioObservation[]): ScenarioNoise {
  if (runs.length < 2) return { rules: [] };
  const [first, ...others] = runs;
  const rules = new RuleSet();
  try {
    for (const other of others) {
      if (canonical(first.exit) !== canonical(other.exit)) {
        throw new Structural(`exit differs between runs: ${JSON.stringify(first.exit)} vs ${JSON.stringify(other.exit)}`);
      }
      for (const channel of ['stdout', 'stderr'] as const) {
        const format = detectFormat(null, first[channel]);
        try {
          learnPayload(first[channel], other[channel], format, (loc, values) => rules.add(channel, undefined, loc, values));
        } catch (err) {
          if (err instanceof Structural) throw new Structural(`${channel}: ${err.message}`);
          throw err;
        }
      }
      const files = new Map(other.files.map((f) => [f.path, f]));
      if (other.files.length !== first.files.length || first.files.some((f) => !files.has(f.path))) {
        const a = first.files.map((f) => f.path);
        const b = other.files.map((f) => f.path);
        const odd = [...a.filter((p) => !b.includes(p)), ...b.filter((p) => !a.includes(p))][0];
        throw new Structural(`file ${odd} is written in one run only`);
      }
      learnHttp(first, other, rules);
      learnDb(first, other, rules);
      for (const f of first.files) {
        const g = files.get(f.path)!;
        if (f.change !== g.change) throw new Structural(`file ${f.path} is ${f.change} in one run and ${g.change} in another`);
        if (f.content === null || g.content === null) continue;
        try {
          learnPayload(f.content, g.content, f.format, (loc, values) => rules.add('files', f.path, loc, values));
        } catch (err) {
          if (err instanceof Structural) throw new Structural(`file ${f.path}: ${err.message}`);
          throw err;
        }
      }
    }
  } catch (err) {
    if (err instanceof Structural) return { rules: [], nondeterministic: err.message };
    throw err;
  }
  return { rules: rules.list() };
}

/** The rules of one payload (channel, and file path for the files channel). */
export function rulesFor(rules: readonly NoiseRule[] | undefined, channel: Channel, path?: string): NoiseRule[] {
  if (!rules || rules.length === 0) return [];
  return rules.filter((r) => r.channel === channel && ((channel !== 'files' && channel !== 'http') || r.path === path));
}

function maskText(text: string, rules: NoiseRule[]): string {
  const trailing = text.endsWith('\n');
  let lines = splitLines(text);
  const patterns = rules.filter((r) => r.where.kind === 'text' && r.where.pattern).map((r) => new RegExp((r.where as { pattern: string }).pattern));
  const positions = new Set(rules.filter((r) => r.where.kind === 'text' && !r.where.pattern && r.where.line).map((r) => (r.where as { line: number }).line));
  lines = lines.map((line, i) => (positions.has(i + 1) || patterns.some((p) => p.test(line)) ? NOISE_PLACEHOLDER : line));
  if (rules.some((r) => r.where.kind === 'text' && r.where.unordered)) lines.sort();
  return lines.join('\n') + (trailing ? '\n' : '');
}

function sortArrayAt(value: unknown, path: string): unknown {
  // Walk the concrete path (learning only ever writes `.key`, `['key']` and `[n]` steps) and sort
  // the array found there canonically.
  const steps: Array<string | number> = [];
  const re = /\.([A-Za-z_][A-Za-z0-9_]*)|\['((?:[^'\\]|\\.)*)'\]|\[(\d+)\]/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(path.slice(1)))) steps.push(m[1] ?? (m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : Number(m[3])));
  const clone = structuredClone(value);
  let node: unknown = clone;
  for (const s of steps) {
    if (node === null || typeof node !== 'object') return value;
    node = (node as Record<string | number, unknown>)[s];
  }
  if (Array.isArray(node)) {
    node.sort((x, y) => (canonical(x) < canonical(y) ? -1 : canonical(x) > canonical(y) ? 1 : 0));
  }
  return clone;
}

function maskJson(text: string, rules: NoiseRule[]): string {
  const parsed = parseJson(text);
  if (!parsed.ok) return maskText(text, rules);
  let value = parsed.value;
  for (const r of rules) {
    if (r.where.kind !== 'json') continue;
    value = r.where.unordered ? sortArrayAt(value, r.where.path) : replaceJsonPaths(value, [r.where.path], NOISE_PLACEHOLDER);
  }
  return JSON.stringify(value, null, 2);
}

function maskCsv(text: string, rules: NoiseRule[]): string {
  const rows = parseCsv(text);
  const header = rows[0] ?? [];
  for (const r of rules) {
    if (r.where.kind !== 'csv') continue;
    const { row, column } = r.where;
    const c = column.startsWith('#') ? Number(column.slice(1)) - 1 : header.indexOf(column);
    if (rows[row] && c >= 0 && c < rows[row].length) rows[row][c] = NOISE_PLACEHOLDER;
  }
  return formatCsv(rows);
}

/**
 * Masks learned noise in one payload's text, the same way on the legacy and the candidate side:
 * varying JSON values, CSV cells and text lines become `<noise>`; reordered arrays and texts
 * are sorted. Text with no rules comes back unchanged.
 */
export function applyNoise(text: string, format: ContentFormat, rules: NoiseRule[]): string {
  if (rules.length === 0) return text;
  if (format === 'json') return maskJson(text, rules);
  if (format === 'csv' && rules.some((r) => r.where.kind === 'csv')) return maskCsv(text, rules);
  return maskText(text, rules);
}

/** One line per rule for terminals and reports: `stdout line 2 ~ ^at \S+$ (2 values seen)`. */
export function describeNoise(rule: NoiseRule): string {
  const w = rule.where;
  const place =
    w.kind === 'json'
      ? w.unordered
        ? `${w.path} (order)`
        : w.path
      : w.kind === 'csv'
        ? `row ${w.row}, column ${w.column}`
        : w.kind === 'column'
          ? `column ${w.column}`
          : w.unordered
          ? 'line order'
          : `line ${w.line}${w.pattern ? ` ~ ${w.pattern}` : ''}`;
  return `${where(rule.channel, rule.path)}: ${place}`;
}
