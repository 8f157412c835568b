#!/usr/bin/env node
// paritykit launcher. Runs the TypeScript sources in a checkout (Node >= 22.18 strips types
// natively) and the compiled dist/ in an installed package. When the running Node is older
// (the machines here ship Node 20), it re-runs itself with the Node pinned in node_modules.
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const self = fileURLToPath(import.meta.url);
const root = path.resolve(path.dirname(self), '..');
const [major, minor] = process.versions.node.split('.').map(Number);

if (major < 22 || (major === 22 && minor < 18)) {
  const pinned = [path.join(root, 'node_modules', 'node', 'bin', 'node'), path.join(root, 'node_modules', '.bin', 'node')].find((p) => existsSync(p));
  if (!pinned) {
    process.stderr.write(`paritykit: needs Node >= 22.18 (this is ${process.version}); install a newer Node, or run \`npm install\` in ${root} to get the pinned one\n`);
    process.exit(2);
  }
  const child = spawnSync(pinned, [self, ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exit(child.status ?? (child.signal ? 128 : 1));
}

const source = path.join(root, 'harness', 'cli.ts');
const built = path.join(root, 'dist', 'harness', 'cli.js');
// In node_modules Node refuses to strip types, so an installed package always uses dist/.
const useSource = existsSync(source) && !root.split(path.sep).includes('node_modules');
const entry = useSource ? source : built;
if (!existsSync(entry)) {
  process.stderr.write(`paritykit: ${entry} is missing; run \`npm run build\` in ${root}\n`);
  process.exit(2);
}
// Ctrl-C / SIGTERM: exit through process.exit, whose hook (recorders/process.ts) kills every
// process tree a run started and removes its temp dir; an interrupted record never swaps in
// its staging folder, so the previous baseline revision stays.
// A command that handles the signal itself (record --proxy saves what it captured) has its
// own listener; then this one steps aside.
process.on('SIGINT', () => {
  if (process.listenerCount('SIGINT') === 1) process.exit(130);
});
process.on('SIGTERM', () => {
  if (process.listenerCount('SIGTERM') === 1) process.exit(143);
});
const { runCli } = await import(pathToFileURL(entry).href);
const code = await runCli(process.argv.slice(2));
process.exit(code);
