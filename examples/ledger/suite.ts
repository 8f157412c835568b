/**
 * The ledger suite: a legacy Python CLI and its TypeScript rewrite (see DIVERGENCES.md).
 * Exercises the files channel: summary.json (JSON, compared structurally), report.csv (CSV,
 * compared by row keyed on `account`), stdout and stderr text, and exit codes.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SuiteConfig } from '../../harness/index.ts';

const here = path.dirname(fileURLToPath(import.meta.url));

export const ledgerSuite: SuiteConfig = {
  name: 'ledger',
  legacy: { command: ['python3', 'legacy/ledger.py'], cwd: here, version: ['python3', '--version'] },
  candidate: { command: [process.execPath, 'candidate/ledger.ts'], cwd: here, version: [process.execPath, '--version'] },
  scenarios: path.join(here, 'scenarios', '*.yaml'),
  csvKeys: { '**/report.csv': 'account' },
};
