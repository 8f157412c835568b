/**
 * paritykit's reporters: the ParityReport model, the numbers computed from scenario lists, and
 * the renderers (terminal, JSON, JUnit XML, Markdown, HTML) with the writer of the report
 * folder. The files and `report.json` fields are documented in docs/report-format.md.
 */
export type { ChannelTotals, DeviationReport, ParityReport, ScenarioReport, SuiteReport, TargetIdentity, Totals } from './model.ts';
export {
  CHANNELS,
  VERDICTS,
  channelTotalsOf,
  emptyTotals,
  isParityVerdict,
  mergeChannelTotals,
  mergeTotals,
  parityOf,
  totalsOf,
  type ChannelTotalsMap,
} from './totals.ts';
export { renderTerminal, type TerminalOptions } from './terminal.ts';
export { REPORT_FORMAT_VERSION, parseReport, renderJson } from './json.ts';
export { renderJUnit } from './junit.ts';
export { renderMarkdown, type MarkdownOptions } from './markdown.ts';
export { renderHtml } from './html.ts';
export { REPORT_FILES, readReport, writeReports, type WriteReportsOptions } from './write.ts';
