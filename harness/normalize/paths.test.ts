import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { defaultTempRoots, replaceTempPaths } from './paths.ts';

describe('replaceTempPaths', () => {
  const roots = ['/tmp', '/var/tmp'];

  it('replaces the temp root and its first component, keeping the rest', () => {
    expect(replaceTempPaths('wrote /tmp/paritykit-abc123/out.txt', roots)).toBe('wrote <tmp>/out.txt');
    expect(replaceTempPaths('cwd=/tmp/paritykit-abc123', roots)).toBe('cwd=<tmp>');
    expect(replaceTempPaths('/var/tmp/x1/a/b.log', roots)).toBe('<tmp>/a/b.log');
  });

  it('makes two runs in different temp dirs compare equal', () => {
    expect(replaceTempPaths('"/tmp/paritykit-aaa/report.json"', roots)).toBe(
      replaceTempPaths('"/tmp/paritykit-bbb/report.json"', roots),
    );
  });

  it('recognises macOS /var/folders temp dirs whatever the machine', () => {
    expect(replaceTempPaths('/var/folders/x1/y2z3_abc/T/paritykit-q/out', [])).toBe('<tmp>/out');
    expect(replaceTempPaths('/private/var/folders/x1/y2z3/T/tmp.Q3/log', [])).toBe('<tmp>/log');
  });

  it('handles file:// URLs and quoted, parenthesised and colon-terminated paths', () => {
    expect(replaceTempPaths('file:///tmp/run1/a.html', roots)).toBe('file://<tmp>/a.html');
    expect(replaceTempPaths(`('/tmp/run1/a', "/tmp/run2") at /tmp/run3:12`, roots)).toBe(
      `('<tmp>/a', "<tmp>") at <tmp>:12`,
    );
  });

  it('prefers the longest root', () => {
    expect(replaceTempPaths('/tmp/user/1000/run9/x', ['/tmp', '/tmp/user/1000'])).toBe('<tmp>/x');
  });

  it('supports Windows roots with either separator', () => {
    const win = ['C:\\Users\\me\\AppData\\Local\\Temp'];
    expect(replaceTempPaths('C:\\Users\\me\\AppData\\Local\\Temp\\paritykit-1\\out.txt', win)).toBe('<tmp>\\out.txt');
    expect(replaceTempPaths('C:/Users/me/AppData/Local/Temp/paritykit-1/out.txt', win)).toBe('<tmp>/out.txt');
  });

  it.each(['/tmp', '/tmp/', '/home/me/tmp/x', '/tmpfoo/x', 'a/tmp/x', 'relative tmp/x'])('leaves %s alone', (text) => {
    expect(replaceTempPaths(text, roots)).toBe(text);
  });

  it('uses the machine temp dir by default', () => {
    expect(replaceTempPaths(`${os.tmpdir()}/paritykit-zz/out.txt`)).toBe('<tmp>/out.txt');
  });
});

describe('defaultTempRoots', () => {
  it('includes os.tmpdir(), the env variables and the well-known roots, without trailing separators', () => {
    const roots = defaultTempRoots({ TMPDIR: '/scratch/tmp/', TMP: undefined, TEMP: '/' });
    expect(roots).toContain(os.tmpdir().replace(/\/+$/, ''));
    expect(roots).toContain('/scratch/tmp');
    expect(roots).toContain('/tmp');
    expect(roots).toContain('/var/tmp');
    expect(roots).not.toContain('/');
    expect(roots).not.toContain('');
  });
});
