/**
 * paritykit's public API (`import { … } from 'paritykit'`).
 *
 * Configuration: `defineConfig`, the `normalize` builders, and the config types.
 * Programmatic use: `loadConfig`, `runScenario`, `compareObservations`, `recordSuite`,
 * `runVerify`, the baseline store, and the report renderers. Test helpers
 * (`defineParitySuites`, `toMatchBaseline`) live in `paritykit/suites`.
 */
export { defineConfig, loadConfig, checkScenarioId, type ParityConfig, type SuiteConfig, type ResolvedConfig, type ResolvedSuite, type ScenarioSource } from './config.ts';
export { ParityError, type ParityErrorCode } from './errors.ts';
export type * from './model.ts';
export { normalize, normalizeText, type Normalizer, type NormalizerScope, type NormalizeContext } from './normalize/index.ts';
export { createRedactor, type Redaction, type Redactor } from './redact.ts';
export { compareContent } from './compare/index.ts';
export { runScenario, compareObservations, verdictOf } from './runner.ts';
export { recordSuite, type RecordResult, type RecordOptions, type Drift } from './record.ts';
export { verifyScenario } from './verify.ts';
export { runVerify, type VerifyRunOptions } from './verify-run.ts';
export { runCli } from './cli.ts';
export { createFsBaselineStore, type BaselineStore, type Baseline, type SaveResult } from '../baselines/store.ts';
export type { ParityReport, SuiteReport, ScenarioReport, Totals, TargetIdentity } from '../reporters/model.ts';
export { PARITYKIT_VERSION } from './version.ts';
export { learnNoise, applyNoise, describeNoise } from './noise.ts';
export { loadDeviations, applyDeviations, deviationReports, type Deviation } from './deviations.ts';
export { deviationsFromScenario, appendDeviations } from './review.ts';
