// The orders example on its own: `paritykit record --config examples/orders/paritykit.config.ts`.
import { defineConfig } from '../../harness/index.ts';
import { ordersSuite } from './suite.ts';

export default defineConfig({ suites: [ordersSuite] });
