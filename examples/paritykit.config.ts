// The demo (`npm run demo`): the three examples in one run, one report in ./parity-report at the
// repository root. Baselines go to examples/baselines (not committed: the demo records them).
import { defineConfig } from '../harness/index.ts';
import { commonmarkSuite } from './commonmark/suite.ts';
import { ledgerSuite } from './ledger/suite.ts';
import { ordersSuite } from './orders/suite.ts';

export default defineConfig({
  baselineDir: 'baselines',
  reportDir: '../parity-report',
  suites: [commonmarkSuite, ledgerSuite, ordersSuite],
});
