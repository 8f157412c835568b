/**
 * `paritykit/suites`: vitest suite builders and the `toMatchBaseline` matcher.
 * Importing this module registers the matcher with vitest's `expect`.
 */
import './matcher.ts';
export { defineParitySuites, selectScenarios, isFailingVerdict, type ParitySuitesOptions, type ParityTaskMeta } from './parity.ts';
export type { MatchBaselineOptions } from './matcher.ts';
export { shardFromEnv, type ShardSpec } from '../harness/shard.ts';
