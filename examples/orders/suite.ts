/**
 * The orders suite: a legacy orders HTTP API (CommonJS, callbacks, pg) and its TypeScript
 * rewrite, each started by paritykit on a free port with its own fresh PostgreSQL database
 * (cloned per scenario from db/*.sql) and a fake payment service (see launch.mjs).
 * Deliberate divergences: DIVERGENCES.md.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SuiteConfig } from '../../harness/index.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const database = { fixtures: [path.join(here, 'db', 'schema.sql'), path.join(here, 'db', 'seed.sql')] };

export const ordersSuite: SuiteConfig = {
  name: 'orders',
  legacy: { start: { command: [process.execPath, path.join(here, 'launch.mjs'), 'legacy'], ready: { url: '/health', timeoutMs: 30_000 } }, database },
  candidate: { start: { command: [process.execPath, path.join(here, 'launch.mjs'), 'candidate'], ready: { url: '/health', timeoutMs: 30_000 } }, database },
  scenarios: path.join(here, 'scenarios', '*.yaml'),
  timeoutMs: 15_000,
  // Each scenario waits mostly on its own service and database: more than one per core helps.
  concurrency: 4,
  // The db channel: the timestamps now() fills in differ on every run (seeded rows have fixed
  // ones). Everything else a scenario writes is compared; see DIVERGENCES.md (divergence 6).
  db: { ignoreColumns: ['*.created_at', '*.updated_at', 'order_audit.changed_at'] },
};
