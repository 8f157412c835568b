/**
 * The text comparator: a line diff of the legacy's and the candidate's normalized text,
 * rendered as a classic unified diff.
 *
 * The exact diff is jsdiff's `diffArrays` (Myers' O(ND) algorithm) over interned lines, and it is
 * ALWAYS bounded (`maxEditLength` and `timeout`): unbounded, 50,000 lines with a third changed took
 * 292 s (DESIGN.md, known pitfalls). When the bound is hit, a patience-style approximation takes
 * over (anchor on lines unique to both sides, recurse into the gaps; Bram Cohen's patience diff, as
 * in `git diff --patience`). It is near-linear, still a valid edit script (every hunk is true),
 * but not necessarily minimal; the result is marked `truncated` and shows only the first hunks.
 *
 * @see https://github.com/kpdecker/jsdiff#readme for `maxEditLength` / `timeout`
 * @see https://www.gnu.org/software/diffutils/manual/html_node/Detailed-Unified.html for the format
 */
import { diffArrays } from 'diff';
import type { Difference, TextHunk } from '../model.ts';

/** Options of {@link compareText}. */
export interface TextCompareOptions {
  /** Unchanged lines shown around each change (default 3, as GNU `diff -u`). */
  context?: number;
  /** Largest edit distance (lines removed + lines added) the exact diff may explore before it
   * gives up and the approximate diff takes over. Default {@link DEFAULT_MAX_EDIT_LENGTH}. */
  maxEditLength?: number;
  /** Time (ms) the exact diff may take before the approximate diff takes over.
   * Default {@link DEFAULT_TIMEOUT_MS}. */
  timeoutMs?: number;
  /** What is compared (`stdout`, a file path): shown in the headers as `legacy/<label>`. */
  label?: string;
}

/** Default context lines around a change. */
export const DEFAULT_CONTEXT = 3;

/**
 * Default edit bound of the exact diff (lines removed + added). Myers' cost grows with the
 * square of the edit distance: measured here on 50,000 reordered lines, running up to the bound
 * cost ~0.15 s at 1,000 edits and ~0.45 s at 2,000. Outputs of thousands of lines with up to a few
 * hundred changed lines stay under it and get an exact diff. When a cheap lower bound (lines whose
 * count differs between the sides) already exceeds it, Myers is not started at all.
 */
export const DEFAULT_MAX_EDIT_LENGTH = 1000;

/** Default time limit (ms) of the exact diff, a backstop for inputs whose edit bound is not
 * reached quickly (long runs of repeated lines make each step expensive). */
export const DEFAULT_TIMEOUT_MS = 1000;

/** Hunks rendered when the diff is approximate (the summary still counts all of them). */
export const APPROXIMATE_MAX_HUNKS = 10;

/** About how many hunk lines are rendered when the diff is approximate. */
export const APPROXIMATE_MAX_LINES = 400;

/** Leaves of the approximate diff are diffed exactly up to this edit distance. */
const LEAF_MAX_EDIT_LENGTH = 64;
/** Nesting limit of the approximate diff's recursion into gaps between anchors. */
const MAX_ANCHOR_DEPTH = 8;

type Eol = '' | '\n' | '\r\n';

/** One side's lines: content without terminator, terminator, and an id per distinct full line. */
interface Lines {
  contents: string[];
  eols: Eol[];
  /** Equal ids ⇔ equal content and equal terminator. Ids start at 1. */
  ids: Int32Array;
  crlf: number;
  lf: number;
}

const EQUAL = 0;
const REMOVE = 1;
const ADD = 2;
type Op = typeof EQUAL | typeof REMOVE | typeof ADD;

/** An edit script: runs of equal / removed / added lines, adjacent runs of one kind merged. */
class EditScript {
  readonly ops: Op[] = [];
  readonly counts: number[] = [];

  push(op: Op, count: number): void {
    if (count <= 0) return;
    const last = this.ops.length - 1;
    if (last >= 0 && this.ops[last] === op) this.counts[last] += count;
    else {
      this.ops.push(op);
      this.counts.push(count);
    }
  }
}

/** A maximal run of changed lines: legacy lines [aStart, aEnd) replaced by candidate [bStart, bEnd), 0-based. */
interface ChangeBlock {
  aStart: number;
  aEnd: number;
  bStart: number;
  bEnd: number;
}

