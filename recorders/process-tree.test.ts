import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  killProcessTree,
  listChildren,
  mayHaveLiveProcesses,
  ProcessTreeSampler,
  readProcessMemory,
  readProcStat,
} from './process-tree.ts';

const hasProc = (await readProcStat(process.pid)) !== null;
const spawned: ChildProcess[] = [];

/** Spawns a detached shell (own session and group) running `script`; tracked for cleanup. */
async function startTree(script: string, env: Record<string, string> = {}): Promise<ChildProcess> {
  const child = spawn('sh', ['-c', script], { detached: true, stdio: 'ignore', env: { PATH: process.env.PATH ?? '', ...env } });
  spawned.push(child);
  await new Promise((r) => child.once('spawn', r));
  return child;
}

async function isGone(pid: number): Promise<boolean> {
  const stat = await readProcStat(pid);
  return stat === null || stat.state === 'Z' || stat.state === 'X';
}

/** Waits until `pid` has `count` children (the shell may take a moment to fork). */
async function childrenOf(pid: number, count: number): Promise<number[]> {
  for (let i = 0; i < 500; i++) {
    const children = await listChildren(pid);
    if (children.length >= count) return children;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`pid ${pid} never had ${count} children`);
}

afterEach(() => {
  for (const child of spawned.splice(0)) {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

describe.runIf(hasProc)('reading /proc', () => {
  it('reads stat fields, even when the command name has spaces and a parenthesis', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'paritykit-tree-test-'));
    try {
      const odd = join(dir, 'odd) name');
      await symlink('/bin/sleep', odd);
      const child = spawn(odd, ['5'], { detached: true, stdio: 'ignore' });
      spawned.push(child);
      await new Promise((r) => child.once('spawn', r));
      const stat = await readProcStat(child.pid!);
      expect(stat).toMatchObject({ pid: child.pid, ppid: process.pid, pgrp: child.pid, session: child.pid });
      expect(stat!.startTime).toMatch(/^\d+$/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('returns null for a pid that does not exist', async () => {
    expect(await readProcStat(2 ** 22 + 1)).toBeNull();
    expect(await readProcessMemory(2 ** 22 + 1)).toBeNull();
    expect(await listChildren(2 ** 22 + 1)).toEqual([]);
  });

  it('reads memory in bytes and lists children of a multi-threaded and a single-threaded process', async () => {
    const memory = await readProcessMemory(process.pid);
    expect(memory!.rssBytes).toBeGreaterThan(1e6);
    expect(memory!.hwmBytes).toBeGreaterThanOrEqual(memory!.rssBytes);
    expect(memory!.threads).toBeGreaterThan(1);

    const root = await startTree('sleep 30 & sleep 30 & wait');
    const children = await childrenOf(root.pid!, 2);
    expect(children).toHaveLength(2);
    expect(await listChildren(root.pid!, 1)).toEqual(children);
    expect(await listChildren(process.pid)).toContain(root.pid);
  });
});

describe.runIf(hasProc)('ProcessTreeSampler', () => {
  it('sums memory over the tree and remembers descendants with their start time', async () => {
    const root = await startTree('sleep 30 & wait');
    const [child] = await childrenOf(root.pid!, 1);
    const sampler = new ProcessTreeSampler(root.pid!, 5);
    sampler.start();
    await new Promise((r) => setTimeout(r, 50));
    await sampler.stop();
    const childStat = await readProcStat(child);
    expect(sampler.seen).toEqual([{ pid: child, startTime: childStat!.startTime }]);
    const rootMemory = await readProcessMemory(root.pid!);
    expect(sampler.peakRssBytes!).toBeGreaterThan(rootMemory!.rssBytes);
  });

  it('reports null when the process is gone before the first sample', async () => {
    const sampler = new ProcessTreeSampler(2 ** 22 + 1);
    sampler.start();
    await sampler.stop();
    expect(sampler.peakRssBytes).toBeNull();
    expect(sampler.seen).toEqual([]);
  });
});

describe.runIf(hasProc)('killProcessTree', () => {
  it('kills a tree that ignores SIGTERM, after the grace period', async () => {
    const root = await startTree(`trap '' TERM; sh -c "trap '' TERM; exec sleep 60" & sleep 60`);
    const children = await childrenOf(root.pid!, 2);
    await killProcessTree({ rootPid: root.pid!, seen: [] }, { graceMs: 50 });
    for (const pid of [root.pid!, ...children]) expect(await isGone(pid)).toBe(true);
  });

  it('finds a process that left the session by its identity or by its HOME', async () => {
    const root = await startTree('exec sleep 60');
    const byIdentity = await startTree('exec sleep 60'); // its own session: unrelated to root but for `seen`
    const byHome = await startTree('exec sleep 60', { HOME: '/nonexistent/paritykit-run-marker' });
    const identity = { pid: byIdentity.pid!, startTime: (await readProcStat(byIdentity.pid!))!.startTime };
    await killProcessTree(
      { rootPid: root.pid!, seen: [identity], homeDir: '/nonexistent/paritykit-run-marker' },
      { graceMs: 50 },
    );
    for (const pid of [root.pid!, byIdentity.pid!, byHome.pid!]) expect(await isGone(pid)).toBe(true);
  });

  it('leaves alone a pid whose start time does not match (a reused pid)', async () => {
    const root = await startTree('exec sleep 60');
    const bystander = await startTree('exec sleep 60');
    await killProcessTree({ rootPid: root.pid!, seen: [{ pid: bystander.pid!, startTime: '1' }] }, { graceMs: 50 });
    expect(await isGone(root.pid!)).toBe(true);
    expect(await isGone(bystander.pid!)).toBe(false);
  });
});

describe.runIf(hasProc)('mayHaveLiveProcesses', () => {
  it('is true while the group has members and false once it is empty', async () => {
    const root = await startTree('exec sleep 60');
    expect(await mayHaveLiveProcesses({ rootPid: root.pid!, seen: [] })).toBe(true);
    const exited = new Promise((r) => root.once('exit', r));
    process.kill(root.pid!, 'SIGKILL');
    await exited;
    expect(await mayHaveLiveProcesses({ rootPid: root.pid!, seen: [] })).toBe(false);
  });
});
