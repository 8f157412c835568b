import { describe, expect, it } from 'vitest';
import { ParityError } from './errors.ts';
import { inShard, parseShard, selectionDigest, shardFromEnv, shardOf } from './shard.ts';

describe('parseShard', () => {
  it('reads i/n', () => {
    expect(parseShard('2/3')).toEqual({ index: 2, count: 3 });
    expect(parseShard(' 1 / 1 ')).toEqual({ index: 1, count: 1 });
  });

  it.each([
    ['3', /expected i\/n/],
    ['0/3', /between 1 and 3/],
    ['4/3', /between 1 and 3/],
    ['1/0', /at least 1/],
    ['a/b', /expected i\/n/],
    ['-1/3', /expected i\/n/],
    ['1.5/3', /expected i\/n/],
  ])('refuses %s with a usage error naming the flag', (text, message) => {
    let error: unknown;
    try {
      parseShard(text);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ParityError);
    expect((error as ParityError).code).toBe('USAGE');
    expect((error as ParityError).message).toMatch(message);
    expect((error as ParityError).message).toContain(`--shard ${text}`);
  });
});

describe('shardOf', () => {
  const ids = Array.from({ length: 3000 }, (_, i) => `case-${i}`);

  it('puts every scenario in exactly one shard, the same one every time', () => {
    for (const id of ids.slice(0, 200)) {
      const owners = [1, 2, 3].filter((index) => inShard({ index, count: 3 }, 'suite', id));
      expect(owners).toEqual([shardOf('suite', id, 3)]);
      expect(shardOf('suite', id, 3)).toBe(shardOf('suite', id, 3));
    }
  });

  it('is a fixed function of "suite/id" (SHA-256 of the key, first 8 bytes mod n, 1-based)', () => {
    // pinned so the split never changes silently between versions (a changed split would make
    // partial reports of two paritykit versions overlap)
    const pinned = ['greet-ann', 'greet-bob', 'sum-floats', 'sum-ints', 'fail', 'binary', 'copy', 'secret'].map((id) => shardOf('greeter', id, 3));
    expect(pinned).toEqual([3, 3, 1, 3, 3, 2, 2, 1]);
  });

  it('depends on the suite too', () => {
    const moved = ids.filter((id) => shardOf('a', id, 4) !== shardOf('b', id, 4));
    expect(moved.length).toBeGreaterThan(ids.length / 2);
  });

  it('keeps every other scenario in its shard when scenarios are added (hash-based, not index-based)', () => {
    const before = new Map(ids.map((id) => [id, shardOf('s', id, 5)]));
    const grown = [...ids.slice(0, 1500), 'inserted-a', 'inserted-b', ...ids.slice(1500), 'appended'];
    for (const id of grown) if (before.has(id)) expect(shardOf('s', id, 5)).toBe(before.get(id));
  });

  it('balances shards within a few standard deviations of N/n', () => {
    const counts = [0, 0, 0, 0];
    for (const id of ids) counts[shardOf('s', id, 4) - 1]!++;
    // binomial(3000, 1/4): mean 750, sd ≈ 23.7; 5 sd ≈ 119
    for (const c of counts) expect(Math.abs(c - 750)).toBeLessThan(119);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(3000);
  });

  it('with one shard, owns everything', () => {
    expect(ids.every((id) => inShard({ index: 1, count: 1 }, 's', id))).toBe(true);
  });
});

describe('shardFromEnv', () => {
  it('reads PARITYKIT_SHARD, then GitLab CI_NODE_INDEX/CI_NODE_TOTAL, else nothing', () => {
    expect(shardFromEnv({ PARITYKIT_SHARD: '2/5', CI_NODE_INDEX: '1', CI_NODE_TOTAL: '3' })).toEqual({ index: 2, count: 5 });
    expect(shardFromEnv({ CI_NODE_INDEX: '3', CI_NODE_TOTAL: '3' })).toEqual({ index: 3, count: 3 });
    expect(shardFromEnv({ CI_NODE_INDEX: '3' })).toBeUndefined();
    expect(shardFromEnv({})).toBeUndefined();
    expect(() => shardFromEnv({ PARITYKIT_SHARD: '5/2' })).toThrow(/PARITYKIT_SHARD= 5\/2/);
  });
});

describe('selectionDigest', () => {
  const base = [{ name: 'a', revision: 'r1', ids: ['x', 'y'] }];
  it('changes with the config, a suite, a revision or a scenario id, and only then', () => {
    const d = selectionDigest('c.json', base);
    expect(selectionDigest('c.json', [{ name: 'a', revision: 'r1', ids: ['x', 'y'] }])).toBe(d);
    expect(selectionDigest('other.json', base)).not.toBe(d);
    expect(selectionDigest('c.json', [{ name: 'a', revision: 'r2', ids: ['x', 'y'] }])).not.toBe(d);
    expect(selectionDigest('c.json', [{ name: 'a', revision: 'r1', ids: ['x', 'y', 'z'] }])).not.toBe(d);
    expect(selectionDigest('c.json', [{ name: 'a', revision: 'r1', ids: ['xy'] }])).not.toBe(selectionDigest('c.json', [{ name: 'a', revision: 'r1', ids: ['x', 'y'] }]));
    expect(d).toMatch(/^[0-9a-f]{16}$/);
  });
});
