// `npm run demo`: record both examples' legacy tools, verify their rewrites, publish the
// report. Runs the real CLI as a user would (bin/paritykit.js), so what you see is the product.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = path.join(root, 'bin', 'paritykit.js');
const config = path.join('examples', 'paritykit.config.ts');

function paritykit(...args: string[]): number {
  process.stdout.write(`\n$ paritykit ${args.join(' ')}\n`);
  const r = spawnSync(process.execPath, [bin, ...args], { stdio: 'inherit', cwd: root });
  return r.status ?? 1;
}

const recorded = paritykit('record', '--config', config);
if (recorded !== 0) process.exit(recorded);
const verified = paritykit('verify', '--config', config);
// verify exits 1 when the candidates differ, which is the point of the demo: the rewrites
// have real and deliberate differences. Anything else (2: config/baseline error) is a failure.
if (verified !== 0 && verified !== 1) process.exit(verified);
process.stdout.write(`\nDemo done. Open ${path.join(root, 'parity-report', 'index.html')} in a browser.\n`);
