/**
 * Identity of a target: what was run, the version it reports, and the git commit it lives in.
 * Stored in baseline manifests (legacy) and in reports (both sides).
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { isCommandTarget, type CommandTarget, type Target } from './model.ts';
import type { TargetIdentity } from '../reporters/model.ts';

const run = promisify(execFile);

/** HEAD commit (40 hex) of the git checkout containing `dir`, or null outside git. */
export async function gitCommitOf(dir: string): Promise<string | null> {
  try {
    const { stdout } = await run('git', ['-C', dir, 'rev-parse', 'HEAD'], { timeout: 5_000 });
    const sha = stdout.trim();
    return /^[0-9a-f]{40}$/.test(sha) ? sha : null;
  } catch {
    return null;
  }
}

/**
 * Runs the target's `version` command (a string goes through `sh -c`, an array is argv) in the
 * target's `cwd` and returns its trimmed stdout (stderr when stdout is empty), at most 500
 * characters; `null` when no version command is configured. A failing version command gives
 * its error text in brackets rather than failing the run.
 */
export async function versionOf(target: Pick<CommandTarget, 'version' | 'cwd' | 'env'>): Promise<string | null> {
  if (!target.version) return null;
  const argv = typeof target.version === 'string' ? ['sh', '-c', target.version] : target.version;
  try {
    const { stdout, stderr } = await run(argv[0], argv.slice(1), { cwd: target.cwd, timeout: 15_000, env: { ...process.env, ...target.env } });
    return (stdout.trim() || stderr.trim()).slice(0, 500);
  } catch (err) {
    return `[version command failed: ${(err as Error).message.split('\n')[0]}]`;
  }
}

/** The identity of a target (runs its version command and git lookup). For a service, `command`
 * is its start command, or `['url', URL]`, or `['container', IMAGE]`. */
export async function identityOf(target: Target): Promise<TargetIdentity> {
  if (isCommandTarget(target)) {
    const [version, gitCommit] = await Promise.all([versionOf(target), gitCommitOf(target.cwd ?? process.cwd())]);
    return { command: target.command, version, gitCommit };
  }
  const cwd = 'start' in target ? target.start.cwd : undefined;
  const command = 'start' in target ? target.start.command : 'url' in target ? ['url', target.url] : ['container', target.container.image];
  const [version, gitCommit] = await Promise.all([versionOf({ version: target.version, cwd }), gitCommitOf(cwd ?? process.cwd())]);
  return { command, version, gitCommit };
}
