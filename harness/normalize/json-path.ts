/**
 * The JSONPath subset paritykit understands, shared by the `jsonPaths` and `tolerance`
 * normalizers, the JSON comparator and deviations.
 *
 * Syntax follows RFC 9535 (https://www.rfc-editor.org/rfc/rfc9535) for the parts supported:
 *
 * | syntax          | selects                                             |
 * |-----------------|-----------------------------------------------------|
 * | `$`             | the root value                                      |
 * | `.key`          | member `key` (shorthand: letters, digits, `_`, `$`, `-`; not starting with a digit or `-`) |
 * | `['key']`       | member `key`, any characters (`"key"` works too; `\\`, `\'`, `\"`, `\n`, `\uXXXX` escapes) |
 * | `[3]`           | array element 3 (0-based; negative indexes are not supported) |
 * | `[*]`, `.*`     | every element or member                             |
 * | `..key`, `..*`, `..[3]` | the selector applied at any depth below (descendants) |
 *
 * Filters, slices and unions are not supported and are reported as errors. A *concrete* path
 * (`$.items[3].price`, what the comparator reports) is a JSONPath with keys and indexes only.
 */
import { ParityError } from '../errors.ts';
import { isRawJson, type JsonValue } from './json-text.ts';

/** What one segment selects. */
export type JsonPathSelector =
  | { kind: 'key'; key: string }
  | { kind: 'index'; index: number }
  | { kind: 'wildcard' };

/** One step of a JSONPath: a selector applied to the children (or, with `descendant`, to all
 * descendants) of the current values. */
export interface JsonPathSegment {
  descendant: boolean;
  selector: JsonPathSelector;
}

/** A parsed JSONPath. `segments` is empty for `$`. */
export interface ParsedJsonPath {
  /** The expression as written. */
  source: string;
  segments: JsonPathSegment[];
}

/** One step of a concrete location in a JSON value: an object key or an array index. */
export type JsonPathKey = string | number;

const SUPPORTED = "supported: $, .key, ['key'], [3], [*], .*, ..key";

/**
 * Parses a JSONPath expression of the supported subset.
 *
 * @example
 * parseJsonPath("$..items[*]['unit price']").segments.length // 3
 * @throws ParityError `CONFIG_INVALID` naming the expression, the position and the supported
 * syntax when the expression is not in the subset.
 */
export function parseJsonPath(expr: string): ParsedJsonPath {
  return new JsonPathParser(expr).parse();
}

/**
 * Writes a concrete path in the canonical form the comparator reports: `$`, `.key` when the
 * key is a plain identifier, otherwise `['key']`, and `[3]` for indexes.
 *
 * @example
 * formatJsonPath(['items', 3, 'unit price']) // "$.items[3]['unit price']"
 */
