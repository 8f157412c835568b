/**
 * The CommonMark suite: every example of the CommonMark spec (the `commonmark-spec` package),
 * markdown on stdin, HTML on stdout. Legacy: marked 4.x (installed as the npm alias `marked4`);
 * candidate: the current marked. Real input nobody here wrote.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import type { SuiteConfig } from '../../harness/index.ts';

const require = createRequire(import.meta.url);
const spec = require('commonmark-spec') as { tests: Array<{ markdown: string; html: string; section: string; number: number }> };

/** `Link reference definitions` → `link-reference-definitions`. */
function slug(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
}

const legacyBin = path.join(path.dirname(require.resolve('marked4/package.json')), 'bin', 'marked.js');
const candidateBin = path.join(path.dirname(require.resolve('marked/package.json')), 'bin', 'marked.js');

/** Scenario id: spec section slug and example number, e.g. `tabs-001`. */
export function commonmarkScenarios() {
  return spec.tests.map((t) => ({
    id: `${slug(t.section)}-${String(t.number).padStart(3, '0')}`,
    stdin: t.markdown,
    tags: ['commonmark', slug(t.section)],
  }));
}

export const commonmarkSuite: SuiteConfig = {
  name: 'commonmark',
  legacy: { command: [process.execPath, legacyBin], version: [process.execPath, '-p', "'marked ' + require('marked4/package.json').version"], timeoutMs: 20_000 },
  candidate: { command: [process.execPath, candidateBin], version: [process.execPath, '-p', "'marked ' + require('marked/package.json').version"], timeoutMs: 20_000 },
  scenarios: commonmarkScenarios,
};
