/**
 * The `tempPaths` normalizer: absolute paths into temporary directories. Every scenario runs
 * in its own fresh temp dir (`<tmpdir>/paritykit-<random>/…`), so any output that mentions
 * its working directory differs on every run, on the legacy as much as on the candidate.
 */
import os from 'node:os';
import fs from 'node:fs';

/** What a temp dir (and its first component) becomes. */
export const TEMP_PLACEHOLDER = '<tmp>';

/** macOS per-user temp and cache dirs: `/var/folders/xy/<random>/T` (and `/private/…`). */
const MACOS_FOLDERS = String.raw`(?:/private)?/var/folders/[^/\s]+/[^/\s]+/[TC]`;

/** Well-known temp roots besides the ones the environment names. */
const WELL_KNOWN_ROOTS = ['/tmp', '/var/tmp', '/private/tmp', '/private/var/tmp'];

/**
 * The temp roots of this machine: `os.tmpdir()` and its real path, `$TMPDIR`, `$TMP`,
 * `$TEMP`, and the well-known `/tmp`, `/var/tmp`, `/private/tmp`, `/private/var/tmp`.
 * Trailing separators are dropped; `/` and empty values are ignored (they would match every
 * absolute path).
 *
 * @param env Environment to read (default `process.env`).
 */
export function defaultTempRoots(env: Record<string, string | undefined> = process.env): string[] {
  const tmpdir = os.tmpdir();
  const roots = [tmpdir, ...WELL_KNOWN_ROOTS];
  const real = realTmpdir(tmpdir);
  if (real !== undefined) roots.push(real);
  for (const name of ['TMPDIR', 'TMP', 'TEMP']) {
    const value = env[name];
    if (value !== undefined) roots.push(value);
  }
  return [...new Set(roots.map(trimSeparators).filter((root) => root.length > 1 && !/^[A-Za-z]:$/.test(root)))];
}

/**
 * Replaces each absolute temp path's root and first component with `<tmp>`, keeping the rest:
 * `/tmp/paritykit-abc123/out.txt` → `<tmp>/out.txt`,
 * `/var/folders/x1/y2z/T/tmp.Q3/log` → `<tmp>/log`, `file:///tmp/a/b` → `file://<tmp>/b`.
 *
 * The first component is the directory a run created (random name); what follows is what
 * the program chose, so it stays compared. A bare root (`/tmp` alone) is left as it is. A
 * root must start a path: `/home/me/tmp/x` is not a temp path.
 *
 * @param roots Temp roots to recognise (default {@link defaultTempRoots}); the macOS
 * `/var/folders/…/T` pattern is always recognised, so baselines recorded on a Mac compare
 * with runs on Linux. A root containing `\` (Windows) also matches with `/`.
 * @example
 * replaceTempPaths('wrote /tmp/paritykit-x1/out.txt') // 'wrote <tmp>/out.txt'
 */
export function replaceTempPaths(text: string, roots: readonly string[] = defaultTempRoots()): string {
  return text.replace(tempPathPattern(roots), TEMP_PLACEHOLDER);
}

let realCache: { tmpdir: string; real: string | undefined } | undefined;

/** `realpath(os.tmpdir())` (macOS: `/var/…` → `/private/var/…`), remembered: normalizing runs
 * once per channel and file, and the answer does not change within a process. */
function realTmpdir(tmpdir: string): string | undefined {
  if (realCache?.tmpdir !== tmpdir) {
    let real: string | undefined;
    try {
      real = fs.realpathSync(tmpdir);
    } catch {
      real = undefined; // tmpdir does not exist: nothing more to learn.
    }
    realCache = { tmpdir, real };
  }
  return realCache.real;
}

let cached: { key: string; pattern: RegExp } | undefined;

function tempPathPattern(roots: readonly string[]): RegExp {
  const key = roots.join('\0');
  if (cached?.key === key) return cached.pattern;
  const alternatives = [...roots]
    .map(trimSeparators)
    .filter((root) => root.length > 1)
    .sort((a, b) => b.length - a.length)
    .map((root) => (root.includes('\\') ? escapeRegExp(root).replaceAll('\\\\', '[\\\\/]') : escapeRegExp(root)));
  alternatives.push(MACOS_FOLDERS);
  // A root starts a path: at the start of a token, or right after `file://`.
  const start = String.raw`(?:(?<=file://)|(?<![\w.~$/\\-]))`;
  const component = String.raw`[\\/][^\\/\s'"\x60<>|:;,()\[\]{}*?]+`;
  const pattern = new RegExp(`${start}(?:${alternatives.join('|')})${component}`, 'g');
  cached = { key, pattern };
  return pattern;
}

function trimSeparators(root: string): string {
  return root.replace(/[\\/]+$/, '');
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
