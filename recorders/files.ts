/**
 * The `files` channel: which files a run created, modified or deleted in its working
 * directory. A snapshot is taken before the run and after it; the difference, with the new
 * content of each created or modified file, is the observation (TextTest's "catalogue of
 * files a run created", DESIGN.md).
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, readdir, readFile, readlink } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import type { FileObservation } from '../harness/model.ts';
import { detectFormat } from './format.ts';

/** What a snapshot knows about one entry of the directory tree. */
export interface FileSnapshotEntry {
  /** `file` (regular file), `symlink`, or `other` (FIFO, socket, device: never opened). */
  kind: 'file' | 'symlink' | 'other';
  /** Bytes: file size, or the UTF-8 length of a symlink's target string; 0 for `other`. */
  size: number;
  /** Last modification time (ms since the epoch). Recorded, not used to decide a change. */
  mtimeMs: number;
  /**
   * Hex SHA-256 of the content. For a symlink: of `symlink:` + target string; for `other`:
   * of `other:` + the kind, so that replacing a file by a link of the same text is a change.
   */
  sha256: string;
}

/** A directory snapshot: relative path (with `/` separators) → entry. */
export type DirSnapshot = Map<string, FileSnapshotEntry>;

/** Files above this size are hashed as a stream instead of being read whole (bytes). */
const STREAM_HASH_ABOVE_BYTES = 1024 * 1024;
/** How many entries are stat'ed and hashed at once; bounds open file descriptors. */
const HASH_CONCURRENCY = 32;

/**
 * Snapshots every file under `dir`, recursively.
 *
 * - Regular files are hashed (SHA-256 of the bytes).
 * - Symlinks are not followed: a link is recorded by its target string (a link to a
 *   directory is one entry, its target is not walked).
 * - FIFOs, sockets and devices are recorded by kind only; they are never opened (opening a
 *   FIFO would block).
 * - Directories themselves are not entries (an empty directory is not observed); their
 *   contents are.
 *
 * Entries that vanish while the snapshot is taken are left out.
 *
 * @param dir Absolute path of the directory.
 * @returns Map from path relative to `dir` (always `/` separators) to its entry.
 * @throws The underlying `fs` error (e.g. `ENOENT`) when `dir` itself cannot be read.
 */
export async function snapshotDir(dir: string): Promise<DirSnapshot> {
  const dirents = await readdir(dir, { recursive: true, withFileTypes: true });
  const candidates = dirents.filter((d) => !d.isDirectory()).map((d) => join(d.parentPath, d.name));
  const snapshot: DirSnapshot = new Map();
  for (let i = 0; i < candidates.length; i += HASH_CONCURRENCY) {
    const batch = candidates.slice(i, i + HASH_CONCURRENCY);
    const entries = await Promise.all(batch.map((abs) => snapshotEntry(abs)));
    batch.forEach((abs, j) => {
      const entry = entries[j];
      if (entry !== null) snapshot.set(toRelativePath(dir, abs), entry);
    });
  }
  return snapshot;
}

/**
 * Compares two snapshots of `dir` and reads what changed.
 *
 * An entry is `created` when only `after` has it, `deleted` when only `before` has it and
 * `modified` when both have it with a different hash. A file rewritten with identical bytes
 * is not a change (its mtime is ignored: mtimes differ between any two runs).
 *
 * Content: the current bytes for `created`/`modified` files (a symlink's target string as
 * UTF-8; empty for FIFOs, sockets, devices), `null` for `deleted`. Format: {@link detectFormat}
 * on the path and content; for a deleted file, from the path alone (its content is gone).
 *
 * @param before Snapshot taken before the run.
 * @param after Snapshot taken after the run (nothing may write to `dir` any more).
 * @param dir The directory both snapshots are of; content is read from it.
 * @returns Observations sorted by path (code-unit order, as `Array.prototype.sort`).
 * @throws The underlying `fs` error when a changed file cannot be read.
 */
export async function diffSnapshots(
  before: DirSnapshot,
  after: DirSnapshot,
  dir: string,
): Promise<FileObservation[]> {
  const changes: Array<{ path: string; change: FileObservation['change']; entry: FileSnapshotEntry }> = [];
  for (const [path, entry] of after) {
    const old = before.get(path);
    if (old === undefined) changes.push({ path, change: 'created', entry });
    else if (old.sha256 !== entry.sha256) changes.push({ path, change: 'modified', entry });
  }
  for (const [path, entry] of before) {
    if (!after.has(path)) changes.push({ path, change: 'deleted', entry });
  }
  changes.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return Promise.all(
    changes.map(async ({ path, change, entry }): Promise<FileObservation> => {
      if (change === 'deleted') {
        return { path, change, format: detectFormat(path, Buffer.alloc(0)), content: null };
      }
      const content = await readEntryContent(join(dir, ...path.split('/')), entry.kind);
      return { path, change, format: detectFormat(path, content), content };
    }),
  );
}

async function snapshotEntry(abs: string): Promise<FileSnapshotEntry | null> {
  try {
    const st = await lstat(abs);
    if (st.isSymbolicLink()) {
      const target = await readlink(abs);
      return {
        kind: 'symlink',
        size: Buffer.byteLength(target),
        mtimeMs: st.mtimeMs,
        sha256: sha256Hex(`symlink:${target}`),
      };
    }
    if (st.isFile()) {
      const sha256 = st.size > STREAM_HASH_ABOVE_BYTES ? await hashStream(abs) : sha256Hex(await readFile(abs));
      return { kind: 'file', size: st.size, mtimeMs: st.mtimeMs, sha256 };
    }
    if (st.isDirectory()) return null;
    return { kind: 'other', size: 0, mtimeMs: st.mtimeMs, sha256: sha256Hex(`other:${specialKind(st)}`) };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

async function readEntryContent(abs: string, kind: FileSnapshotEntry['kind']): Promise<Buffer> {
  if (kind === 'symlink') return Buffer.from(await readlink(abs), 'utf8');
  if (kind === 'other') return Buffer.alloc(0);
  return readFile(abs);
}

function specialKind(st: { isFIFO(): boolean; isSocket(): boolean; isCharacterDevice(): boolean }): string {
  if (st.isFIFO()) return 'fifo';
  if (st.isSocket()) return 'socket';
  if (st.isCharacterDevice()) return 'char-device';
  return 'block-device';
}

function sha256Hex(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

async function hashStream(abs: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(abs)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

function toRelativePath(dir: string, abs: string): string {
  const rel = relative(dir, abs);
  return sep === '/' ? rel : rel.split(sep).join('/');
}
