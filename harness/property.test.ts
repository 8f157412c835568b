import { mkdirSync, mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFsBaselineStore } from '../baselines/store.ts';
import { loadConfig } from './config.ts';
import { ParityError } from './errors.ts';
import type { NoiseRule } from './model.ts';
import {
  counterexampleId,
  generalNoisePaths,
  isArbitrary,
  loadSavedCounterexamples,
  replayCommand,
  targetProblem,
  toPropertyScenario,
} from './property.ts';

let work: string;
beforeAll(() => {
  work = mkdtempSync(path.join(os.tmpdir(), 'paritykit-property-unit-'));
});
afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

describe('counterexampleId', () => {
  it('is stable for the same input, ignores id and tags, and differs for another input', () => {
    const a = counterexampleId('ledger', { args: ['x.csv'], files: { 'x.csv': 'a\n' } });
    expect(a).toMatch(/^property-ledger-[0-9a-f]{12}$/);
    expect(counterexampleId('ledger', { id: 'other', tags: ['t'], files: { 'x.csv': 'a\n' }, args: ['x.csv'] })).toBe(a);
    expect(counterexampleId('ledger', { args: ['y.csv'], files: { 'x.csv': 'a\n' } })).not.toBe(a);
  });
});

describe('toPropertyScenario', () => {
  it('names and tags a generated command scenario', () => {
    const s = toPropertyScenario({ name: 'cli', kind: 'command' }, { args: ['a'], tags: ['mine'] });
    expect(s.id).toBe(counterexampleId('cli', { args: ['a'] }));
    expect(s.tags).toEqual(['mine', 'property']);
  });

  it('refuses what is not a scenario of the suite kind, naming the suite and the fix', () => {
    const err = (fn: () => unknown) => {
      try {
        fn();
      } catch (e) {
        return e as ParityError;
      }
      throw new Error('did not throw');
    };
    const notScenario = err(() => toPropertyScenario({ name: 'cli', kind: 'command' }, { args: 'not-a-list' }));
    expect(notScenario.code).toBe('SCENARIO_INVALID');
    expect(notScenario.message).toMatch(/suite "cli": property.inputs generated .*args/);
    expect(err(() => toPropertyScenario({ name: 'api', kind: 'service' }, { args: ['x'] })).message).toMatch(/needs exchange scenarios.*exchangeSequences/);
    expect(err(() => toPropertyScenario({ name: 'cli', kind: 'command' }, { requests: [{ path: '/' }] })).message).toMatch(/command suite needs args/);
  });
});

describe('isArbitrary', () => {
  it('accepts fast-check arbitraries only', () => {
    expect(isArbitrary(fc.integer())).toBe(true);
    expect(isArbitrary(fc.record({ args: fc.array(fc.string()) }).map((x) => x))).toBe(true);
    expect(isArbitrary({ generate() {} })).toBe(false);
    expect(isArbitrary([{ args: [] }])).toBe(false);
    expect(isArbitrary(null)).toBe(false);
  });
});

describe('the property option in a config', () => {
  it('is validated: inputs must be a fast-check arbitrary', async () => {
    const dir = path.join(work, 'cfg');
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      path.join(dir, 'paritykit.config.json'),
      JSON.stringify({ suites: [{ name: 's', legacy: { command: ['true'] }, candidate: { command: ['true'] }, scenarios: [{ id: 'a' }], property: { inputs: [{ args: [] }], numRuns: 5 } }] }),
    );
    await expect(loadConfig(dir)).rejects.toMatchObject({ code: 'CONFIG_INVALID', message: expect.stringMatching(/suites\[0\]\.property\.inputs .*must be a fast-check Arbitrary/) });
  });
});

