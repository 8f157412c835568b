/**
 * `junit.xml`: the report in the JUnit XML dialect CI servers read (Jenkins, GitLab, GitHub
 * Actions test-report actions, Azure DevOps). Shape, after the de-facto schema of Ant's
 * JUnit task / Maven Surefire (see https://github.com/testmoapp/junitxml for a survey):
 *
 * ```xml
 * <testsuites name="paritykit" tests failures errors skipped time timestamp>
 *   <testsuite name="<suite>" tests failures errors skipped time timestamp>
 *     <properties><property name value/>…</properties>
 *     <testcase classname="paritykit.<suite>" name="<scenario id>" time="<s>">
 *       <failure message type="diff">unified diffs</failure> | <error …/> | <skipped …/>
 *       <system-out>…</system-out>
 *     </testcase>
 *   </testsuite>
 * </testsuites>
 * ```
 *
 * Verdicts map to: `pass` → passed; `accepted` → passed, with a `<system-out>` note naming the
 * deviations; `diff` → `<failure type="diff">`; `flaky` → `<failure type="flaky">` (not parity,
 * so it must fail CI; the body lists the places that varied); `error` → `<error type="error">`;
 * `missing` → `<error type="missing">`; `new` → `<skipped>` (nothing to compare against yet).
 *
 * Besides the scenarios, a suite gets one failing `<testcase classname="paritykit.<suite>.deviations"
 * name="<id>">` (`type="expired-deviation"`) per expired deviation, and one
 * `<testcase classname="paritykit.<suite>" name="unreferenced baselines">` (`type="unreferenced"`)
 * when unreferenced baselines exist under the `fail` policy: both fail the run, so CI must show
 * why. Obsolete deviations, learned noise, non-deterministic legacy scenarios and unreferenced
 * baselines under the other policies are listed in the suite's `<system-out>`.
 */
import type { Verdict } from '../harness/model.ts';
import type { DeviationReport, ParityReport, ScenarioReport, SuiteReport, Totals } from './model.ts';
import {
  acceptedBy,
  acceptedChannels,
  channelLabel,
  deviationCountsText,
  deviationPlace,
  differingChannels,
  formatCommand,
  noiseChannelLabel,
  noiseLocationLabel,
  scenarioSummary,
  unreferencedNote,
} from './format.ts';

/** Text of each diff in a failure body is cut after this many characters (CI UIs choke on more). */
const MAX_BODY_CHARS = 64 * 1024;

/**
 * Renders the report as JUnit XML (UTF-8, XML 1.0).
 *
 * Counts: `tests` = scenarios; `failures` = `diff` + `flaky`; `errors` = `error` + `missing`;
 * `skipped` = `new`. Times are seconds with millisecond precision.
 * All text is XML-escaped, and characters XML 1.0 forbids (control characters other than
 * tab/LF/CR, lone surrogates, U+FFFE/U+FFFF) are replaced with U+FFFD so the file always parses.
 */
export function renderJUnit(report: ParityReport): string {
  const counts = report.suites.reduce((acc, suite) => {
    const extra = suiteChecks(suite).length;
    return { ...acc, tests: acc.tests + extra, failures: acc.failures + extra };
  }, junitCounts(report.totals));
  const out: string[] = ['<?xml version="1.0" encoding="UTF-8"?>'];
  out.push(
    `<testsuites${attrs({
      name: 'paritykit',
      tests: counts.tests,
      failures: counts.failures,
      errors: counts.errors,
      skipped: counts.skipped,
      time: seconds(report.run.durationMs),
      timestamp: report.run.startedAt,
    })}>`,
  );
  for (const suite of report.suites) out.push(...renderSuite(suite, report));
  out.push('</testsuites>');
  return out.join('\n') + '\n';
}

/** A suite-level check that fails the run: an expired deviation, unreferenced baselines under `fail`. */
interface SuiteCheck {
  classname: string;
  name: string;
  type: 'expired-deviation' | 'unreferenced';
  message: string;
  body: string;
}

function suiteChecks(suite: SuiteReport): SuiteCheck[] {
  const checks: SuiteCheck[] = (suite.deviations ?? [])
    .filter((d) => d.status === 'expired')
    .map((d) => ({
      classname: `paritykit.${suite.name}.deviations`,
      name: d.id,
      type: 'expired-deviation',
      message: `deviation ${d.id} expired${d.expires === undefined ? '' : ` after ${d.expires}`}; fix the difference or renew the deviation`,
      body: deviationText(d),
    }));
  const u = suite.unreferenced;
  if (u !== undefined && u.policy === 'fail' && u.ids.length > 0) {
    checks.push({
      classname: `paritykit.${suite.name}`,
      name: 'unreferenced baselines',
      type: 'unreferenced',
      message: `${u.ids.length} baseline${u.ids.length === 1 ? '' : 's'} with no scenario in the config (policy fail)`,
      body: u.ids.join('\n'),
    });
  }
  return checks;
}

