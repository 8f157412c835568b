import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { manyScenariosReport, sampleReport } from './fixtures.ts';
import { DEFAULT_MAX_ANNOTATIONS, escapeData, escapeProperty, githubAnnotations, workflowCommand, writeGithubOutput } from './github.ts';

/** Reverses GitHub's escaping (the runner's side), to check nothing is lost. */
function unescape(text: string): string {
  return text.replace(/%3A/g, ':').replace(/%2C/g, ',').replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%');
}

describe('workflow command escaping (actions/toolkit command.ts rules)', () => {
  it('escapes %, CR and LF in messages; also : and , in properties', () => {
    expect(escapeData('100% done\r\nnext')).toBe('100%25 done%0D%0Anext');
    expect(escapeProperty('a:b,c%\n')).toBe('a%3Ab%2Cc%25%0A');
    // % first: an already escaped-looking text is not double-decoded by the runner
    expect(escapeData('%0A')).toBe('%250A');
  });

  it('keeps a hostile title from adding properties or ending the command', () => {
    const line = workflowCommand('error', { file: 'x.json', title: 'a,line=99::evil\nnext' }, 'msg::x\n::error::fake');
    expect(line).toBe('::error file=x.json,title=a%2Cline=99%3A%3Aevil%0Anext::msg::x%0A::error::fake');
    expect(line.split('\n')).toHaveLength(1);
    const [, props, message] = /^::error ([^:]*)::(.*)$/.exec(line)!;
    expect(props!.split(',')).toHaveLength(2);
    expect(unescape(message!)).toBe('msg::x\n::error::fake');
  });

  it('round-trips any text', () => {
    for (const text of ['a%25b', '%%%', 'x\r\ny', 'k:v,w', '%0A literal']) {
      expect(unescape(escapeProperty(text))).toBe(text);
      expect(unescape(escapeData(text))).toBe(text);
    }
  });
});

describe('githubAnnotations', () => {
  it('annotates failing scenarios and expired deviations, pointing at the baseline file', () => {
    const report = sampleReport();
    const lines = githubAnnotations(report, { max: 100 });
    const failing = report.suites.flatMap((s) => s.scenarios.filter((x) => ['diff', 'flaky', 'error', 'missing'].includes(x.verdict)).map((x) => `${s.name} › ${x.id}`));
    const expired = report.suites.flatMap((s) => (s.deviations ?? []).filter((d) => d.status === 'expired'));
    expect(lines).toHaveLength(failing.length + expired.length);
    for (const name of failing) expect(lines.some((l) => unescape(l).includes(name))).toBe(true);
    const negative = lines.find((l) => l.includes('balance-negative'))!;
    expect(negative).toMatch(/^::error file=baselines\/ledger-cli\/scenarios\/balance-negative\.json,title=paritykit diff%3A ledger-cli › balance-negative::/);
    expect(unescape(negative.slice(negative.indexOf('::', 2) + 2))).toContain('+savings        (35.50)');
    expect(lines.every((l) => !l.includes('\n'))).toBe(true);
  });

  it('caps the number and says how many were left out', () => {
    const report = manyScenariosReport(1000); // 20 differing
    const lines = githubAnnotations(report);
    expect(lines.filter((l) => l.startsWith('::error'))).toHaveLength(DEFAULT_MAX_ANNOTATIONS);
    expect(lines.at(-1)).toBe('::notice title=paritykit::10 more failing scenarios not annotated; see the job summary or the HTML report');
  });

  it('redacts before escaping', () => {
    const lines = githubAnnotations(sampleReport(), { redact: (t) => t.replaceAll('savings', '[REDACTED]') });
    expect(lines.join('\n')).not.toContain('savings');
    expect(lines.join('\n')).toContain('[REDACTED]');
  });
});

describe('writeGithubOutput', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'paritykit-gh-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('appends the summary to $GITHUB_STEP_SUMMARY and prints annotations when GITHUB_ACTIONS=true', async () => {
    const file = path.join(dir, 'step_summary');
    await writeFile(file, '# earlier step\n');
    let out = '';
    const done = await writeGithubOutput(sampleReport(), '## parity', { stdout: { write: (t: string) => (out += t) }, env: { GITHUB_STEP_SUMMARY: file, GITHUB_ACTIONS: 'true' } });
    expect(await readFile(file, 'utf8')).toBe('# earlier step\n## parity\n');
    expect(done.summary).toBe(true);
    expect(done.annotations).toBeGreaterThan(0);
    expect(out.split('\n').filter((l) => l.startsWith('::error'))).toHaveLength(done.annotations);
  });

  it('does nothing outside GitHub Actions', async () => {
    let out = '';
    const done = await writeGithubOutput(sampleReport(), '## parity', { stdout: { write: (t: string) => (out += t) }, env: {} });
    expect(done).toEqual({ summary: false, annotations: 0 });
    expect(out).toBe('');
  });
});
