import { describe, expect, it } from 'vitest';
import type { ScenarioObservation } from './model.ts';
import { applyNoise, learnNoise, linePattern, rulesFor } from './noise.ts';
import { compareObservations } from './runner.ts';

function obs(stdout: string, extra: Partial<ScenarioObservation> = {}): ScenarioObservation {
  return {
    stdout: Buffer.from(stdout),
    stderr: Buffer.alloc(0),
    exit: { code: 0, signal: null, timedOut: false },
    files: [],
    timing: { durationMs: 1, peakRssBytes: null },
    ...extra,
  };
}
const file = (path: string, content: string, format: 'json' | 'csv' | 'text' = 'text') => ({ path, change: 'created' as const, format, content: Buffer.from(content) });
const suite = { normalize: [], csvKeys: {} };
const scenario = { id: 's' };

describe('learnNoise', () => {
  it('learns nothing when the runs agree, and nothing from one run', () => {
    expect(learnNoise([obs('a\n'), obs('a\n')])).toEqual({ rules: [] });
    expect(learnNoise([obs('a\n')])).toEqual({ rules: [] });
  });

  it('turns the varying words of a text line into wildcards, keeping the rest literal', () => {
    const n = learnNoise([obs('hello\nat 2026-01-01T00:00:01Z (took 12ms)\nbye\n'), obs('hello\nat 2026-01-01T00:00:02Z (took 9ms)\nbye\n')]);
    expect(n.nondeterministic).toBeUndefined();
    expect(n.rules).toHaveLength(1);
    expect(n.rules[0]).toMatchObject({ channel: 'stdout', where: { kind: 'text', line: 2, pattern: '^at \\S+ \\(took \\S+$' } });
    expect(n.rules[0].values).toHaveLength(2);
    // the learned pattern still matches a later day's run, and masks the line on both sides
    const masked = applyNoise('hello\nat 2027-06-30T12:34:56Z (took 100ms)\nbye\n', 'text', n.rules);
    expect(masked).toBe('hello\n<noise>\nbye\n');
  });

  it('learns JSON leaf paths and reordered arrays (compared as multisets), in files too', () => {
    const a = JSON.stringify({ id: 'a1', tags: ['x', 'y', 'z'], total: 3 });
    const b = JSON.stringify({ id: 'b2', tags: ['z', 'x', 'y'], total: 3 });
    const n = learnNoise([obs('', { files: [file('out.json', a, 'json')] }), obs('', { files: [file('out.json', b, 'json')] })]);
    expect(n.rules.map((r) => [r.channel, r.path, r.where])).toEqual([
      ['files', 'out.json', { kind: 'json', path: '$.id' }],
      ['files', 'out.json', { kind: 'json', path: '$.tags', unordered: true }],
    ]);
    const rules = rulesFor(n.rules, 'files', 'out.json');
    // a changed set member is still a difference; a reordered set and a new id are not
    const legacyObs = obs('', { files: [file('out.json', a, 'json')] });
    const same = obs('', { files: [file('out.json', JSON.stringify({ id: 'c3', tags: ['y', 'z', 'x'], total: 3 }), 'json')] });
    const changed = obs('', { files: [file('out.json', JSON.stringify({ id: 'c3', tags: ['y', 'z', 'w'], total: 3 }), 'json')] });
    expect(compareObservations(suite, scenario, legacyObs, same, n.rules).every((c) => c.verdict === 'pass')).toBe(true);
    expect(compareObservations(suite, scenario, legacyObs, changed, n.rules).find((c) => c.path === 'out.json')?.verdict).toBe('diff');
    expect(rules).toHaveLength(2);
  });

  it('learns CSV cells', () => {
    const n = learnNoise([
      obs('', { files: [file('r.csv', 'id,name\nk1,ann\nk2,bob\n', 'csv')] }),
      obs('', { files: [file('r.csv', 'id,name\nq9,ann\nq8,bob\n', 'csv')] }),
    ]);
    expect(n.rules.map((r) => r.where)).toEqual([
      { kind: 'csv', row: 1, column: 'id' },
      { kind: 'csv', row: 2, column: 'id' },
    ]);
    expect(applyNoise('id,name\nzz,ann\nyy,bob\n', 'csv', n.rules)).toContain('<noise>,ann');
  });

  it('learns reordered lines as an unordered text, which still catches a changed line', () => {
    const n = learnNoise([obs('b\na\nc\n'), obs('c\nb\na\n')]);
    expect(n.rules[0].where).toEqual({ kind: 'text', unordered: true });
    expect(compareObservations(suite, scenario, obs('b\na\nc\n'), obs('a\nc\nb\n'), n.rules).every((c) => c.verdict === 'pass')).toBe(true);
    expect(compareObservations(suite, scenario, obs('b\na\nc\n'), obs('a\nc\nd\n'), n.rules).find((c) => c.channel === 'stdout')?.verdict).toBe('diff');
  });

  it('never learns structure, exit codes or a whole output: the scenario is non-deterministic instead', () => {
    const cases: Array<[ScenarioObservation, ScenarioObservation, RegExp]> = [
      [obs('a\n'), obs('a\n', { exit: { code: 1, signal: null, timedOut: false } }), /exit differs/],
      [obs('a\nb\n'), obs('a\n'), /2 lines in one run and 1/],
      [obs('only line 1\n'), obs('only line 2\n'), /whole output/],
      [obs('{"a":1,"b":2}'), obs('{"a":1}'), /field \$\.b is present in one run only/],
      [obs('{"a":[1,2]}'), obs('{"a":[1,2,3]}'), /array \$\.a has 2 elements/],
      [obs('{"a":"1"}'), obs('{"a":1}'), /\$\.a is string in one run and number/],
      [obs('', { files: [file('x.txt', 'x')] }), obs(''), /file x\.txt is written in one run only/],
    ];
    for (const [a, b, reason] of cases) {
      const n = learnNoise([a, b]);
      expect(n.rules).toEqual([]);
      expect(n.nondeterministic).toMatch(reason);
    }
  });
});

describe('linePattern', () => {
  it('keeps common words literal and escapes regex characters', () => {
    expect(linePattern('id=[1] x', 'id=[2] x')).toBe('^\\S+ x$');
    expect(linePattern('total: 3.50 $', 'total: 3.75 $')).toBe('^total: \\S+ \\$$');
    expect(linePattern('abc', 'xyz')).toBeNull();
  });
});
