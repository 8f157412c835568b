/**
 * The test file `paritykit verify` hands to vitest: registers the parity suites with the
 * options the CLI provided (`provide: { paritykit }`). Not meant to be imported.
 */
import { inject } from 'vitest';
import { defineParitySuites } from './parity.ts';

await defineParitySuites(inject('paritykit'));