function deviationText(d: DeviationReport): string {
  const lines = [`${d.id} (${d.status}) · ${deviationPlace(d)}`, `reason: ${d.reason}`];
  if (d.ticket !== undefined) lines.push(`ticket: ${d.ticket}`);
  if (d.owner !== undefined) lines.push(`owner: ${d.owner}`);
  if (d.expires !== undefined) lines.push(`expires: ${d.expires}`);
  lines.push(`covered: ${d.covered.length === 0 ? 'nothing in this run' : d.covered.join(', ')}`);
  return lines.join('\n');
}

/** The suite's `<system-out>`: what was accepted, ignored or left over, for the record. */
function suiteNotes(suite: SuiteReport): string {
  const parts: string[] = [];
  const deviations = suite.deviations ?? [];
  if (deviations.length > 0) {
    const counts = { active: 0, obsolete: 0, expired: 0 };
    for (const d of deviations) counts[d.status] += 1;
    parts.push(`Known deviations: ${deviationCountsText(counts)}`);
    for (const d of deviations.filter((x) => x.status === 'obsolete')) parts.push(`obsolete (matched nothing; remove it): ${deviationText(d)}`);
  }
  const noise = suite.scenarios.flatMap((s) => (s.noise ?? []).map((rule) => `${s.id}: ${noiseChannelLabel(rule)} ${noiseLocationLabel(rule.where)}`));
  if (noise.length > 0) parts.push(`Learned noise ignored (${noise.length}):\n${noise.slice(0, 200).join('\n')}${noise.length > 200 ? `\n… ${noise.length - 200} more in report.json` : ''}`);
  const nondeterministic = suite.scenarios.filter((s) => s.nondeterministic !== undefined);
  if (nondeterministic.length > 0) {
    parts.push(`Legacy non-deterministic (add a normalizer):\n${nondeterministic.map((s) => `${s.id}: ${s.nondeterministic}`).join('\n')}`);
  }
  const u = suite.unreferenced;
  if (u !== undefined && u.ids.length > 0 && u.policy !== 'fail') {
    parts.push(`Unreferenced baselines (policy ${u.policy}: ${unreferencedNote(u.policy)}):\n${u.ids.join('\n')}`);
  }
  return parts.join('\n\n');
}

/** JUnit's four counters from paritykit totals (see {@link renderJUnit}). */
export function junitCounts(totals: Totals): { tests: number; failures: number; errors: number; skipped: number } {
  return {
    tests: totals.scenarios,
    failures: totals.diff + totals.flaky,
    errors: totals.error + totals.missing,
    skipped: totals.new,
  };
}

function renderSuite(suite: SuiteReport, report: ParityReport): string[] {
  const checks = suiteChecks(suite);
  const base = junitCounts(suite.totals);
  const counts = { ...base, tests: base.tests + checks.length, failures: base.failures + checks.length };
  const time = suite.scenarios.reduce((sum, s) => sum + s.durationMs, 0);
  const out: string[] = [
    `  <testsuite${attrs({
      name: suite.name,
      tests: counts.tests,
      failures: counts.failures,
      errors: counts.errors,
      skipped: counts.skipped,
      time: seconds(time),
      timestamp: report.run.startedAt,
    })}>`,
  ];
  const properties: [string, string | null][] = [
    ['parity', String(suite.parity)],
    ['baseline.dir', suite.baseline.dir],
    ['baseline.revision', suite.baseline.revision],
    ['baseline.recordedAt', suite.baseline.recordedAt],
    ['legacy.command', suite.legacy === null ? null : formatCommand(suite.legacy.command)],
    ['legacy.version', suite.legacy?.version ?? null],
    ['legacy.gitCommit', suite.legacy?.gitCommit ?? null],
    ['candidate.command', formatCommand(suite.candidate.command)],
    ['candidate.version', suite.candidate.version],
    ['candidate.gitCommit', suite.candidate.gitCommit],
    ['run.gitCommit', report.run.gitCommit],
    ['run.config', report.run.config],
  ];
  out.push('    <properties>');
  for (const [name, value] of properties) {
    if (value !== null) out.push(`      <property${attrs({ name, value })}/>`);
  }
  out.push('    </properties>');
  for (const scenario of suite.scenarios) out.push(...renderCase(suite, scenario));
  for (const check of checks) {
    out.push(
      `    <testcase${attrs({ classname: check.classname, name: check.name, time: seconds(0) })}>`,
      `      <failure${attrs({ message: check.message, type: check.type })}>${text(check.body)}</failure>`,
      '    </testcase>',
    );
  }
  const notes = suiteNotes(suite);
  if (notes !== '') out.push(`    <system-out>${text(notes)}</system-out>`);
  out.push('  </testsuite>');
  return out;
}

