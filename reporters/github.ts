/**
 * GitHub Actions output: the Markdown summary appended to the job's step summary, and
 * `::error` workflow commands that show differing scenarios as annotations.
 *
 * Workflow-command syntax and escaping follow GitHub's toolkit (`@actions/core`, command.ts,
 * https://github.com/actions/toolkit/blob/main/packages/core/src/command.ts): in the message,
 * `%` → `%25`, CR → `%0D`, LF → `%0A`; in a property value additionally `:` → `%3A` and
 * `,` → `%2C`. GitHub shows at most 10 error annotations per step (and 50 per job), so the
 * number printed is capped (default 10) and one `::notice` says how many were left out.
 * See https://docs.github.com/actions/reference/workflows-and-actions/workflow-commands.
 */
import { appendFile } from 'node:fs/promises';
import type { ParityReport, ScenarioReport, SuiteReport } from './model.ts';
import { differingChannels, channelLabel, scenarioSummary } from './format.ts';
import type { Verdict } from '../harness/model.ts';

/** Verdicts that fail a run (as `isFailingVerdict` in suites/parity.ts, without importing vitest). */
const FAILING: ReadonlySet<Verdict> = new Set<Verdict>(['diff', 'flaky', 'error', 'missing']);

/** Default cap of `::error` annotations: GitHub displays 10 error annotations per step. */
export const DEFAULT_MAX_ANNOTATIONS = 10;

/** Escapes the message part of a workflow command (`%`, CR, LF). */
export function escapeData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** Escapes a property value of a workflow command (`%`, CR, LF, `:`, `,`). */
export function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

/** One workflow command line: `::name key=value,…::message`. */
export function workflowCommand(name: 'error' | 'warning' | 'notice', properties: Record<string, string | undefined>, message: string): string {
  const props = Object.entries(properties)
    .filter((e): e is [string, string] => e[1] !== undefined)
    .map(([k, v]) => `${k}=${escapeProperty(v)}`)
    .join(',');
  return `::${name}${props === '' ? '' : ` ${props}`}::${escapeData(message)}`;
}

/** Options of {@link githubAnnotations}. */
export interface AnnotationOptions {
  /** Annotations printed at most (default {@link DEFAULT_MAX_ANNOTATIONS}). */
  max?: number;
  /** Lines of each scenario's first diff included in the message (default 20). */
  diffLines?: number;
  /** Redaction (`text → text`) applied to every title and message before escaping: the
   * annotations go to the CI log, which must not receive secrets either. */
  redact?: (text: string) => string;
}

/** The file an annotation points at: the scenario's baseline file, relative to the config's
 * folder (docs/baseline-format.md: `<baseline dir>/scenarios/<id>.json`). */
function annotationFile(suite: SuiteReport, scenario: ScenarioReport): string {
  return `${suite.baseline.dir.replace(/\\/g, '/').replace(/\/$/, '')}/scenarios/${scenario.id}.json`;
}

/**
 * The `::error` lines for the failing scenarios of a report (`diff`, `flaky`, `error`,
 * `missing`) and for expired deviations, capped at `max`, then one `::notice` counting the
 * rest. Each names the scenario in its title and carries the summary and the first lines of the
 * first differing channel's diff in its message.
 *
 * @returns lines without trailing newlines; empty when nothing fails.
 */
export function githubAnnotations(report: ParityReport, options: AnnotationOptions = {}): string[] {
  const max = options.max ?? DEFAULT_MAX_ANNOTATIONS;
  const diffLines = options.diffLines ?? 20;
  const redact = options.redact ?? ((t: string) => t);
  const command = (name: 'error' | 'notice', props: Record<string, string | undefined>, message: string) =>
    workflowCommand(name, Object.fromEntries(Object.entries(props).map(([k, v]) => [k, v === undefined ? undefined : redact(v)])), redact(message));
  const all: string[] = [];
  for (const suite of report.suites) {
    for (const scenario of suite.scenarios) {
      if (!FAILING.has(scenario.verdict)) continue;
      const first = differingChannels(scenario)[0];
      const detail =
        first?.difference !== undefined
          ? `\n${channelLabel(first)}: ${first.difference.summary}\n${first.difference.unified.split('\n').slice(0, diffLines).join('\n')}`
          : scenario.error !== undefined
            ? `\n${scenario.error.split('\n').slice(0, diffLines).join('\n')}`
            : '';
      all.push(
        command(
          'error',
          { file: annotationFile(suite, scenario), title: `paritykit ${scenario.verdict}: ${suite.name} › ${scenario.id}` },
          `${scenarioSummary(scenario)}${detail}`,
        ),
      );
    }
    for (const d of suite.deviations ?? []) {
      if (d.status !== 'expired') continue;
      all.push(command('error', { title: `paritykit: deviation ${d.id} expired` }, `deviation ${d.id} (suite ${suite.name}) expired on ${d.expires ?? '?'}; fix the difference or renew the deviation`));
    }
  }
  if (all.length <= max) return all;
  const rest = all.length - max;
  return [...all.slice(0, max), command('notice', { title: 'paritykit' }, `${rest} more failing ${rest === 1 ? 'scenario' : 'scenarios'} not annotated; see the job summary or the HTML report`)];
}

/** Where CI output goes; injectable for tests. */
export interface GithubOutputIo {
  stdout: { write(text: string): unknown };
  env: NodeJS.ProcessEnv;
}

/**
 * Writes the GitHub Actions output of a report: when `GITHUB_STEP_SUMMARY` names a file,
 * appends `summaryMarkdown` (the report's summary.md) to it; when `GITHUB_ACTIONS` is `true`,
 * prints {@link githubAnnotations} to stdout (the runner reads workflow commands there).
 * Outside GitHub Actions nothing happens.
 *
 * @returns what was done, for the caller's log.
 * @throws the file system's error when the step-summary file cannot be appended to.
 */
export async function writeGithubOutput(report: ParityReport, summaryMarkdown: string, io: GithubOutputIo, options: AnnotationOptions = {}): Promise<{ summary: boolean; annotations: number }> {
  let summary = false;
  const file = io.env.GITHUB_STEP_SUMMARY;
  if (file !== undefined && file !== '') {
    await appendFile(file, summaryMarkdown.endsWith('\n') ? summaryMarkdown : summaryMarkdown + '\n', 'utf8');
    summary = true;
  }
  let annotations = 0;
  if (io.env.GITHUB_ACTIONS === 'true') {
    const lines = githubAnnotations(report, options);
    for (const line of lines) io.stdout.write(line + '\n');
    annotations = lines.filter((l) => l.startsWith('::error')).length;
  }
  return { summary, annotations };
}
