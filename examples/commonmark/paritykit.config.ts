// The CommonMark example on its own: `paritykit record --config examples/commonmark/paritykit.config.ts`.
import { defineConfig } from '../../harness/index.ts';
import { commonmarkSuite } from './suite.ts';

export default defineConfig({ suites: [commonmarkSuite] });