/**
 * Compares two texts line by line. Line terminators are part of a line: CRLF vs LF and a missing
 * newline at the end of the file are differences (and are named in the summary).
 *
 * @param legacy the legacy's normalized text.
 * @param candidate the candidate's normalized text.
 * @returns `null` when the texts are identical; otherwise a `text` {@link Difference}:
 *  - `summary`: one line, e.g. `3 lines changed, 1 added`, plus notes (`line endings differ
 *    (legacy CRLF, candidate LF)`, `candidate has no newline at end of file`, `legacy is empty`,
 *    and for an approximate diff the bound that was hit and how many hunks are shown);
 *  - `hunks`: 1-based, jsdiff/GNU conventions: a side with 0 lines has `start` = the line the
 *    hunk comes before (the header then shows `start - 1`); `lines` are prefixed `' '`, `'-'`,
 *    `'+'`, and `'\ No newline at end of file'` follows a line that has no terminator. A CR
 *    inside a line is shown as `␍`, and so is the CR of CRLF when the two texts mix CRLF and LF;
 *  - `unified`: `--- legacy[/label]`, `+++ candidate[/label]`, then the hunks; no final newline;
 *  - `truncated`: true when the exact diff exceeded its bound: the diff is then valid but
 *    possibly not minimal, and only its start is rendered: at most {@link APPROXIMATE_MAX_HUNKS}
 *    hunks and about {@link APPROXIMATE_MAX_LINES} lines (a huge first hunk is cut, without
 *    trailing context); the summary and a last `… showing …` line of `unified` say so.
 * @throws never for string input.
 *
 * @example
 * compareText('a\nb\n', 'a\nc\n')?.summary // '1 line changed'
 */
export function compareText(legacy: string, candidate: string, options: TextCompareOptions = {}): Difference | null {
  if (legacy === candidate) return null;
  const context = Math.max(0, Math.floor(options.context ?? DEFAULT_CONTEXT));
  const maxEditLength = Math.max(1, Math.floor(options.maxEditLength ?? DEFAULT_MAX_EDIT_LENGTH));
  const timeoutMs = Math.max(0, options.timeoutMs ?? DEFAULT_TIMEOUT_MS);

  const table = new Map<string, number>();
  const a = splitLines(legacy, table);
  const b = splitLines(candidate, table);

  const script = new EditScript();
  const bound = diffLinesBounded(a.ids, b.ids, table.size, maxEditLength, timeoutMs, script);

  const blocks = changeBlocks(script);
  const groups = groupBlocks(blocks, context);
  const markCr = (a.crlf > 0 || b.crlf > 0) && (a.lf > 0 || b.lf > 0);
  const shown =
    bound === 'exact'
      ? { hunks: groups.map((group) => buildHunk(group, a, b, context, markCr)), cutNote: null }
      : approximateHunks(groups, a, b, context, markCr);

  const notes = textNotes(legacy, candidate, a, b);
  if (bound !== 'exact') {
    notes.push(
      bound === 'timeout'
        ? `approximate: the exact diff took over ${timeoutMs} ms`
        : `approximate: the exact diff exceeds ${maxEditLength} edits`,
    );
    notes.push(`first difference at line ${blocks[0].aStart + 1}`);
    if (shown.cutNote) notes.push(shown.cutNote);
  }
  const unified = renderUnified(shown.hunks, options.label);
  return {
    kind: 'text',
    summary: [countSummary(blocks), ...notes].join('; '),
    unified: shown.cutNote ? `${unified}\n… ${shown.cutNote}` : unified,
    hunks: shown.hunks,
    truncated: bound !== 'exact',
  };
}

/**
 * The first hunks of an approximate diff: at most {@link APPROXIMATE_MAX_HUNKS} hunks and about
 * {@link APPROXIMATE_MAX_LINES} lines. A first hunk larger than that is cut to the start of its
 * first change (no trailing context), so even one huge change renders small.
 */
