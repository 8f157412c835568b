/**
 * Sharding: splitting a verify run over several CI machines (`paritykit verify --shard i/n`).
 *
 * A scenario's shard depends only on its own key, `suite/scenario id`: the first 8 bytes of
 * the key's SHA-256, read as an unsigned 64-bit integer, modulo the shard count. Adding or
 * removing a scenario therefore never moves another one to a different shard (an index-based
 * split, as in "every third scenario", would move every scenario after the new one). The cost
 * is that shards are only balanced on average (a binomial spread: ±√(N/n) scenarios).
 */
import { createHash } from 'node:crypto';
import { ParityError } from './errors.ts';

/** One shard of a split: `index` is 1-based (`1 ≤ index ≤ count`), as in `--shard 2/3`. */
export interface ShardSpec {
  index: number;
  count: number;
}

/**
 * What a partial (sharded) report says about its shard, so `paritykit report merge` can check
 * that the partial reports belong together.
 */
export interface ShardInfo extends ShardSpec {
  /** Scenarios the run selected before sharding, over all its suites (every shard agrees). */
  of: number;
  /** Digest of the selection before sharding: config file, suites, every `suite/scenario id`
   * and each suite's baseline revision (SHA-256, first 16 hex digits). Partial reports of the
   * same run have the same digest; merge refuses to mix different ones. */
  selection: string;
}

/**
 * Parses `--shard` text: `i/n` with whole numbers `1 ≤ i ≤ n`.
 *
 * @example parseShard('2/3') // { index: 2, count: 3 }
 * @throws ParityError `USAGE` naming the flag, what was wrong and the expected form.
 */
export function parseShard(text: string, flag = '--shard'): ShardSpec {
  const match = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  if (!match) throw new ParityError('USAGE', `${flag} ${text}: expected i/n, e.g. ${flag} 1/3 (shard 1 of 3)`);
  const index = Number(match[1]);
  const count = Number(match[2]);
  if (count < 1) throw new ParityError('USAGE', `${flag} ${text}: the shard count must be at least 1`);
  if (index < 1 || index > count) throw new ParityError('USAGE', `${flag} ${text}: the shard index must be between 1 and ${count} (shards are numbered from 1)`);
  return { index, count };
}

/**
 * The shard (1-based) that owns scenario `scenarioId` of suite `suite` in a split into
 * `count` shards: `sha256("suite/id")[0..8] mod count + 1`.
 */
export function shardOf(suite: string, scenarioId: string, count: number): number {
  const digest = createHash('sha256').update(`${suite}/${scenarioId}`, 'utf8').digest();
  return Number(digest.readBigUInt64BE(0) % BigInt(count)) + 1;
}

/** True when shard `spec` owns scenario `scenarioId` of suite `suite`. */
export function inShard(spec: ShardSpec, suite: string, scenarioId: string): boolean {
  return spec.count === 1 || shardOf(suite, scenarioId, spec.count) === spec.index;
}

/**
 * Reads a shard from the environment for users running `defineParitySuites` under plain vitest
 * (whose own `--shard` splits test files, not the tests inside one file):
 * `PARITYKIT_SHARD=i/n`, or GitLab's `CI_NODE_INDEX`/`CI_NODE_TOTAL` (1-based) when both are set.
 *
 * @returns the shard, or `undefined` when none is configured.
 * @throws ParityError `USAGE` when the variable is malformed.
 */
export function shardFromEnv(env: NodeJS.ProcessEnv = process.env): ShardSpec | undefined {
  if (env.PARITYKIT_SHARD) return parseShard(env.PARITYKIT_SHARD, 'PARITYKIT_SHARD=');
  if (env.CI_NODE_INDEX && env.CI_NODE_TOTAL) return parseShard(`${env.CI_NODE_INDEX}/${env.CI_NODE_TOTAL}`, 'CI_NODE_INDEX/CI_NODE_TOTAL');
  return undefined;
}

/**
 * Digest of a selection of scenarios (see {@link ShardInfo.selection}).
 *
 * @param parts - the config file, and per suite its name, baseline revision and scenario ids,
 *   in config order.
 */
export function selectionDigest(config: string, suites: ReadonlyArray<{ name: string; revision: string | null; ids: readonly string[] }>): string {
  const hash = createHash('sha256').update(config, 'utf8');
  for (const s of suites) {
    hash.update(`\0suite\0${s.name}\0${s.revision ?? ''}`);
    for (const id of s.ids) hash.update(`\0${id}`);
  }
  return hash.digest('hex').slice(0, 16);
}
