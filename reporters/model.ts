/**
 * The ParityReport: the one object a verify run rolls up into. Every reporter (terminal,
 * JSON, JUnit, Markdown, HTML) reads it; none recomputes verdicts. Its JSON form is
 * `report.json`, documented in `docs/report-format.md`.
 */
import type { ChannelResult, NoiseRule, TimingObservation, Verdict } from '../harness/model.ts';
import type { ShardInfo } from '../harness/shard.ts';
import type { HistoryPoint } from './history.ts';
import type { RegressionReport } from './regression.ts';
import type { PropertyReport } from '../harness/property.ts';
import type { PerfSuiteReport } from '../harness/perf/model.ts';

/** Counts of scenarios by verdict. `scenarios` is the sum of all the others. */
export interface Totals {
  scenarios: number;
  pass: number;
  diff: number;
  accepted: number;
  flaky: number;
  error: number;
  missing: number;
  new: number;
}

/** Who a system was: what was run, what it said its version was, and its git commit. */
export interface TargetIdentity {
  /** argv of a command target. */
  command: string[];
  /** Output of the target's `version` command (trimmed), or `null` when none is configured. */
  version: string | null;
  /** HEAD commit when the target's working directory is in a git checkout, else `null`. */
  gitCommit: string | null;
}

/** Per-channel roll-up of a suite. */
export interface ChannelTotals {
  /** Number of channel comparisons (the `files` channel counts one per file). */
  compared: number;
  pass: number;
  diff: number;
  /** pass ÷ compared, 1 when nothing was compared. */
  parity: number;
}

/** One scenario's outcome. */
export interface ScenarioReport {
  id: string;
  tags: string[];
  verdict: Verdict;
  /** Time the candidate run plus comparison took (ms). */
  durationMs: number;
  /** Every channel compared, passing ones included (verdict `pass`, no difference). */
  channels: ChannelResult[];
  /** For verdict `error` (candidate could not be run, comparison crashed) or `missing`
   * (no baseline for this scenario): what happened and what to do. */
  error?: string;
  /** Stored, not compared: the legacy's timing from the baseline and the candidate's now. */
  timing?: { legacy?: TimingObservation; candidate?: TimingObservation };
  /** Learned noise that was ignored when comparing this scenario (always listed, never hidden). */
  noise?: NoiseRule[];
  /** Set when recording found the legacy non-deterministic here (see ScenarioNoise). */
  nondeterministic?: string;
  /** Ids of the deviations that explained at least one difference here (also when some other
   * difference stayed unexplained), so a deviation is only `obsolete` when it explained nothing. */
  deviationsUsed?: string[];
  /** For verdict `flaky`: the places where the candidate's own re-runs disagreed. */
  flaky?: { reruns: number; varying: string[] };
  /** For a target that owns a database: how each side's writes were captured (`logical`
   * decoding, or `snapshot` — net effect only) and, for a snapshot, why. */
  dbCapture?: { legacy?: 'logical' | 'snapshot'; candidate?: 'logical' | 'snapshot'; reason?: string };
}

/** A deviation as reported: the reviewed difference, and what it covered in this run. */
export interface DeviationReport {
  id: string;
  reason: string;
  ticket?: string;
  owner?: string;
  /** ISO date (YYYY-MM-DD) after which the deviation fails the run. */
  expires?: string;
  channel: string;
  where?: string;
  /** Scenarios whose differences it explained in this run. */
  covered: string[];
  /** `active`: explained something; `obsolete`: matched nothing (the difference is gone);
   * `expired`: past `expires` (fails the run). */
  status: 'active' | 'obsolete' | 'expired';
}

/** How a suite's database writes were captured, over all its scenarios: `logical` (every change,
 * in commit order), `snapshot` (before/after table snapshots: the net effect, no order), or
 * `mixed`; `reasons` says why logical decoding was not used (distinct texts). */
export interface DatabaseCaptureReport {
  method: 'logical' | 'snapshot' | 'mixed';
  reasons: string[];
}

/** One suite's outcome. */
export interface SuiteReport {
  name: string;
  baseline: {
    /** Baseline revision (content hash) verified against, `null` when there is no baseline. */
    revision: string | null;
    recordedAt: string | null;
    /** Baseline folder, relative to the config file. */
    dir: string;
  };
  legacy: TargetIdentity | null;
  candidate: TargetIdentity;
  totals: Totals;
  /** (pass + accepted) ÷ scenarios; 1 when the suite has no scenarios. */
  parity: number;
  channels: Partial<Record<ChannelResult['channel'], ChannelTotals>>;
  scenarios: ScenarioReport[];
  /** Deviations of this suite (from deviations.yaml or the config), with their status. */
  deviations?: DeviationReport[];
  /** Baseline scenarios no longer in the config, and what the `unreferenced` policy did. */
  unreferenced?: { ids: string[]; policy: 'warn' | 'fail' | 'delete' };
  /** Present when the suite's targets own a database: how its writes were captured. */
  database?: DatabaseCaptureReport;
  /** The property check of a suite with a `property` option (harness/property.ts). */
  property?: PropertyReport;
  /** Performance parity of a suite with a `perf` option (harness/perf, docs/performance.md). */
  perf?: PerfSuiteReport;
}

/** The whole verify run. */
export interface ParityReport {
  /** Version of this report format (see docs/report-format.md). */
  formatVersion: 1;
  tool: { name: 'paritykit'; version: string };
  run: {
    /** ISO-8601 UTC start time. */
    startedAt: string;
    /** Wall time of the whole verify (ms). */
    durationMs: number;
    /** HEAD commit of the directory holding the config, or `null` outside git. */
    gitCommit: string | null;
    /** Config file path as given. */
    config: string;
    /** True when run with `--ci` (baselines never written; missing baselines fail). */
    ci: boolean;
  };
  totals: Totals;
  /** (pass + accepted) ÷ scenarios over all suites; 1 when there are no scenarios. */
  parity: number;
  suites: SuiteReport[];
  /** What changed since the previous run (`verify --compare`, or the newest history entry);
   * absent when there was no previous run (reporters/regression.ts). */
  regression?: RegressionReport;
  /** The last runs' parity, oldest first, this run last, for the trend chart (reporters/history.ts). */
  history?: HistoryPoint[];
  /** Set on the partial report of `verify --shard i/n` (harness/shard.ts); merged reports have none. */
  shard?: ShardInfo;
}
