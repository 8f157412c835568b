/**
 * `report.json`: the ParityReport as JSON, and the reader that validates it back (for
 * `paritykit report`, which re-renders the other outputs without re-running verify).
 * The format is documented in docs/report-format.md.
 */
import * as z from 'zod';
import { ParityError } from '../harness/errors.ts';
import type { ParityReport } from './model.ts';

/** The only report format version this paritykit reads and writes. */
export const REPORT_FORMAT_VERSION = 1;

/**
 * Renders the report as pretty JSON: `JSON.stringify(report, null, 2)` plus a final newline.
 * Keys keep the model's order, so two runs diff cleanly.
 */
export function renderJson(report: ParityReport): string {
  return JSON.stringify(report, null, 2) + '\n';
}

// The schema mirrors reporters/model.ts and the Difference types of harness/model.ts. Objects
// are loose (unknown keys are kept) so a report written by a newer paritykit with added
// fields still re-renders; anything the renderers rely on is checked.
const count = z.number().int().nonnegative();
const nonNegative = z.number().nonnegative();
const channel = z.enum(['stdout', 'stderr', 'exit', 'files', 'http', 'timing']);
const verdict = z.enum(['pass', 'diff', 'accepted', 'flaky', 'error', 'missing', 'new']);
const format = z.enum(['json', 'csv', 'yaml', 'xml', 'text', 'binary', 'image']);

const textHunk = z.looseObject({
  oldStart: count,
  oldLines: count,
  newStart: count,
  newLines: count,
  lines: z.array(z.string()),
});
const jsonChange = z.looseObject({
  path: z.string(),
  kind: z.enum(['changed', 'added', 'removed', 'type']),
  legacy: z.unknown().optional(),
  candidate: z.unknown().optional(),
});
const csvChange = z.looseObject({
  row: z.string(),
  column: z.string().optional(),
  kind: z.enum(['changed', 'added', 'removed', 'header', 'order']),
  legacy: z.string().optional(),
  candidate: z.string().optional(),
});
const blobIdentity = z.looseObject({ size: count, sha256: z.string() });
const difference = z.discriminatedUnion('kind', [
  z.looseObject({ kind: z.literal('text'), summary: z.string(), unified: z.string(), hunks: z.array(textHunk), truncated: z.boolean() }),
  z.looseObject({ kind: z.literal('json'), summary: z.string(), unified: z.string(), changes: z.array(jsonChange) }),
  z.looseObject({ kind: z.literal('csv'), summary: z.string(), unified: z.string(), changes: z.array(csvChange) }),
  z.looseObject({ kind: z.literal('binary'), summary: z.string(), unified: z.string(), legacy: blobIdentity, candidate: blobIdentity }),
  // `legacy`/`candidate` of a value difference may be `undefined`, which JSON drops; the
  // transform restores the keys the model declares.
  z
    .looseObject({ kind: z.literal('value'), summary: z.string(), unified: z.string(), legacy: z.unknown().optional(), candidate: z.unknown().optional() })
    .transform((d) => ({ ...d, legacy: d.legacy as unknown, candidate: d.candidate as unknown })),
]);
const headerList = z.array(z.tuple([z.string(), z.string()]));
const exchangeResponse = z.looseObject({ status: count, statusText: z.string(), headers: headerList, body: z.string().optional() });
const exchange = z.looseObject({
  request: z.looseObject({ method: z.string(), url: z.string(), headers: headerList, body: z.string().optional() }),
  legacy: exchangeResponse.optional(),
  candidate: exchangeResponse.optional(),
});
const channelResult = z.looseObject({
  channel,
  path: z.string().optional(),
  format: format.optional(),
  verdict: z.enum(['pass', 'diff', 'accepted']),
  difference: difference.optional(),
  deviations: z.array(z.string()).optional(),
  exchange: exchange.optional(),
});
const noiseLocation = z.discriminatedUnion('kind', [
  z.looseObject({ kind: z.literal('json'), path: z.string(), unordered: z.boolean().optional() }),
  z.looseObject({ kind: z.literal('csv'), row: count, column: z.string() }),
  z.looseObject({ kind: z.literal('text'), line: count.optional(), pattern: z.string().optional(), unordered: z.boolean().optional() }),
]);
const noiseRule = z.looseObject({
  channel: z.enum(['stdout', 'stderr', 'files', 'http']),
  path: z.string().optional(),
  where: noiseLocation,
  values: z.array(z.string()),
});
const deviationReport = z.looseObject({
  id: z.string(),
  reason: z.string(),
  ticket: z.string().optional(),
  owner: z.string().optional(),
  expires: z.string().optional(),
  channel: z.string(),
  where: z.string().optional(),
  covered: z.array(z.string()),
  status: z.enum(['active', 'obsolete', 'expired']),
});
const timing = z.looseObject({ durationMs: nonNegative, peakRssBytes: count.nullable() });
const totals = z.looseObject({
  scenarios: count, pass: count, diff: count, accepted: count, flaky: count, error: count, missing: count, new: count,
});
const parity = z.number().min(0).max(1);
const targetIdentity = z.looseObject({
  command: z.array(z.string()),
  version: z.string().nullable(),
  gitCommit: z.string().nullable(),
});
const channelTotals = z.looseObject({ compared: count, pass: count, diff: count, parity });
const scenarioReport = z.looseObject({
  id: z.string(),
  tags: z.array(z.string()),
  verdict,
  durationMs: nonNegative,
  channels: z.array(channelResult),
  error: z.string().optional(),
  timing: z.looseObject({ legacy: timing.optional(), candidate: timing.optional() }).optional(),
  noise: z.array(noiseRule).optional(),
  nondeterministic: z.string().optional(),
  flaky: z.looseObject({ reruns: count, varying: z.array(z.string()) }).optional(),
});
const suiteReport = z.looseObject({
  name: z.string(),
  baseline: z.looseObject({ revision: z.string().nullable(), recordedAt: z.string().nullable(), dir: z.string() }),
  legacy: targetIdentity.nullable(),
  candidate: targetIdentity,
  totals,
  parity,
  channels: z.partialRecord(channel, channelTotals),
  scenarios: z.array(scenarioReport),
  deviations: z.array(deviationReport).optional(),
  unreferenced: z.looseObject({ ids: z.array(z.string()), policy: z.enum(['warn', 'fail', 'delete']) }).optional(),
});
const parityReport = z.looseObject({
  formatVersion: z.literal(REPORT_FORMAT_VERSION),
  tool: z.looseObject({ name: z.literal('paritykit'), version: z.string() }),
  run: z.looseObject({
    startedAt: z.string(),
    durationMs: nonNegative,
    gitCommit: z.string().nullable(),
    config: z.string(),
    ci: z.boolean(),
  }),
  totals,
  parity,
  suites: z.array(suiteReport),
});

