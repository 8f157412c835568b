import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { diffSnapshots, snapshotDir } from './files.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'paritykit-files-test-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const sha256 = (data: Buffer | string): string => createHash('sha256').update(data).digest('hex');

describe('snapshotDir', () => {
  it('records every file under the directory by relative path with / separators', async () => {
    await mkdir(join(dir, 'a', 'b'), { recursive: true });
    await mkdir(join(dir, 'empty'));
    await writeFile(join(dir, 'top.txt'), 'top');
    await writeFile(join(dir, 'a', 'b', 'deep.json'), '{}');
    const snap = await snapshotDir(dir);
    expect([...snap.keys()].sort()).toEqual(['a/b/deep.json', 'top.txt']);
    expect(snap.get('top.txt')).toMatchObject({ kind: 'file', size: 3, sha256: sha256('top') });
    expect(snap.get('top.txt')!.mtimeMs).toBeGreaterThan(0);
  });

  it('records a symlink by its target string without following it', async () => {
    await mkdir(join(dir, 'real'));
    await writeFile(join(dir, 'real', 'f'), 'content');
    await symlink('real', join(dir, 'link-to-dir'));
    await symlink('does/not/exist', join(dir, 'dangling'));
    const snap = await snapshotDir(dir);
    expect([...snap.keys()].sort()).toEqual(['dangling', 'link-to-dir', 'real/f']);
    expect(snap.get('dangling')).toMatchObject({ kind: 'symlink', size: 'does/not/exist'.length });
    expect(snap.get('link-to-dir')!.sha256).not.toBe(sha256('real'));
  });

  it('records a FIFO without opening it (opening would block)', async () => {
    const made = spawnSync('mkfifo', [join(dir, 'pipe')]);
    if (made.status !== 0) return; // no mkfifo on this machine
    const snap = await snapshotDir(dir);
    expect(snap.get('pipe')).toMatchObject({ kind: 'other', size: 0 });
  });

  it('hashes a large file as a stream with the same result', async () => {
    const big = Buffer.alloc(3 * 1024 * 1024 + 17, 7);
    await writeFile(join(dir, 'big.bin'), big);
    const snap = await snapshotDir(dir);
    expect(snap.get('big.bin')).toMatchObject({ size: big.length, sha256: sha256(big) });
  });
});

describe('diffSnapshots', () => {
  it('reports created, modified and deleted files with content and format, sorted by path', async () => {
    await writeFile(join(dir, 'keep.txt'), 'keep');
    await writeFile(join(dir, 'edit.csv'), 'a,b\n');
    await writeFile(join(dir, 'gone.json'), '{}');
    const before = await snapshotDir(dir);

    await writeFile(join(dir, 'edit.csv'), 'a,b\n1,2\n');
    await unlink(join(dir, 'gone.json'));
    await mkdir(join(dir, 'out'));
    await writeFile(join(dir, 'out', 'result.json'), '{"total":3}');
    await writeFile(join(dir, 'blob'), Buffer.from([0xff, 0x00, 0x01]));
    const after = await snapshotDir(dir);

    const diff = await diffSnapshots(before, after, dir);
    expect(diff.map((f) => [f.path, f.change, f.format])).toEqual([
      ['blob', 'created', 'binary'],
      ['edit.csv', 'modified', 'csv'],
      ['gone.json', 'deleted', 'json'],
      ['out/result.json', 'created', 'json'],
    ]);
    expect(diff[0].content).toEqual(Buffer.from([0xff, 0x00, 0x01]));
    expect(diff[1].content!.toString()).toBe('a,b\n1,2\n');
    expect(diff[2].content).toBeNull();
    expect(diff[3].content!.toString()).toBe('{"total":3}');
  });

  it('does not report a file rewritten with identical bytes', async () => {
    await writeFile(join(dir, 'same.txt'), 'same');
    const before = await snapshotDir(dir);
    await new Promise((r) => setTimeout(r, 20));
    await writeFile(join(dir, 'same.txt'), 'same');
    expect(await diffSnapshots(before, await snapshotDir(dir), dir)).toEqual([]);
  });

  it('reports a created symlink with its target string as content', async () => {
    const before = await snapshotDir(dir);
    await symlink('../elsewhere/config.yaml', join(dir, 'cfg'));
    const diff = await diffSnapshots(before, await snapshotDir(dir), dir);
    expect(diff).toHaveLength(1);
    expect(diff[0]).toMatchObject({ path: 'cfg', change: 'created', format: 'text' });
    expect(diff[0].content!.toString()).toBe('../elsewhere/config.yaml');
  });

  it('reports a file replaced by a symlink with the same text as modified', async () => {
    await writeFile(join(dir, 'x'), 'target');
    const before = await snapshotDir(dir);
    await unlink(join(dir, 'x'));
    await symlink('target', join(dir, 'x'));
    const diff = await diffSnapshots(before, await snapshotDir(dir), dir);
    expect(diff.map((f) => [f.path, f.change])).toEqual([['x', 'modified']]);
  });
});