describe('saved counterexamples', () => {
  it('are read back from the baseline as scenarios of the suite, and loadConfig adds them', async () => {
    const dir = path.join(work, 'saved');
    const store = createFsBaselineStore(path.join(dir, 'baselines'));
    const empty = { stdout: Buffer.from('ok\n'), stderr: Buffer.alloc(0), exit: { code: 0, signal: null, timedOut: false }, files: [], timing: { durationMs: 1, peakRssBytes: null } };
    const saved = { id: 'property-s-0123456789ab', args: ['-1'], tags: ['property'] };
    await store.save('s', [{ scenario: { id: 'a', args: ['1'] }, observation: empty }, { scenario: saved, observation: empty }], {
      legacy: { command: ['true'], version: null, gitCommit: null },
      paritykitVersion: 'test',
    });
    expect(await loadSavedCounterexamples(path.join(dir, 'baselines'), 's')).toEqual([saved]);
    expect(await loadSavedCounterexamples(path.join(dir, 'baselines'), 'nothing-recorded')).toEqual([]);
    writeFileSync(
      path.join(dir, 'paritykit.config.json'),
      JSON.stringify({ suites: [{ name: 's', legacy: { command: ['true'] }, candidate: { command: ['true'] }, scenarios: [{ id: 'a', args: ['1'] }] }] }),
    );
    const config = await loadConfig(dir);
    expect(config.suites[0].scenarios.map((s) => s.id)).toEqual(['a', saved.id]);
  });

  it('a saved counterexample edited by hand is reported as a corrupt baseline', async () => {
    const file = path.join(work, 'saved', 'baselines', 's', 'scenarios', 'property-s-0123456789ab.json');
    writeFileSync(file, readFileSync(file, 'utf8').replace('-1', '-2'));
    await expect(loadSavedCounterexamples(path.join(work, 'saved', 'baselines'), 's')).rejects.toMatchObject({ code: 'BASELINE_CORRUPT' });
  });
});

describe('targetProblem', () => {
  it('says why a command cannot run: program not on PATH, missing script, not executable', async () => {
    expect(await targetProblem({ command: [process.execPath, '--version'] }, work)).toBeNull();
    expect(await targetProblem({ command: ['paritykit-no-such-program-xyz'] }, work)).toMatch(/not on PATH/);
    expect(await targetProblem({ command: [process.execPath, 'legacy/gone.py'], cwd: work }, work)).toMatch(/legacy\/gone\.py does not exist/);
    writeFileSync(path.join(work, 'plain.txt'), '');
    expect(await targetProblem({ command: ['./plain.txt'], cwd: work }, work)).toMatch(/not an executable file/);
    expect(await targetProblem({ start: { command: ['paritykit-no-such-program-xyz'], ready: { url: '/' } } }, work)).toMatch(/not on PATH/);
  });

  it('a url target that does not answer is not runnable', async () => {
    // Port 9 (discard) on 127.0.0.1 is closed on test machines: the connection is refused.
    expect(await targetProblem({ url: 'http://127.0.0.1:9' }, work)).toMatch(/does not answer/);
  });
});

describe('generalNoisePaths', () => {
  it('turns learned JSON noise into descendant paths by key, ignoring text and reorder rules', () => {
    const rules: NoiseRule[] = [
      { channel: 'http', path: '#1', where: { kind: 'json', path: '$.createdAt' }, values: [] },
      { channel: 'http', path: '#2', where: { kind: 'json', path: '$[3].updatedAt' }, values: [] },
      { channel: 'http', path: '#2', where: { kind: 'json', path: "$.meta['request id']" }, values: [] },
      { channel: 'http', path: '#2', where: { kind: 'json', path: '$.items', unordered: true }, values: [] },
      { channel: 'stdout', where: { kind: 'text', line: 3 }, values: [] },
    ];
    expect(generalNoisePaths([rules, rules.slice(0, 1)])).toEqual(["$..['request id']", '$..createdAt', '$..updatedAt']);
  });
});

describe('replayCommand', () => {
  it('names the suite, the seed and the path', () => {
    expect(replayCommand('ledger', 42, '3:1:0')).toBe('paritykit verify --property --suite ledger --seed 42 --path 3:1:0');
    expect(replayCommand('ledger', -7, null, 'examples/paritykit.config.ts')).toBe('paritykit verify --property --config examples/paritykit.config.ts --suite ledger --seed -7');
  });
});
