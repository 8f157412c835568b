// The ledger example on its own: `paritykit record --config examples/ledger/paritykit.config.ts`.
import { defineConfig } from '../../harness/index.ts';
import { ledgerSuite } from './suite.ts';

export default defineConfig({ suites: [ledgerSuite] });
