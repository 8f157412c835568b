import { describe, expect, it } from 'vitest';
import type { TextHunk } from '../model.ts';
import { compareText } from './text.ts';

function textDiff(legacy: string, candidate: string, options = {}) {
  const d = compareText(legacy, candidate, options);
  if (!d || d.kind !== 'text') throw new Error(`expected a text difference, got ${JSON.stringify(d)}`);
  return d;
}

const numbered = (n: number, from = 1) => Array.from({ length: n }, (_, i) => `line ${i + from}`);

/** Applies hunks to the legacy lines, checking every context and removed line on the way. */
function applyHunks(legacy: string[], hunks: TextHunk[]): string[] {
  const out: string[] = [];
  let next = 0; // 0-based index of the next legacy line not yet copied
  for (const h of hunks) {
    const start = h.oldStart - 1;
    while (next < start) out.push(legacy[next++]);
    for (const line of h.lines) {
      const body = line.slice(1);
      if (line[0] === '+') out.push(body);
      else {
        expect(legacy[next]).toBe(body);
        if (line[0] === ' ') out.push(body);
        next++;
      }
    }
  }
  while (next < legacy.length) out.push(legacy[next++]);
  return out;
}

/** Seeded edits of a line list: replacements, insertions, deletions (LCG, deterministic). */
function edited(lines: string[], edits: number, seed: number): string[] {
  let s = seed;
  const random = () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
  const out = lines.slice();
  for (let k = 0; k < edits; k++) {
    const at = Math.floor(random() * out.length);
    const what = random();
    if (what < 0.4) out[at] = `edit ${k}`;
    else if (what < 0.7) out.splice(at, 0, `insert ${k}`);
    else out.splice(at, 1);
  }
  return out;
}