function approximateHunks(
  groups: ChangeBlock[][],
  a: Lines,
  b: Lines,
  context: number,
  markCr: boolean,
): { hunks: TextHunk[]; cutNote: string | null } {
  const hunks: TextHunk[] = [];
  let budget = APPROXIMATE_MAX_LINES;
  for (const group of groups.slice(0, APPROXIMATE_MAX_HUNKS)) {
    const size = hunkSize(group, a.ids.length, context);
    if (size <= budget) {
      hunks.push(buildHunk(group, a, b, context, markCr));
      budget -= size;
      continue;
    }
    if (hunks.length === 0) {
      const cut = cutGroup(group, APPROXIMATE_MAX_LINES - Math.min(context, group[0].aStart));
      const hunk = buildHunk(cut, a, b, context, markCr, false);
      hunks.push(hunk);
      return { hunks, cutNote: `showing the first ${hunk.lines.length} lines of hunk 1 of ${groups.length}` };
    }
    break;
  }
  return {
    hunks,
    cutNote: hunks.length < groups.length ? `showing ${hunks.length} of ${groups.length} hunks` : null,
  };
}

/** Lines a hunk of this group renders (without "No newline" markers). */
function hunkSize(group: ChangeBlock[], legacyLength: number, context: number): number {
  const first = group[0];
  const last = group[group.length - 1];
  let added = 0;
  for (const block of group) added += block.bEnd - block.bStart;
  return Math.min(context, first.aStart) + (last.aEnd - first.aStart) + added + Math.min(context, legacyLength - last.aEnd);
}

/** The start of a group: whole blocks while they fit in `budget` lines (with the unchanged
 * lines between them), else the start of the first block. */
function cutGroup(group: ChangeBlock[], budget: number): ChangeBlock[] {
  const kept: ChangeBlock[] = [];
  let used = 0;
  for (const [k, block] of group.entries()) {
    const between = k > 0 ? block.aStart - group[k - 1].aEnd : 0;
    const size = between + (block.aEnd - block.aStart) + (block.bEnd - block.bStart);
    if (used + size > budget) break;
    kept.push(block);
    used += size;
  }
  return kept.length > 0 ? kept : [cutBlock(group[0], budget)];
}

/** The start of a block, at most `budget` lines: up to half removed lines, the rest added lines. */
function cutBlock(block: ChangeBlock, budget: number): ChangeBlock {
  const limit = Math.max(2, budget);
  const removed = block.aEnd - block.aStart;
  const added = block.bEnd - block.bStart;
  const keepRemoved = Math.min(removed, limit - Math.min(added, Math.floor(limit / 2)));
  const keepAdded = Math.min(added, limit - keepRemoved);
  return { aStart: block.aStart, aEnd: block.aStart + keepRemoved, bStart: block.bStart, bEnd: block.bStart + keepAdded };
}

/** Splits text into lines (terminator kept apart) and interns each full line to an id in `table`. */
function splitLines(text: string, table: Map<string, number>): Lines {
  const pieces = text.split('\n');
  const lastHasNoEol = pieces[pieces.length - 1] !== '';
  if (!lastHasNoEol) pieces.pop();
  const n = pieces.length;
  const contents = new Array<string>(n);
  const eols = new Array<Eol>(n);
  const ids = new Int32Array(n);
  let crlf = 0;
  let lf = 0;
  for (let i = 0; i < n; i++) {
    const piece = pieces[i];
    const noEol = lastHasNoEol && i === n - 1;
    // A piece never contains '\n', so prefixing one keeps "no terminator" lines distinct.
    const key = noEol ? `\n${piece}` : piece;
    let id = table.get(key);
    if (id === undefined) {
      id = table.size + 1;
      table.set(key, id);
    }
    ids[i] = id;
    if (noEol) {
      contents[i] = piece;
      eols[i] = '';
    } else if (piece.endsWith('\r')) {
      contents[i] = piece.slice(0, -1);
      eols[i] = '\r\n';
      crlf++;
    } else {
      contents[i] = piece;
      eols[i] = '\n';
      lf++;
    }
  }
  return { contents, eols, ids, crlf, lf };
}

/**
 * Fills `script` with an edit script from `a` to `b`: exact (jsdiff) when it fits the bounds,
 * otherwise approximate. Returns which one it produced.
 */
