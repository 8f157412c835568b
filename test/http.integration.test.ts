// End-to-end tests of service suites: a real HTTP service started by paritykit on a free port,
// each scenario with a fresh PostgreSQL database (embedded) cloned from fixtures.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = path.join(root, 'bin', 'paritykit.js');
const notes = path.join(root, 'test', 'fixtures', 'notes');

function paritykit(cwd: string, ...args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', CI: '' }, timeout: 300_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function config(candidateVariant: string, extraScenarios: string[] = []) {
  const target = (variant: string) => ({
    start: { command: [process.execPath, path.join(notes, 'service.mjs')], env: { VARIANT: variant }, ready: { url: '/health' } },
    database: { fixtures: [path.join(notes, 'schema.sql')] },
  });
  return { suites: [{ name: 'notes', legacy: target('legacy'), candidate: target(candidateVariant), scenarios: [path.join(notes, 'scenarios.yaml'), ...extraScenarios], concurrency: 4 }] };
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'paritykit-http-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('service suites', () => {
  it('records with noise learning, verifies A/A with zero differences, and finds exactly the changed header', () => {
    writeFileSync(path.join(dir, 'paritykit.config.json'), JSON.stringify(config('legacy')));
    const rec = paritykit(dir, 'record');
    expect(rec.code, rec.stdout + rec.stderr).toBe(0);
    expect(rec.stdout).toMatch(/recorded 4 scenarios/);
    // createdAt differs between the two legacy runs: learned as noise, not a difference
    expect(rec.stdout).toContain('create-and-get: http #1: $.createdAt');
    const aa = paritykit(dir, 'verify');
    expect(aa.code, aa.stdout + aa.stderr).toBe(0);

    writeFileSync(path.join(dir, 'paritykit.config.json'), JSON.stringify(config('candidate')));
    const ver = paritykit(dir, 'verify');
    expect(ver.code).toBe(1);
    const report = JSON.parse(readFileSync(path.join(dir, 'parity-report', 'report.json'), 'utf8'));
    const differing = report.suites[0].scenarios.filter((s: { verdict: string }) => s.verdict !== 'pass');
    expect(differing.map((s: { id: string }) => s.id)).toEqual(['list']);
    const change = differing[0].channels[0];
    expect(change.channel).toBe('http');
    expect(change.path).toBe('#1 GET /notes');
    // every scenario started from the fixtures: the list holds the two seeded notes only,
    // not the one create-and-get added in parallel
    const stored = JSON.parse(readFileSync(path.join(dir, 'baselines', 'notes', 'scenarios', 'list.json'), 'utf8'));
    expect(JSON.parse(stored.observation.http.exchanges[0].response.body.text)).toEqual([
      { id: 1, text: 'first' },
      { id: 2, text: 'second' },
    ]);
    // captured ids replay: the GET used the id the POST returned
    const created = JSON.parse(readFileSync(path.join(dir, 'baselines', 'notes', 'scenarios', 'create-and-get.json'), 'utf8'));
    expect(created.observation.http.exchanges[1].request.url).toBe('/notes/3');
  });

  it('record --proxy captures real traffic into scenarios and a baseline that verify replays', async () => {
    const proxyDir = path.join(dir, 'proxy');
    mkdirSync(proxyDir, { recursive: true });
    const out = path.join(proxyDir, 'recorded.yaml');
    writeFileSync(path.join(proxyDir, 'paritykit.config.json'), JSON.stringify(config('legacy', [out])));
    writeFileSync(out, '[]\n');
    const child = spawn(process.execPath, [bin, 'record', '--proxy', '--suite', 'notes', '--out', out, '--duration', '8'], { cwd: proxyDir, env: { ...process.env, NO_COLOR: '1' } });
    let stdout = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stdout += d));
    const url = await new Promise<string>((resolve, reject) => {
      const t = setInterval(() => {
        const m = stdout.match(/send traffic to (http:\/\/127\.0\.0\.1:\d+)/);
        if (m) {
          clearInterval(t);
          resolve(m[1]);
        }
      }, 50);
      setTimeout(() => reject(new Error(`proxy did not start: ${stdout}`)), 60_000);
    });
    const created = await fetch(`${url}/notes`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer s3cr3t-token-value' }, body: JSON.stringify({ text: 'via proxy' }) });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: number };
    // the same credentials: the proxy groups both requests into one session (one scenario)
    expect((await fetch(`${url}/notes/${id}`, { headers: { authorization: 'Bearer s3cr3t-token-value' } })).status).toBe(200);
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code, stdout).toBe(0);
    expect(stdout).toMatch(/scenario\(s\), 2 exchange\(s\)/);
    const scenarios = readFileSync(out, 'utf8');
    expect(scenarios).toContain('/notes');
    // the secret never reaches disk
    for (const f of [out, ...spawnSync('find', [path.join(proxyDir, 'baselines'), '-type', 'f'], { encoding: 'utf8' }).stdout.trim().split('\n')]) {
      expect(readFileSync(f, 'utf8')).not.toContain('s3cr3t-token-value');
    }
    const ver = paritykit(proxyDir, 'verify', '--scenario', 'session-*', '--reruns', '0');
    const report = JSON.parse(readFileSync(path.join(proxyDir, 'parity-report', 'report.json'), 'utf8'));
    const verdicts = report.suites[0].scenarios.map((s: { verdict: string }) => s.verdict);
    expect(verdicts.length, ver.stdout).toBeGreaterThan(0);
    // the recorded scenario replays against the candidate from a fresh database; createdAt was
    // recorded once (no noise learned from a proxy session), so it is the one expected difference
    for (const s of report.suites[0].scenarios) {
      const places = s.channels.filter((c: { verdict: string }) => c.verdict === 'diff').flatMap((c: { difference: { changes?: Array<{ path: string }> } }) => (c.difference.changes ?? []).map((x) => x.path));
      expect(places.every((p: string) => p.endsWith('.createdAt')), JSON.stringify(places)).toBe(true);
    }
    expect(existsSync(path.join(proxyDir, 'baselines', 'notes', 'manifest.json'))).toBe(true);
  });

  it('export har writes a HAR 1.2 file of the baseline, and import har reads it back as scenarios', () => {
    const har = path.join(dir, 'notes.har');
    const exp = paritykit(dir, 'export', 'har', '--suite', 'notes', '--out', har);
    expect(exp.code, exp.stderr).toBe(0);
    const doc = JSON.parse(readFileSync(har, 'utf8'));
    expect(doc.log.version).toBe('1.2');
    expect(doc.log.entries.length).toBe(5);
    const imp = paritykit(dir, 'import', 'har', har, '--out', path.join(dir, 'imported.yaml'), '--all');
    expect(imp.code, imp.stderr).toBe(0);
    expect(readFileSync(path.join(dir, 'imported.yaml'), 'utf8')).toContain('path: /notes');
  });

  it('a container target fails fast with a message that says to use start or url', () => {
    const cdir = path.join(dir, 'container');
    mkdirSync(cdir, { recursive: true });
    const target = { container: { image: 'example/orders:1', port: 8080 } };
    writeFileSync(path.join(cdir, 'paritykit.config.json'), JSON.stringify({ suites: [{ name: 'c', legacy: target, candidate: target, scenarios: [{ id: 'x', requests: [{ path: '/' }] }] }] }));
    const r = paritykit(cdir, 'record', '--runs', '1');
    expect(r.code).toBe(0); // the failure is an observation of the scenario, recorded as an error
    const stored = readFileSync(path.join(cdir, 'baselines', 'c', 'scenarios', 'x.json'), 'utf8');
    expect(stored).toMatch(/container runtime/);
    expect(stored).toMatch(/\{ url \}|start/);
  });
});

