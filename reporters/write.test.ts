import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ParityError } from '../harness/errors.ts';
import { sampleReport } from './fixtures.ts';
import { renderHtml } from './html.ts';
import { renderJson } from './json.ts';
import { renderJUnit } from './junit.ts';
import { renderMarkdown } from './markdown.ts';
import { readReport, writeFileAtomic, writeReports } from './write.ts';

let tmp: string;
beforeEach(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'paritykit-write-'));
});
afterEach(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe('writeReports', () => {
  it('writes the four files into a new folder, exactly as rendered, with no temp files left', async () => {
    const report = sampleReport();
    const dir = path.join(tmp, 'nested', 'parity-report');
    const { files } = await writeReports(report, dir);
    expect(files).toEqual(['report.json', 'junit.xml', 'summary.md', 'index.html'].map((f) => path.join(dir, f)));
    expect((await readdir(dir)).sort()).toEqual(['index.html', 'junit.xml', 'report.json', 'summary.md']);
    expect(await readFile(path.join(dir, 'report.json'), 'utf8')).toBe(renderJson(report));
    expect(await readFile(path.join(dir, 'junit.xml'), 'utf8')).toBe(renderJUnit(report));
    expect(await readFile(path.join(dir, 'summary.md'), 'utf8')).toBe(renderMarkdown(report));
    expect(await readFile(path.join(dir, 'index.html'), 'utf8')).toBe(renderHtml(report));
  });

  it('replaces existing files', async () => {
    await writeFile(path.join(tmp, 'report.json'), 'old content that is longer than nothing');
    await writeReports(sampleReport(), tmp);
    expect(await readReport(tmp)).toEqual(sampleReport());
  });

  it('redacts secrets in every file, even where a format escapes them', async () => {
    const secret = `s3cr&t"<tok'en>`;
    const report = sampleReport();
    const scenario = report.suites[0]!.scenarios[3]!; // report-monthly-json
    scenario.error = `token ${secret} rejected`;
    const diff = scenario.channels.find((c) => c.difference?.kind === 'json')!.difference!;
    if (diff.kind !== 'json') throw new Error('fixture changed');
    diff.changes.push({ path: `$.auth`, kind: 'changed', legacy: { [secret]: secret }, candidate: [secret] });
    diff.unified += `\n~ $.auth: "${secret}" → "x"`;
    report.suites[0]!.legacy!.command.push(`--token=${secret}`);

    const { files } = await writeReports(report, tmp, { redact: (text) => text.replaceAll(secret, '[REDACTED]') });
    const forms = [
      secret,
      JSON.stringify(secret).slice(1, -1), // as inside a JSON string
      secret.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;'),
      's3cr', // any fragment at all
    ];
    for (const file of files) {
      const text = await readFile(file, 'utf8');
      for (const form of forms) expect(text, `${path.basename(file)} contains ${form}`).not.toContain(form);
      expect(text, path.basename(file)).toContain('[REDACTED]');
    }
    const back = await readReport(tmp);
    expect(back.suites[0]!.scenarios[3]!.error).toBe('token [REDACTED] rejected');
  });

  it('passes each rendered file through redact as well', async () => {
    const { files } = await writeReports(sampleReport(), tmp, { redact: (text) => text.replaceAll('ledger.py', '[file]') });
    for (const file of files) expect(await readFile(file, 'utf8')).not.toContain('ledger.py');
  });

  it('leaves no partial or temporary file when a write fails', async () => {
    await mkdir(path.join(tmp, 'index.html')); // renaming a file over a directory fails
    await expect(writeReports(sampleReport(), tmp)).rejects.toThrow(/EISDIR|ENOTEMPTY|EEXIST|EPERM/);
    const names = await readdir(tmp);
    expect(names.filter((n) => n.endsWith('.tmp'))).toEqual([]);
    expect(names.sort()).toEqual(['index.html', 'junit.xml', 'report.json', 'summary.md']);
    await expect(writeFileAtomic(path.join(tmp, 'missing-dir', 'x.json'), '{}')).rejects.toThrow(/ENOENT/);
  });
});

describe('readReport', () => {
  it('reads a report folder or the file itself', async () => {
    await writeReports(sampleReport(), tmp);
    expect(await readReport(tmp)).toEqual(sampleReport());
    expect(await readReport(path.join(tmp, 'report.json'))).toEqual(sampleReport());
  });

  it('says to run verify when there is no report', async () => {
    const error = await readReport(path.join(tmp, 'parity-report')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ParityError);
    expect((error as ParityError).code).toBe('USAGE');
    expect((error as ParityError).message).toBe(
      `${path.join(tmp, 'parity-report')}: no report found; run paritykit verify first (it writes report.json into the report folder), or pass the folder or file it wrote`,
    );
    const inEmptyDir = await readReport(tmp).catch((e: unknown) => e);
    expect((inEmptyDir as ParityError).message).toContain(`${path.join(tmp, 'report.json')}: no report found`);
  });

  it('names the file when it is not a report', async () => {
    await writeFile(path.join(tmp, 'report.json'), '{"formatVersion": 2}');
    const error = await readReport(tmp).catch((e: unknown) => e);
    expect((error as ParityError).code).toBe('USAGE');
    expect((error as ParityError).message).toContain(`${path.join(tmp, 'report.json')}: formatVersion 2 is not supported (supports 1)`);
  });
});