function diffLinesBounded(
  a: Int32Array,
  b: Int32Array,
  idCount: number,
  maxEditLength: number,
  timeoutMs: number,
  script: EditScript,
): 'exact' | 'bound' | 'timeout' {
  let aLo = 0;
  let bLo = 0;
  let aHi = a.length;
  let bHi = b.length;
  while (aLo < aHi && bLo < bHi && a[aLo] === b[bLo]) aLo++, bLo++;
  while (aHi > aLo && bHi > bLo && a[aHi - 1] === b[bHi - 1]) aHi--, bHi--;
  const suffix = a.length - aHi;
  script.push(EQUAL, aLo);
  if (aLo === aHi || bLo === bHi) {
    script.push(REMOVE, aHi - aLo);
    script.push(ADD, bHi - bLo);
    script.push(EQUAL, suffix);
    return 'exact';
  }
  // Every line whose count differs between the sides costs at least one edit, so this lower
  // bound tells in O(n) when Myers cannot finish within the bound: don't even start it.
  const lowerBound = multisetDistance(a, aLo, aHi, b, bLo, bHi, idCount);
  let outcome: 'exact' | 'bound' | 'timeout' = 'bound';
  if (lowerBound <= maxEditLength) {
    const started = performance.now();
    const changes = diffArrays(Array.from(a.subarray(aLo, aHi)), Array.from(b.subarray(bLo, bHi)), {
      maxEditLength,
      timeout: timeoutMs,
    });
    if (changes) {
      for (const c of changes) script.push(c.added ? ADD : c.removed ? REMOVE : EQUAL, c.count);
      script.push(EQUAL, suffix);
      return 'exact';
    }
    outcome = performance.now() - started >= timeoutMs ? 'timeout' : 'bound';
  }
  approximateDiff(a, aLo, aHi, b, bLo, bHi, 0, script);
  script.push(EQUAL, suffix);
  return outcome;
}

/** Σ over distinct lines of |count in a-range − count in b-range|: a lower bound of the edit distance. */
function multisetDistance(
  a: Int32Array,
  aLo: number,
  aHi: number,
  b: Int32Array,
  bLo: number,
  bHi: number,
  idCount: number,
): number {
  const balance = new Int32Array(idCount + 1);
  for (let i = aLo; i < aHi; i++) balance[a[i]]++;
  for (let j = bLo; j < bHi; j++) balance[b[j]]--;
  let sum = 0;
  for (let k = 1; k <= idCount; k++) sum += Math.abs(balance[k]);
  return sum;
}

/**
 * Patience-style approximate diff of a[aLo, aHi) against b[bLo, bHi): strip the common ends,
 * anchor on lines that occur exactly once on each side (longest increasing run of their
 * positions), recurse into the gaps; leaves get a small exact diff or become a replace block.
 */
function approximateDiff(
  a: Int32Array,
  aLo: number,
  aHi: number,
  b: Int32Array,
  bLo: number,
  bHi: number,
  depth: number,
  script: EditScript,
): void {
  const start = aLo;
  while (aLo < aHi && bLo < bHi && a[aLo] === b[bLo]) aLo++, bLo++;
  script.push(EQUAL, aLo - start);
  let suffix = 0;
  while (aHi > aLo && bHi > bLo && a[aHi - 1] === b[bHi - 1]) aHi--, bHi--, suffix++;

  if (aLo === aHi || bLo === bHi) {
    script.push(REMOVE, aHi - aLo);
    script.push(ADD, bHi - bLo);
  } else {
    const anchors = depth < MAX_ANCHOR_DEPTH ? uniqueAnchors(a, aLo, aHi, b, bLo, bHi) : [];
    if (anchors.length === 0) {
      diffLeaf(a, aLo, aHi, b, bLo, bHi, script);
    } else {
      let i = aLo;
      let j = bLo;
      for (const [ai, bj] of anchors) {
        approximateDiff(a, i, ai, b, j, bj, depth + 1, script);
        script.push(EQUAL, 1);
        i = ai + 1;
        j = bj + 1;
      }
      approximateDiff(a, i, aHi, b, j, bHi, depth + 1, script);
    }
  }
  script.push(EQUAL, suffix);
}