function renderCase(suite: SuiteReport, scenario: ScenarioReport): string[] {
  const open = `    <testcase${attrs({ classname: `paritykit.${suite.name}`, name: scenario.id, time: seconds(scenario.durationMs) })}`;
  const outcome = outcomeOf(scenario.verdict);
  if (outcome === null && scenario.verdict === 'pass') return [`${open}/>`];
  const out = [`${open}>`];
  const message = scenarioSummary(scenario);
  if (outcome !== null) {
    const body = caseBody(scenario);
    const attributes = attrs({ message, type: scenario.verdict });
    out.push(body === '' ? `      <${outcome}${attributes}/>` : `      <${outcome}${attributes}>${text(body)}</${outcome}>`);
  }
  if (scenario.verdict === 'accepted') {
    const accepted = acceptedChannels(scenario).map((r) => `== ${channelLabel(r)}: ${r.difference!.summary} (${acceptedBy(r)})\n${clipBody(r.difference!.unified)}`);
    out.push(`      <system-out>${text(['accepted: differences match reviewed deviations.', ...accepted].join('\n\n'))}</system-out>`);
  }
  out.push('    </testcase>');
  return out;
}

function outcomeOf(verdict: Verdict): 'failure' | 'error' | 'skipped' | null {
  switch (verdict) {
    case 'diff':
    case 'flaky':
      return 'failure';
    case 'error':
    case 'missing':
      return 'error';
    case 'new':
      return 'skipped';
    case 'pass':
    case 'accepted':
      return null;
  }
}

/** The body of a failure/error: the error text, then each differing channel's unified diff. */
function caseBody(scenario: ScenarioReport): string {
  if (scenario.verdict === 'new') return '';
  const parts: string[] = [];
  if (scenario.error !== undefined && scenario.error !== '') parts.push(scenario.error);
  if (scenario.flaky !== undefined) {
    parts.push(`varied between the candidate's ${scenario.flaky.reruns + 1} runs:\n${scenario.flaky.varying.join('\n')}`);
  }
  for (const result of differingChannels(scenario)) {
    parts.push(`== ${channelLabel(result)}: ${result.difference!.summary}\n${clipBody(result.difference!.unified)}`);
  }
  return parts.join('\n\n');
}

function clipBody(unified: string): string {
  if (unified.length <= MAX_BODY_CHARS) return unified;
  return `${unified.slice(0, MAX_BODY_CHARS)}\n… (${unified.length - MAX_BODY_CHARS} more characters; see report.json)`;
}

/** ms → seconds with 3 decimals, as JUnit's `time` attributes expect. */
function seconds(ms: number): string {
  return (Math.max(0, ms) / 1000).toFixed(3);
}

function attrs(values: Record<string, string | number>): string {
  return Object.entries(values)
    .map(([name, value]) => ` ${name}="${attribute(String(value))}"`)
    .join('');
}

// XML 1.0 Char production (https://www.w3.org/TR/xml/#charsets): #x9 | #xA | #xD |
// [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF]. With the `u` flag a lone surrogate is
// one code point outside these ranges, so it is matched too.
const ILLEGAL_XML = /[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/gu;

/** Replaces characters XML 1.0 forbids with U+FFFD. */
export function legalXmlChars(value: string): string {
  return value.replace(ILLEGAL_XML, '\ufffd');
}

/** Escapes character data (element content). `>` is escaped too, so `]]>` cannot appear. */
function text(value: string): string {
  return legalXmlChars(value).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Escapes an attribute value; tab/LF/CR become character references so they survive
 * attribute-value normalization (XML 1.0 §3.3.3). */
function attribute(value: string): string {
  return text(value)
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;')
    .replace(/\t/g, '&#9;')
    .replace(/\n/g, '&#10;')
    .replace(/\r/g, '&#13;');
}