/** Like paritykit() but without blocking this process (the fake third party lives here). */
function paritykitAsync(cwd: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd, env: { ...process.env, NO_COLOR: '1', CI: '' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

describe('outbound calls', () => {
  it('records the legacy\'s third-party calls, answers the candidate from them, and reports a call the legacy never made', async () => {
    const { createServer } = await import('node:http');
    let hits = 0;
    const weather = createServer((req, res) => {
      hits++;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ sky: req.url === '/today' ? 'sunny' : 'rain', at: Date.now() }));
    });
    await new Promise<void>((r) => weather.listen(0, '127.0.0.1', () => r()));
    const weatherUrl = `http://127.0.0.1:${(weather.address() as { port: number }).port}`;
    const odir = path.join(dir, 'outbound');
    mkdirSync(odir, { recursive: true });
    const target = (variant: string) => ({
      start: { command: [process.execPath, path.join(notes, 'service.mjs')], env: { VARIANT: variant, WEATHER_URL: weatherUrl }, ready: { url: '/health' } },
      database: { fixtures: [path.join(notes, 'schema.sql')] },
    });
    const write = (candidate: string) =>
      writeFileSync(path.join(odir, 'paritykit.config.json'), JSON.stringify({ suites: [{ name: 'w', legacy: target('legacy'), candidate: target(candidate), scenarios: [{ id: 'weather', requests: [{ path: '/weather' }] }] }] }));
    write('legacy');
    expect((await paritykitAsync(odir, 'record', '--runs', '1')).code).toBe(0);
    expect(hits).toBe(1);
    const stored = JSON.parse(readFileSync(path.join(odir, 'baselines', 'w', 'scenarios', 'weather.json'), 'utf8'));
    expect(stored.observation.http.outbound[0].request.url).toBe(`${weatherUrl}/today`);
    // the third party is gone: verify must answer the candidate from the recording
    await new Promise<void>((r) => weather.close(() => r()));
    const same = await paritykitAsync(odir, 'verify', '--reruns', '0');
    expect(same.code, same.stdout + same.stderr).toBe(0);
    write('candidate-outbound');
    const extra = await paritykitAsync(odir, 'verify', '--reruns', '0');
    expect(extra.code).toBe(1);
    const report = JSON.parse(readFileSync(path.join(odir, 'parity-report', 'report.json'), 'utf8'));
    const outbound = report.suites[0].scenarios[0].channels.find((c: { path?: string }) => c.path === 'outbound calls');
    expect(outbound.difference.summary).toBe('1 outbound call(s) the legacy never made');
    expect(outbound.difference.unified).toContain('/tomorrow');
  });
});
