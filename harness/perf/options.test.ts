import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config.ts';
import { ParityError } from '../errors.ts';
import { resolvePerfOptions, selectPerfScenarios } from './options.ts';

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

async function configWith(perf: unknown): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'pk-perf-opt-'));
  dirs.push(dir);
  await writeFile(path.join(dir, 'paritykit.config.json'), JSON.stringify({
    suites: [{ name: 's', legacy: { command: ['true'] }, candidate: { command: ['true'] }, scenarios: [{ id: 'a', tags: ['perf'] }, { id: 'b' }], perf }],
  }));
  return dir;
}

describe('perf options', () => {
  it('applies the documented defaults', () => {
    expect(resolvePerfOptions({})).toEqual({
      scenarios: [], tag: 'perf', connections: 4, durationMs: 1000, requests: null, runs: 3, warmupMs: 500, rounds: 6, maxRounds: 16, maxSlowdown: 1.05, maxMemoryGrowth: null,
    });
    expect(resolvePerfOptions({ requests: 500 }).durationMs).toBeNull();
  });

  it('selects by tag or by id glob', () => {
    const scenarios = [{ id: 'a', tags: ['perf'] }, { id: 'list-1' }, { id: 'list-2' }, { id: 'other' }];
    expect(selectPerfScenarios(scenarios, { tag: 'perf', scenarios: ['list-*'] }).map((s) => s.id)).toEqual(['a', 'list-1', 'list-2']);
    expect(selectPerfScenarios(scenarios, { tag: 'none', scenarios: ['other'] }).map((s) => s.id)).toEqual(['other']);
  });

  it('is resolved onto the suite by loadConfig', async () => {
    const config = await loadConfig(await configWith({ maxSlowdown: 1.1, rounds: 8 }));
    expect(config.suites[0].perf).toMatchObject({ maxSlowdown: 1.1, rounds: 8, maxRounds: 16, tag: 'perf' });
  });

  it('rejects a budget that is not a slowdown ratio, naming the field', async () => {
    const err = await loadConfig(await configWith({ maxSlowdown: 0.95 })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ParityError);
    expect((err as ParityError).code).toBe('CONFIG_INVALID');
    expect((err as Error).message).toMatch(/suites\[0\]\.perf\.maxSlowdown \(suite "s"\): .*ratio of candidate to legacy above 1/);
  });

  it('rejects durationMs with requests, and too few rounds', async () => {
    await expect(loadConfig(await configWith({ durationMs: 500, requests: 100 }))).rejects.toThrow(/durationMs or requests, not both/);
    await expect(loadConfig(await configWith({ rounds: 2 }))).rejects.toThrow(/perf\.rounds \(suite "s"\): needs at least 3 rounds/);
  });
});