// Compile-time check that the schema's output is a ParityReport: if the model changes and the
// schema does not, this line stops type-checking.
const schemaMatchesModel: (parsed: z.infer<typeof parityReport>) => ParityReport = (parsed) => parsed;
void schemaMatchesModel;

const REGENERATE = 're-run paritykit verify to write a new one';

/**
 * Parses and validates the text of a `report.json`.
 *
 * @param text - the file's content.
 * @param file - the file's path as the user should see it; used in error messages only.
 * @returns the report (unknown extra fields are kept).
 * @throws ParityError `USAGE` when the text is not JSON, its `formatVersion` is not
 *   {@link REPORT_FORMAT_VERSION}, or a field has the wrong shape; the message names the file,
 *   the field path (`suites[0].scenarios[3].verdict`) and the fix.
 */
export function parseReport(text: string, file: string): ParityReport {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ParityError('USAGE', `${file}: not valid JSON (${reason}); ${REGENERATE}`, { file, cause: error });
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new ParityError('USAGE', `${file}: expected a JSON object (a paritykit report.json); ${REGENERATE}`, { file });
  }
  const version = (data as { formatVersion?: unknown }).formatVersion;
  if (version !== REPORT_FORMAT_VERSION) {
    const shown = version === undefined ? 'is missing' : `${JSON.stringify(version)} is not supported`;
    throw new ParityError(
      'USAGE',
      `${file}: formatVersion ${shown} (supports ${REPORT_FORMAT_VERSION}); ${REGENERATE}` +
        (typeof version === 'number' && version > REPORT_FORMAT_VERSION ? ' or upgrade paritykit' : ''),
      { file },
    );
  }
  const result = parityReport.safeParse(data);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const more = result.error.issues.length > 1 ? ` (and ${result.error.issues.length - 1} more problems)` : '';
    throw new ParityError(
      'USAGE',
      `${file}: ${formatPath(issue.path)} ${describeIssue(issue)}${more}; ${REGENERATE}`,
      { file },
    );
  }
  return result.data;
}

/** `['suites', 0, 'scenarios', 3, 'id']` → `suites[0].scenarios[3].id`; `[]` → `(top level)`. */
function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else if (typeof key === 'string' && /^[A-Za-z_$][\w$]*$/.test(key)) out += out === '' ? key : `.${key}`;
    else out += `[${JSON.stringify(String(key))}]`;
  }
  return out === '' ? '(top level)' : out;
}

/** Zod's issue message without its generic prefix: `is invalid: expected number, received string`. */
function describeIssue(issue: z.core.$ZodIssue): string {
  const message = issue.message.replace(/^(Invalid input|Invalid option|Too big|Too small|Invalid discriminator value)[.:]?\s*/i, '');
  return `is invalid: ${message.charAt(0).toLowerCase()}${message.slice(1)}`;
}
