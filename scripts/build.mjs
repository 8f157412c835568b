// Compiles the TypeScript sources to dist/ (JS + .d.ts) for the published package.
// Node refuses to strip types inside node_modules, so installed copies run dist/.
import { rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
rmSync(path.join(root, 'dist'), { recursive: true, force: true });
const tsc = path.join(root, 'node_modules', '.bin', 'tsc');
const r = spawnSync(tsc, ['-p', path.join(root, 'tsconfig.json')], { stdio: 'inherit', cwd: root });
if (r.status !== 0) {
  process.stderr.write(`build: tsc failed (exit ${r.status}); fix the type errors above\n`);
  process.exit(r.status ?? 1);
}