/** Pairs (legacy index, candidate index) of lines unique on both sides, longest chain in order. */
function uniqueAnchors(
  a: Int32Array,
  aLo: number,
  aHi: number,
  b: Int32Array,
  bLo: number,
  bHi: number,
): Array<[number, number]> {
  const countA = new Map<number, number>();
  for (let i = aLo; i < aHi; i++) countA.set(a[i], (countA.get(a[i]) ?? 0) + 1);
  const posB = new Map<number, number>(); // -1: seen more than once
  for (let j = bLo; j < bHi; j++) {
    if (countA.get(b[j]) !== 1) continue;
    posB.set(b[j], posB.has(b[j]) ? -1 : j);
  }
  const candA: number[] = [];
  const candB: number[] = [];
  for (let i = aLo; i < aHi; i++) {
    const j = posB.get(a[i]);
    if (j !== undefined && j >= 0) {
      candA.push(i);
      candB.push(j);
    }
  }
  // Longest increasing subsequence of candB (patience sorting, O(k log k)).
  const tails: number[] = []; // index into cand of the smallest tail of each length
  const prev = new Int32Array(candB.length);
  for (let k = 0; k < candB.length; k++) {
    let lo = 0;
    let hi = tails.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (candB[tails[mid]] < candB[k]) lo = mid + 1;
      else hi = mid;
    }
    prev[k] = lo > 0 ? tails[lo - 1] : -1;
    tails[lo] = k;
  }
  const chain: Array<[number, number]> = new Array(tails.length);
  for (let k = tails.length ? tails[tails.length - 1] : -1, n = tails.length - 1; k >= 0; k = prev[k], n--) {
    chain[n] = [candA[k], candB[k]];
  }
  return chain;
}

/** A gap without anchors: exact when cheap, otherwise a positional comparison (line i against
 * line i, the longer side's tail added or removed), which is valid and keeps equal positions. */
function diffLeaf(
  a: Int32Array,
  aLo: number,
  aHi: number,
  b: Int32Array,
  bLo: number,
  bHi: number,
  script: EditScript,
): void {
  const n = aHi - aLo;
  const m = bHi - bLo;
  if (n === 1 || m === 1) {
    // Common ends are already stripped: the one line can only match somewhere inside the other side.
    const at = n === 1 ? b.subarray(bLo, bHi).indexOf(a[aLo]) : a.subarray(aLo, aHi).indexOf(b[bLo]);
    const other = n === 1 ? ADD : REMOVE;
    if (at >= 0) {
      script.push(other, at);
      script.push(EQUAL, 1);
      script.push(other, Math.max(n, m) - at - 1);
    } else {
      script.push(REMOVE, n);
      script.push(ADD, m);
    }
    return;
  }
  const changes = diffArrays(Array.from(a.subarray(aLo, aHi)), Array.from(b.subarray(bLo, bHi)), {
    maxEditLength: LEAF_MAX_EDIT_LENGTH,
  });
  if (changes) {
    for (const c of changes) script.push(c.added ? ADD : c.removed ? REMOVE : EQUAL, c.count);
    return;
  }
  const common = Math.min(n, m);
  for (let k = 0; k < common; k++) {
    if (a[aLo + k] === b[bLo + k]) script.push(EQUAL, 1);
    else {
      // REMOVE then ADD per position; EditScript merges neighbours, and changeBlocks pairs them.
      script.push(REMOVE, 1);
      script.push(ADD, 1);
    }
  }
  script.push(REMOVE, n - common);
  script.push(ADD, m - common);
}

/** Maximal runs of non-equal ops, with their line ranges. */
function changeBlocks(script: EditScript): ChangeBlock[] {
  const blocks: ChangeBlock[] = [];
  let i = 0;
  let j = 0;
  let current: ChangeBlock | null = null;
  for (let k = 0; k < script.ops.length; k++) {
    const n = script.counts[k];
    const op = script.ops[k];
    if (op === EQUAL) {
      current = null;
      i += n;
      j += n;
      continue;
    }
    if (!current) {
      current = { aStart: i, aEnd: i, bStart: j, bEnd: j };
      blocks.push(current);
    }
    if (op === REMOVE) i = current.aEnd = i + n;
    else j = current.bEnd = j + n;
  }
  return blocks;
}

/** Blocks whose unchanged gap is at most 2 × context share a hunk (as GNU diff does). */
function groupBlocks(blocks: ChangeBlock[], context: number): ChangeBlock[][] {
  const groups: ChangeBlock[][] = [];
  for (const block of blocks) {
    const last = groups[groups.length - 1];
    if (last && block.aStart - last[last.length - 1].aEnd <= 2 * context) last.push(block);
    else groups.push([block]);
  }
  return groups;
}

/** One hunk: leading context, each block's removed then added lines, the unchanged lines
 * between blocks, and trailing context unless `trailing` is false (a cut hunk). */