export function formatJsonPath(keys: readonly JsonPathKey[]): string {
  let out = '$';
  for (const key of keys) {
    if (typeof key === 'number') out += `[${key}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) out += `.${key}`;
    else out += `['${key.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}']`;
  }
  return out;
}

/** Options of {@link matchJsonPath}. */
export interface MatchJsonPathOptions {
  /** Also match a concrete path *inside* a matched value (`$.user` matches `$.user.name`).
   * Default false: the concrete path must be exactly a selected location. */
  descendants?: boolean;
}

/**
 * Tells whether a JSONPath selects a concrete location.
 *
 * @example
 * matchJsonPath('$.items[*].price', '$.items[3].price') // true
 * matchJsonPath('$..price', '$.items[3].price')         // true
 * matchJsonPath('$.items', '$.items[3]', { descendants: true }) // true
 * @param expr The JSONPath (a string, or parsed once with {@link parseJsonPath} for reuse).
 * @param concretePath A concrete path (`$.items[3].price`) or its keys (`['items', 3, 'price']`).
 * @throws ParityError `CONFIG_INVALID` when `expr` does not parse; `INTERNAL` when
 * `concretePath` contains wildcards or descendant steps.
 */
export function matchJsonPath(
  expr: string | ParsedJsonPath,
  concretePath: string | readonly JsonPathKey[],
  options: MatchJsonPathOptions = {},
): boolean {
  const pattern = typeof expr === 'string' ? parseJsonPath(expr) : expr;
  const keys = typeof concretePath === 'string' ? concreteKeys(concretePath) : concretePath;
  return matchSegments(pattern.segments, keys, options.descendants === true ? 'or-deeper' : 'exact');
}

/**
 * Returns a copy of a JSON value in which every location any of `paths` selects is replaced
 * by `replacement`. Nothing is created: a path that selects nothing changes nothing. The
 * replacement is not searched again (no replacing inside a replacement). The input is not
 * modified.
 *
 * @example
 * replaceJsonPaths({ id: 7, items: [{ at: 1 }, { at: 2 }] }, ['$.id', '$.items[*].at'])
 * // { id: '<redacted>', items: [{ at: '<redacted>' }, { at: '<redacted>' }] }
 * @param paths JSONPath expressions (strings or parsed).
 * @param replacement The value to put in place; default the string `'<redacted>'`.
 * @throws ParityError `CONFIG_INVALID` when a path does not parse.
 */
export function replaceJsonPaths(
  value: JsonValue,
  paths: readonly (string | ParsedJsonPath)[],
  replacement: unknown = '<redacted>',
): JsonValue {
  const patterns = paths.map((path) => (typeof path === 'string' ? parseJsonPath(path) : path).segments);
  const visit = (node: unknown, trail: JsonPathKey[], alive: JsonPathSegment[][]): unknown => {
    if (alive.some((segments) => matchSegments(segments, trail, 'exact'))) return replacement;
    const below = alive.filter((segments) => matchSegments(segments, trail, 'or-longer-pattern'));
    if (below.length === 0) return node;
    if (Array.isArray(node)) return node.map((item, index) => visit(item, [...trail, index], below));
    if (typeof node !== 'object' || node === null || isRawJson(node)) return node;
    return Object.fromEntries(
      Object.entries(node).map(([key, child]) => [key, visit(child, [...trail, key], below)]),
    );
  };
  return visit(value, [], patterns);
}

/**
 * - `exact`: the pattern selects exactly `keys`;
 * - `or-deeper`: the pattern selects `keys` or one of its ancestors;
 * - `or-longer-pattern`: the pattern could select `keys` or a location below it (pruning).
 */
type MatchMode = 'exact' | 'or-deeper' | 'or-longer-pattern';

function matchSegments(segments: readonly JsonPathSegment[], keys: readonly JsonPathKey[], mode: MatchMode): boolean {
  const walk = (i: number, j: number): boolean => {
    if (i === segments.length) return j === keys.length || mode === 'or-deeper';
    if (j === keys.length) return mode === 'or-longer-pattern';
    const segment = segments[i];
    if (!segment.descendant) return selects(segment.selector, keys[j]) && walk(i + 1, j + 1);
    if (mode === 'or-longer-pattern') return true;
    for (let k = j; k < keys.length; k++) {
      if (selects(segment.selector, keys[k]) && walk(i + 1, k + 1)) return true;
    }
    return false;
  };
  return walk(0, 0);
}

function selects(selector: JsonPathSelector, key: JsonPathKey): boolean {
  switch (selector.kind) {
    case 'wildcard':
      return true;
    case 'key':
      return key === selector.key;
    case 'index':
      return key === selector.index;
  }
}

function concreteKeys(path: string): JsonPathKey[] {
  const parsed = parseJsonPath(path);
  return parsed.segments.map((segment) => {
    if (segment.descendant || segment.selector.kind === 'wildcard') {
      throw new ParityError('INTERNAL', `matchJsonPath: "${path}" is not a concrete path (no *, no ..)`);
    }
    return segment.selector.kind === 'key' ? segment.selector.key : segment.selector.index;
  });
}

const NAME_FIRST = /[A-Za-z_$\u0080-\uffff]/;
const NAME_CHAR = /[A-Za-z0-9_$\-\u0080-\uffff]/;
const ESCAPES: Record<string, string> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', '/': '/', '\\': '\\', "'": "'", '"': '"' };

/** Recursive-descent parser over the expression; `pos` is the next character. */
class JsonPathParser {
  readonly expr: string;
  pos = 0;

  constructor(expr: string) {
    this.expr = expr;
  }

  parse(): ParsedJsonPath {
    if (this.expr[0] !== '$') this.fail('must start with $');
    this.pos = 1;
    const segments: JsonPathSegment[] = [];
    while (this.pos < this.expr.length) segments.push(this.segment());
    return { source: this.expr, segments };
  }

  private segment(): JsonPathSegment {
    const ch = this.expr[this.pos];
    if (ch === '[') return { descendant: false, selector: this.bracket() };
    if (ch !== '.') this.fail(`unexpected ${JSON.stringify(ch)}`);
    if (this.expr[this.pos + 1] === '.') {
      this.pos += 2;
      const next = this.expr[this.pos];
      return { descendant: true, selector: next === '[' ? this.bracket() : this.dotted() };
    }
    this.pos += 1;
    return { descendant: false, selector: this.dotted() };
  }

  /** After `.` or `..`: `*` or a member name. */
  private dotted(): JsonPathSelector {
    const ch = this.expr[this.pos];
    if (ch === '*') {
      this.pos++;
      return { kind: 'wildcard' };
    }
    if (ch === undefined) this.fail('expected a member name or * after "."');
    if (!NAME_FIRST.test(ch)) {
      this.fail(
        /[0-9]/.test(ch)
          ? `.${ch}… is not a member name; use [${ch}] for an array index or ['…'] for a key starting with a digit`
          : `${JSON.stringify(ch)} cannot start a member name; use ['…'] for such keys`,
      );
    }
    const start = this.pos;
    while (this.pos < this.expr.length && NAME_CHAR.test(this.expr[this.pos])) this.pos++;
    return { kind: 'key', key: this.expr.slice(start, this.pos) };
  }

  /** At `[`: `[*]`, `[3]`, `['key']` or `["key"]`, spaces allowed inside. */
  private bracket(): JsonPathSelector {
    this.pos++;
    this.skipSpaces();
    const ch = this.expr[this.pos];
    let selector: JsonPathSelector;
    if (ch === '*') {
      this.pos++;
      selector = { kind: 'wildcard' };
    } else if (ch === "'" || ch === '"') {
      selector = { kind: 'key', key: this.quoted(ch) };
    } else if (ch !== undefined && /[0-9]/.test(ch)) {
      const match = /^(0|[1-9][0-9]*)/.exec(this.expr.slice(this.pos))!;
      this.pos += match[0].length;
      selector = { kind: 'index', index: Number(match[0]) };
    } else if (ch === '-') {
      this.fail('negative array indexes are not supported');
    } else if (ch === '?' || ch === ':') {
      this.fail('filters and slices are not supported');
    } else {
      this.fail('expected *, an index or a quoted key inside [ ]');
    }
    this.skipSpaces();
    if (this.expr[this.pos] === ',') this.fail('unions ([a,b]) are not supported; list the paths separately');
    if (this.expr[this.pos] === ':') this.fail('slices are not supported');
    if (this.expr[this.pos] !== ']') this.fail('expected ]');
    this.pos++;
    return selector;
  }

  private quoted(quote: string): string {
    this.pos++;
    let out = '';
    while (this.pos < this.expr.length) {
      const ch = this.expr[this.pos];
      if (ch === quote) {
        this.pos++;
        return out;
      }
      if (ch === '\\') {
        const esc = this.expr[this.pos + 1];
        if (esc === 'u' && /^[0-9a-fA-F]{4}$/.test(this.expr.slice(this.pos + 2, this.pos + 6))) {
          out += String.fromCharCode(parseInt(this.expr.slice(this.pos + 2, this.pos + 6), 16));
          this.pos += 6;
          continue;
        }
        if (esc === undefined || !Object.hasOwn(ESCAPES, esc)) this.fail(`invalid escape \\${esc ?? ''}`);
        out += ESCAPES[esc];
        this.pos += 2;
        continue;
      }
      out += ch;
      this.pos++;
    }
    return this.fail(`unterminated ${quote}-quoted key`);
  }

  private skipSpaces(): void {
    while (this.expr[this.pos] === ' ' || this.expr[this.pos] === '\t') this.pos++;
  }

  private fail(reason: string): never {
    throw new ParityError(
      'CONFIG_INVALID',
      `JSONPath ${JSON.stringify(this.expr)}: ${reason} (at character ${this.pos + 1}); ${SUPPORTED}`,
    );
  }
}
