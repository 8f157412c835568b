/**
 * Writing the report folder (`report.json`, `junit.xml`, `summary.md`, `index.html`) and
 * reading `report.json` back for `paritykit report`.
 *
 * Every file goes through redaction before it is written, and is written to a temporary file
 * in the same folder, flushed, then renamed over the target (rename is atomic on POSIX within
 * one file system), so a crash leaves either the old file or the new one, never half of one.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { ParityError } from '../harness/errors.ts';
import type { ParityReport } from './model.ts';
import { renderHtml } from './html.ts';
import { parseReport, renderJson } from './json.ts';
import { renderJUnit } from './junit.ts';
import { renderMarkdown } from './markdown.ts';

/** Options of {@link writeReports}. */
export interface WriteReportsOptions {
  /**
   * Redaction (`text → text`, e.g. replacing secrets with `[REDACTED]`). Applied twice: to
   * every string of the report (and the keys of JSON values from the systems under test)
   * before rendering — so a secret is caught even
   * where an output format escapes it (`a&b` is `a&amp;b` in HTML, `a\"b` in JSON) — and to
   * each rendered file before it is written.
   */
  redact?: (text: string) => string;
}

/** The files {@link writeReports} writes, in order. */
export const REPORT_FILES = ['report.json', 'junit.xml', 'summary.md', 'index.html'] as const;

/**
 * Renders the report in every format and writes the files into `dir` (created if needed),
 * each atomically (temp file, fsync, rename).
 *
 * @param dir - the report folder, e.g. `parity-report`.
 * @returns the written files' paths (`dir` joined with each name of {@link REPORT_FILES}).
 * @throws the file system's error (EACCES, ENOSPC, ENOTDIR…) when `dir` cannot be created or
 *   written; no partially written file is left behind.
 */
export async function writeReports(
  report: ParityReport,
  dir: string,
  options: WriteReportsOptions = {},
): Promise<{ files: string[] }> {
  const redact = options.redact;
  const source = redact === undefined ? report : redactDeep(report, redact);
  const rendered: Record<(typeof REPORT_FILES)[number], string> = {
    'report.json': renderJson(source),
    'junit.xml': renderJUnit(source),
    'summary.md': renderMarkdown(source),
    'index.html': renderHtml(source),
  };
  await mkdir(dir, { recursive: true });
  const files: string[] = [];
  for (const name of REPORT_FILES) {
    const target = path.join(dir, name);
    const content = redact === undefined ? rendered[name] : redact(rendered[name]);
    await writeFileAtomic(target, content);
    files.push(target);
  }
  return { files };
}

/**
 * Writes `content` (UTF-8) to `file` atomically: a uniquely named temporary file beside it,
 * flushed to disk, then renamed over `file`. The temporary file is removed on failure.
 */
export async function writeFileAtomic(file: string, content: string): Promise<void> {
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    const handle = await open(temp, 'wx');
    try {
      await handle.writeFile(content, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, file);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

/**
 * Reads and validates a `report.json`.
 *
 * @param location - a report folder (then `report.json` inside it is read) or the file itself.
 * @throws ParityError `USAGE` when nothing is there (the message says to run `paritykit
 *   verify` first), or when the file is not a valid report (see `parseReport`).
 */
export async function readReport(location: string): Promise<ParityReport> {
  let file = location;
  try {
    if ((await stat(location)).isDirectory()) file = path.join(location, 'report.json');
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if (isNotFound(error)) {
      throw new ParityError(
        'USAGE',
        `${file}: no report found; run paritykit verify first (it writes report.json into the report folder), or pass the folder or file it wrote`,
        { file, cause: error },
      );
    }
    throw error;
  }
  return parseReport(text, file);
}

function isNotFound(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/**
 * A copy of the report with every string value passed through `redact`. Object keys are
 * redacted only inside free-form data — the `legacy`/`candidate` values of JSON changes and
 * value differences, whose keys came from the systems under test; the report's own keys are
 * left alone so redaction cannot break its structure.
 */
function redactDeep<T>(value: T, redact: (text: string) => string): T {
  const visit = (v: unknown, freeForm: boolean): unknown => {
    if (typeof v === 'string') return redact(v);
    if (Array.isArray(v)) return v.map((item) => visit(item, freeForm));
    if (v !== null && typeof v === 'object') {
      const record = v as Record<string, unknown>;
      const hasUserValues = !freeForm && typeof record.kind === 'string' && record.kind !== 'binary';
      const out: Record<string, unknown> = {};
      for (const [key, inner] of Object.entries(record)) {
        const intoUserValue = freeForm || (hasUserValues && (key === 'legacy' || key === 'candidate'));
        out[freeForm ? redact(key) : key] = visit(inner, intoUserValue);
      }
      return out;
    }
    return v;
  };
  return visit(value, false) as T;
}