describe('compareText', () => {
  it('returns null for identical texts', () => {
    expect(compareText('a\nb\n', 'a\nb\n')).toBeNull();
    expect(compareText('', '')).toBeNull();
  });

  it('gives one exact hunk with 3 lines of context and a GNU-style unified diff', () => {
    const legacy = `${numbered(10).join('\n')}\n`;
    const lines = numbered(10);
    lines[4] = 'line five';
    lines.splice(7, 0, 'inserted');
    const d = textDiff(legacy, `${lines.join('\n')}\n`);
    expect(d.truncated).toBe(false);
    expect(d.summary).toBe('1 line changed, 1 added');
    expect(d.hunks).toEqual([
      {
        oldStart: 2,
        oldLines: 9,
        newStart: 2,
        newLines: 10,
        lines: [
          ' line 2',
          ' line 3',
          ' line 4',
          '-line 5',
          '+line five',
          ' line 6',
          ' line 7',
          '+inserted',
          ' line 8',
          ' line 9',
          ' line 10',
        ],
      },
    ]);
    expect(d.unified.split('\n').slice(0, 3)).toEqual(['--- legacy', '+++ candidate', '@@ -2,9 +2,10 @@']);
  });

  it('splits distant changes into separate hunks and honours the context option', () => {
    const lines = numbered(30);
    lines[2] = 'x';
    lines[25] = 'y';
    const d = textDiff(`${numbered(30).join('\n')}\n`, `${lines.join('\n')}\n`, { context: 1 });
    expect(d.hunks.map((h) => [h.oldStart, h.oldLines, h.newStart, h.newLines])).toEqual([
      [2, 3, 2, 3],
      [25, 3, 25, 3],
    ]);
    expect(d.hunks[0].lines).toEqual([' line 2', '-line 3', '+x', ' line 4']);
    expect(d.summary).toBe('2 lines changed');
  });

  it('reports pure removals and uses start − 1 for an empty side in the header', () => {
    const d = textDiff('a\nb\nc\n', 'a\nc\n', { context: 0 });
    expect(d.hunks).toEqual([{ oldStart: 2, oldLines: 1, newStart: 2, newLines: 0, lines: ['-b'] }]);
    expect(d.unified).toBe('--- legacy\n+++ candidate\n@@ -2 +1,0 @@\n-b');
    expect(d.summary).toBe('1 line removed');
  });

  it('puts the label in the headers', () => {
    const d = textDiff('a\n', 'b\n', { label: 'out/report.txt' });
    expect(d.unified).toBe('--- legacy/out/report.txt\n+++ candidate/out/report.txt\n@@ -1 +1 @@\n-a\n+b');
  });

  it('handles empty versus non-empty', () => {
    const added = textDiff('', 'a\nb\n');
    expect(added.hunks).toEqual([{ oldStart: 1, oldLines: 0, newStart: 1, newLines: 2, lines: ['+a', '+b'] }]);
    expect(added.unified).toContain('@@ -0,0 +1,2 @@');
    expect(added.summary).toBe('2 lines added; legacy is empty');
    const removed = textDiff('a\n', '');
    expect(removed.summary).toBe('1 line removed; candidate is empty');
    expect(removed.unified).toContain('@@ -1 +0,0 @@');
  });

  it('shows a missing newline at end of file', () => {
    const d = textDiff('a\nb\n', 'a\nb');
    expect(d.summary).toBe('1 line changed; candidate has no newline at end of file');
    expect(d.hunks[0].lines).toEqual([' a', '-b', '+b', '\\ No newline at end of file']);
    expect(d.unified.endsWith('+b\n\\ No newline at end of file')).toBe(true);
  });

  it('makes CRLF versus LF visible', () => {
    const d = textDiff('a\r\nb\r\n', 'a\nb\n');
    expect(d.summary).toBe('2 lines changed; line endings differ (legacy CRLF, candidate LF)');
    expect(d.hunks[0].lines).toEqual(['-a␍', '-b␍', '+a', '+b']);
  });

  it('does not mark CRs when both sides use CRLF, but always shows a lone CR', () => {
    const d = textDiff('a\r\nb\r\n', 'a\r\nc\r\n');
    expect(d.hunks[0].lines).toEqual([' a', '-b', '+c']);
    const lone = textDiff('50%\r100%\n', '100%\n');
    expect(lone.hunks[0].lines).toEqual(['-50%␍100%', '+100%']);
  });

  it('falls back to an approximate, truncated diff when the edit bound is hit', () => {
    const legacy = numbered(200);
    const candidate = legacy.slice();
    for (let i = 0; i < 200; i += 10) candidate[i] = `changed ${i + 1}`;
    const d = textDiff(`${legacy.join('\n')}\n`, `${candidate.join('\n')}\n`, { maxEditLength: 5, context: 1 });
    expect(d.truncated).toBe(true);
    expect(d.summary).toBe(
      '20 lines changed; approximate: the exact diff exceeds 5 edits; first difference at line 1; showing 10 of 20 hunks',
    );
    expect(d.hunks).toHaveLength(10);
    // The approximate hunks are still true: the first two changed regions, exactly.
    expect(d.hunks[0]).toEqual({ oldStart: 1, oldLines: 2, newStart: 1, newLines: 2, lines: ['-line 1', '+changed 1', ' line 2'] });
    expect(d.hunks[1]).toEqual({
      oldStart: 10,
      oldLines: 3,
      newStart: 10,
      newLines: 3,
      lines: [' line 10', '-line 11', '+changed 11', ' line 12'],
    });
    expect(d.unified.endsWith('\n… showing 10 of 20 hunks')).toBe(true);
  });

  it('cuts a huge first hunk of an approximate diff to its start', () => {
    const legacy = Array.from({ length: 3000 }, (_, i) => (i < 1500 ? 'x' : 'y'));
    const candidate = legacy.slice().reverse();
    const d = textDiff(legacy.join('\n'), candidate.join('\n'), { maxEditLength: 10 });
    expect(d.truncated).toBe(true);
    expect(d.hunks).toHaveLength(1);
    const [h] = d.hunks;
    expect([h.oldStart, h.oldLines, h.newStart, h.newLines]).toEqual([1, 200, 1, 200]);
    expect(h.lines.slice(199, 201)).toEqual(['-x', '+y']);
    expect(d.summary).toBe(
      '3000 lines changed; approximate: the exact diff exceeds 10 edits; first difference at line 1; showing the first 400 lines of hunk 1 of 1',
    );
  });

  it('keeps alignment in the approximate diff across insertions and deletions', () => {
    const legacy = numbered(100);
    const candidate = legacy.slice();
    candidate.splice(10, 0, 'new A', 'new B'); // 2 added before line 11
    candidate.splice(60, 3); // legacy lines 59–61 removed
    for (const i of [30, 80]) candidate[i] = `edit ${i}`;
    const d = textDiff(`${legacy.join('\n')}\n`, `${candidate.join('\n')}\n`, { maxEditLength: 3, context: 0 });
    expect(d.truncated).toBe(true);
    expect(d.summary.startsWith('2 lines changed, 2 added, 3 removed;')).toBe(true);
    expect(d.hunks.map((h) => h.lines)).toEqual([
      ['+new A', '+new B'],
      ['-line 29', '+edit 30'],
      ['-line 59', '-line 60', '-line 61'],
      ['-line 82', '+edit 80'],
    ]);
  });

  it('compares lines without unique anchors positionally', () => {
    const legacy = Array.from({ length: 40 }, (_, i): string => (i % 2 ? 'b' : 'a'));
    const candidate = legacy.slice();
    candidate[5] = 'c';
    candidate[30] = 'c';
    const d = textDiff(legacy.join('\n'), candidate.join('\n'), { maxEditLength: 2, context: 0 });
    expect(d.truncated).toBe(true);
    expect(d.summary.startsWith('2 lines changed;')).toBe(true);
    expect(d.hunks.map((h) => [h.oldStart, h.lines])).toEqual([
      [6, ['-b', '+c']],
      [31, ['-a', '+c']],
    ]);
  });

  it('reports a timeout of the exact diff', () => {
    // Same lines in reverse order: no multiset shortcut, and Myers needs ~6,000 edits (seconds).
    const legacy = numbered(3000);
    const candidate = legacy.slice().reverse();
    const d = textDiff(legacy.join('\n'), candidate.join('\n'), { timeoutMs: 1, maxEditLength: 1_000_000 });
    expect(d.truncated).toBe(true);
    expect(d.summary).toContain('approximate: the exact diff took over 1 ms');
  });

  it('stays exact and fast on a larger output with a few changes', () => {
    const legacy = numbered(5000);
    const candidate = legacy.slice();
    for (let i = 100; i < 5000; i += 500) candidate[i] = `x${i}`;
    const d = textDiff(legacy.join('\n'), candidate.join('\n'));
    expect(d.truncated).toBe(false);
    expect(d.hunks).toHaveLength(10);
    expect(d.summary).toBe('10 lines changed');
  });

  it('produces hunks that turn the legacy into the candidate, exact and approximate', () => {
    // Lines repeat (i % 50) so the approximate diff also meets lines without unique anchors.
    const legacy = Array.from({ length: 400 }, (_, i) => `row ${i % 50}`);
    for (let seed = 1; seed <= 20; seed++) {
      const candidate = edited(legacy, 6, seed);
      for (const maxEditLength of [1000, 2]) {
        const d = textDiff(`${legacy.join('\n')}\n`, `${candidate.join('\n')}\n`, { maxEditLength, context: 2 });
        expect(d.truncated).toBe(maxEditLength === 2);
        expect(d.hunks.length).toBeLessThanOrEqual(10);
        expect(applyHunks(legacy, d.hunks)).toEqual(candidate);
      }
    }
  });
});
