// The package as users get it: `npm pack`, install the tarball into an empty project, then
// `import { defineConfig } from 'paritykit'` type-checks and `npx paritykit --help` runs.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const work = mkdtempSync(path.join(os.tmpdir(), 'paritykit-pack-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

// npm scripts and npx must see the pinned Node first on PATH, as under `npm test`.
const env = { ...process.env, PATH: `${path.dirname(process.execPath)}:${process.env.PATH}`, npm_config_audit: 'false', npm_config_fund: 'false' };

function run(cmd: string, args: string[], cwd: string) {
  const r = spawnSync(cmd, args, { cwd, env, encoding: 'utf8', timeout: 300_000 });
  return { code: r.status, out: `${r.stdout}\n${r.stderr}` };
}

describe('npm pack', () => {
  it('installs into an empty project where the API type-checks and the bin runs', () => {
    const packed = run('npm', ['pack', '--pack-destination', work], root);
    expect(packed.code, packed.out).toBe(0);
    const tarball = readdirSync(work).find((f) => f.endsWith('.tgz'));
    expect(tarball).toBeDefined();

    const project = path.join(work, 'consumer');
    spawnSync('mkdir', ['-p', project]);
    writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', type: 'module', private: true }));
    const installed = run('npm', ['install', '--no-package-lock', path.join(work, tarball!)], project);
    expect(installed.code, installed.out).toBe(0);

    writeFileSync(
      path.join(project, 'paritykit.config.ts'),
      [
        "import { defineConfig, normalize } from 'paritykit';",
        'export default defineConfig({',
        "  suites: [{ name: 'cli', legacy: { command: ['sh', '-c', 'date -R'] }, candidate: { command: ['sh', '-c', 'sleep 1; date -R'] },",
        "    scenarios: [{ id: 'now' }], normalize: [normalize.timestamps()] }],",
        '});',
        '',
      ].join('\n'),
    );
    writeFileSync(
      path.join(project, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext', target: 'es2023', strict: true, noEmit: true, skipLibCheck: true, allowImportingTsExtensions: true, types: [] }, include: ['paritykit.config.ts'] }),
    );
    const tsc = run(path.join(root, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.json'], project);
    expect(tsc.code, tsc.out).toBe(0);

    const help = run('npx', ['paritykit', '--help'], project);
    expect(help.code, help.out).toBe(0);
    expect(help.out).toMatch(/Usage: paritykit/);

    // and the installed CLI really works end to end on this config
    const rec = run('npx', ['paritykit', 'record'], project);
    expect(rec.code, rec.out).toBe(0);
    const ver = run('npx', ['paritykit', 'verify', '--ci'], project);
    expect(ver.code, ver.out).toBe(0);
    expect(ver.out).toMatch(/100(\.0)?%/);
  });

  it('the bin runs from any working directory as node <repo>/bin/paritykit.js', () => {
    const r = spawnSync(process.execPath, [path.join(root, 'bin', 'paritykit.js'), '--version'], { cwd: os.tmpdir(), encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });
});
