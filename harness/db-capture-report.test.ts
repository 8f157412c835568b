import { describe, expect, it } from 'vitest';
import { databaseCaptureOf } from './verify-run.ts';
import { databaseCaptureSentence } from '../reporters/format.ts';
import type { ScenarioReport } from '../reporters/model.ts';

const scenario = (id: string, dbCapture?: ScenarioReport['dbCapture']): ScenarioReport => ({ id, tags: [], verdict: 'pass', durationMs: 1, channels: [], ...(dbCapture ? { dbCapture } : {}) });

describe('how a suite captured its database writes', () => {
  it('is absent for a suite without a database', () => {
    expect(databaseCaptureOf([scenario('a'), scenario('b')])).toEqual({});
  });

  it('is logical when every side of every scenario decoded the WAL', () => {
    const r = databaseCaptureOf([scenario('a', { legacy: 'logical', candidate: 'logical' }), scenario('b', { legacy: 'logical', candidate: 'logical' })]);
    expect(r).toEqual({ database: { method: 'logical', reasons: [] } });
    expect(databaseCaptureSentence(r.database!)).toBe('database writes: logical decoding (every change, in commit order)');
  });

  it('says snapshot and why, once per distinct reason', () => {
    const why = 'wal_level is replica, not logical';
    const r = databaseCaptureOf([scenario('a', { legacy: 'snapshot', candidate: 'snapshot', reason: why }), scenario('b', { legacy: 'snapshot', candidate: 'snapshot', reason: why })]);
    expect(r.database).toEqual({ method: 'snapshot', reasons: [why] });
    expect(databaseCaptureSentence(r.database!)).toBe(`database writes: before/after snapshots (net effect only, no order) — ${why}`);
  });

  it('is mixed when the baseline was decoded and the candidate snapshotted', () => {
    const r = databaseCaptureOf([scenario('a', { legacy: 'logical', candidate: 'snapshot', reason: 'role lacks REPLICATION' })]);
    expect(r.database?.method).toBe('mixed');
    expect(databaseCaptureSentence(r.database!)).toContain('some scenarios');
  });
});
