import { mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ScenarioObservation } from '../harness/model.ts';
import { ParityError } from '../harness/errors.ts';
import { INLINE_TEXT_MAX_BYTES } from './format.ts';
import { createFsBaselineStore, type RecordedScenario } from './store.ts';

const legacy = { command: ['tool'], version: '1.0', gitCommit: null };
const opts = { legacy, paritykitVersion: '0.0.0-test', now: new Date('2026-01-02T03:04:05Z') };

function obs(stdout: string | Buffer, extra: Partial<ScenarioObservation> = {}): ScenarioObservation {
  return {
    stdout: Buffer.isBuffer(stdout) ? stdout : Buffer.from(stdout),
    stderr: Buffer.alloc(0),
    exit: { code: 0, signal: null, timedOut: false },
    files: [],
    timing: { durationMs: 12.5, peakRssBytes: 1000 },
    ...extra,
  };
}

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'paritykit-store-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const recs = (): RecordedScenario[] => [
  { scenario: { id: 'b', args: ['x'] }, observation: obs('beta\n') },
  { scenario: { id: 'a', stdin: 'in' }, observation: obs('alpha\n', { files: [{ path: 'out.bin', change: 'created', format: 'binary', content: Buffer.from([0, 255, 1]) }] }) },
];

describe('fs baseline store', () => {
  it('round-trips observations, with binary and large payloads in verified blobs', async () => {
    const store = createFsBaselineStore(dir);
    const big = Buffer.from('x'.repeat(INLINE_TEXT_MAX_BYTES + 1));
    const list = [...recs(), { scenario: { id: 'big' }, observation: obs(big) }];
    const saved = await store.save('s', list, opts);
    expect(saved.added).toEqual(['a', 'b', 'big']);
    const loaded = await store.load('s');
    expect(loaded?.manifest.revision).toBe(saved.revision);
    expect(loaded?.scenarios.get('a')?.observation.files[0].content).toEqual(Buffer.from([0, 255, 1]));
    expect(loaded?.scenarios.get('big')?.observation.stdout.equals(big)).toBe(true);
    expect(loaded?.scenarios.get('b')?.observation.timing).toEqual({ durationMs: 12.5, peakRssBytes: 1000 });
    const blobs = readdirSync(path.join(dir, 's', 'blobs'), { recursive: true }).filter((f) => String(f).length > 10);
    expect(blobs).toHaveLength(2);
  });

  it('is deterministic: the same behaviour gives the same revision and bytes, whatever the timing', async () => {
    const store = createFsBaselineStore(dir);
    const first = await store.save('s', recs(), opts);
    const fileA = readFileSync(path.join(dir, 's', 'scenarios', 'a.json'), 'utf8');
    const slower = recs().map((r) => ({ ...r, observation: { ...r.observation, timing: { durationMs: 99, peakRssBytes: 5 } } }));
    const second = await store.save('s', slower.reverse(), opts);
    expect(second.revision).toBe(first.revision);
    expect(second.changed).toEqual([]);
    expect(readFileSync(path.join(dir, 's', 'scenarios', 'a.json'), 'utf8')).toBe(fileA);
    expect(fileA.endsWith('}\n')).toBe(true);
    expect(await store.history('s')).toHaveLength(2);
  });

  it('applies redaction in the write path, to payloads and inputs', async () => {
    const store = createFsBaselineStore(dir);
    const secret = 'hunter2hunter2';
    const list: RecordedScenario[] = [{ scenario: { id: 'x', env: { TOKEN: secret } }, observation: obs(`token ${secret}\n`) }];
    await store.save('s', list, { ...opts, redactText: (t) => t.replaceAll(secret, '<r>'), redactBuffer: (b) => Buffer.from(b.toString('latin1').replaceAll(secret, '<r>'), 'latin1') });
    for (const f of readdirSync(path.join(dir, 's'), { recursive: true })) {
      const p = path.join(dir, 's', String(f));
      if (existsSync(p) && !p.endsWith('scenarios') && !p.endsWith('blobs')) {
        try {
          expect(readFileSync(p, 'utf8')).not.toContain(secret);
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== 'EISDIR') throw e;
        }
      }
    }
  });

  it('dry run computes the change and writes nothing', async () => {
    const store = createFsBaselineStore(dir);
    const r = await store.save('s', recs(), { ...opts, dryRun: true });
    expect(r.added).toEqual(['a', 'b']);
    expect(existsSync(path.join(dir, 's'))).toBe(false);
  });

  it('recovers a revision left under .previous- by a crash mid-swap, and drops dead staging folders', async () => {
    const store = createFsBaselineStore(dir);
    const saved = await store.save('s', recs(), opts);
    renameSync(path.join(dir, 's'), path.join(dir, '.s.previous-0001'));
    mkdirSync(path.join(dir, '.s.staging-99999999-ab'), { recursive: true });
    const loaded = await store.load('s');
    expect(loaded?.manifest.revision).toBe(saved.revision);
    expect(readdirSync(dir)).toEqual(['s']);
  });

  it('refuses a newer formatVersion and a tampered file, naming the file', async () => {
    const store = createFsBaselineStore(dir);
    await store.save('s', recs(), opts);
    const scenarioFile = path.join(dir, 's', 'scenarios', 'a.json');
    writeFileSync(scenarioFile, readFileSync(scenarioFile, 'utf8').replace('alpha', 'omega'));
    await expect(store.load('s')).rejects.toThrow(/a\.json: content does not match/);
    const manifest = path.join(dir, 's', 'manifest.json');
    writeFileSync(manifest, JSON.stringify({ ...JSON.parse(readFileSync(manifest, 'utf8')), formatVersion: 7 }));
    const err = await store.load('s').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ParityError);
    expect((err as ParityError).code).toBe('BASELINE_FORMAT');
    expect((err as ParityError).message).toMatch(/manifest\.json: formatVersion 7 is newer than this paritykit/);
  });
});