function buildHunk(group: ChangeBlock[], a: Lines, b: Lines, context: number, markCr: boolean, trailing = true): TextHunk {
  const first = group[0];
  const last = group[group.length - 1];
  const before = Math.min(context, first.aStart);
  const after = trailing ? Math.min(context, a.ids.length - last.aEnd) : 0;
  const lines: string[] = [];
  const push = (prefix: string, side: Lines, index: number): void => {
    lines.push(prefix + displayLine(side.contents[index], side.eols[index], markCr));
    if (side.eols[index] === '') lines.push('\\ No newline at end of file');
  };
  for (let i = first.aStart - before; i < first.aStart; i++) push(' ', a, i);
  group.forEach((block, k) => {
    if (k > 0) for (let i = group[k - 1].aEnd; i < block.aStart; i++) push(' ', a, i);
    for (let i = block.aStart; i < block.aEnd; i++) push('-', a, i);
    for (let j = block.bStart; j < block.bEnd; j++) push('+', b, j);
  });
  for (let i = last.aEnd; i < last.aEnd + after; i++) push(' ', a, i);
  const oldLines = last.aEnd + after - (first.aStart - before);
  const newLines = last.bEnd + after - (first.bStart - before);
  return { oldStart: first.aStart - before + 1, oldLines, newStart: first.bStart - before + 1, newLines, lines };
}

/** A CR is invisible (and moves the terminal cursor): show it as ␍ inside a line, and at the
 * end of a CRLF line when the texts mix CRLF and LF. */
function displayLine(content: string, eol: Eol, markCr: boolean): string {
  const shown = content.includes('\r') ? content.replaceAll('\r', '␍') : content;
  return markCr && eol === '\r\n' ? `${shown}␍` : shown;
}

/** `3 lines changed, 1 added, 2 removed`: a change block pairs its removed and added lines. */
function countSummary(blocks: ChangeBlock[]): string {
  let changed = 0;
  let added = 0;
  let removed = 0;
  for (const block of blocks) {
    const r = block.aEnd - block.aStart;
    const n = block.bEnd - block.bStart;
    changed += Math.min(r, n);
    added += n - Math.min(r, n);
    removed += r - Math.min(r, n);
  }
  const parts: string[] = [];
  for (const [count, word] of [
    [changed, 'changed'],
    [added, 'added'],
    [removed, 'removed'],
  ] as const) {
    if (count === 0) continue;
    parts.push(parts.length === 0 ? `${count} line${count === 1 ? '' : 's'} ${word}` : `${count} ${word}`);
  }
  return parts.join(', ');
}

function lineEndingStyle(lines: Lines): string {
  if (lines.crlf > 0 && lines.lf > 0) return 'mixed CRLF/LF';
  return lines.crlf > 0 ? 'CRLF' : lines.lf > 0 ? 'LF' : 'none';
}

/** Notes for differences a line diff shows poorly: empty sides, line endings, final newline. */
function textNotes(legacy: string, candidate: string, a: Lines, b: Lines): string[] {
  const notes: string[] = [];
  if (legacy === '') notes.push('legacy is empty');
  if (candidate === '') notes.push('candidate is empty');
  const styleA = lineEndingStyle(a);
  const styleB = lineEndingStyle(b);
  if (styleA !== styleB && styleA !== 'none' && styleB !== 'none') {
    notes.push(`line endings differ (legacy ${styleA}, candidate ${styleB})`);
  }
  if (legacy !== '' && candidate !== '') {
    const aNoEol = !legacy.endsWith('\n');
    const bNoEol = !candidate.endsWith('\n');
    if (aNoEol && !bNoEol) notes.push('legacy has no newline at end of file');
    if (bNoEol && !aNoEol) notes.push('candidate has no newline at end of file');
  }
  return notes;
}

/** Classic unified diff text; the count is omitted when it is 1 and a 0-line side shows start − 1 (GNU). */
function renderUnified(hunks: TextHunk[], label: string | undefined): string {
  const suffix = label ? `/${label.replace(/^\/+/, '')}` : '';
  const out = [`--- legacy${suffix}`, `+++ candidate${suffix}`];
  for (const h of hunks) {
    out.push(`@@ -${range(h.oldStart, h.oldLines)} +${range(h.newStart, h.newLines)} @@`);
    for (const line of h.lines) out.push(line);
  }
  return out.join('\n');
}

function range(start: number, count: number): string {
  if (count === 1) return `${start}`;
  return `${count === 0 ? start - 1 : start},${count}`;
}
