/**
 * Stable error codes. Scripts and tests match on `code`, never on message text.
 *
 * - `CONFIG_NOT_FOUND`, `CONFIG_INVALID`, `SCENARIO_INVALID`: user input (exit 2).
 * - `BASELINE_MISSING`, `BASELINE_FORMAT`, `BASELINE_CORRUPT`: the on-disk store (exit 2).
 * - `USAGE`: a wrong command-line flag or argument (exit 2).
 * - `TARGET_FAILED`: a target could not be started at all (not a timeout: that is an observation).
 */
export type ParityErrorCode =
  | 'CONFIG_NOT_FOUND'
  | 'CONFIG_INVALID'
  | 'SCENARIO_INVALID'
  | 'BASELINE_MISSING'
  | 'BASELINE_FORMAT'
  | 'BASELINE_CORRUPT'
  | 'USAGE'
  | 'TARGET_FAILED'
  | 'INTERNAL';

/**
 * The one error class paritykit throws for anything a user can cause.
 *
 * The message names what was wrong, where (file and field, scenario id), and the fix,
 * e.g. `baselines/orders/manifest.json: formatVersion 3 is newer than this paritykit
 * (supports 1); upgrade paritykit or re-record`.
 *
 * @example
 * throw new ParityError('CONFIG_INVALID', `${file}: suites[0].name is required; add a name`);
 */
export class ParityError extends Error {
  /** Stable machine-readable kind of error. */
  readonly code: ParityErrorCode;
  /** The file the error is about, when there is one (absolute or as the user gave it). */
  readonly file?: string;

  constructor(code: ParityErrorCode, message: string, options?: { file?: string; cause?: unknown }) {
    super(message, options?.cause !== undefined ? { cause: options.cause } : undefined);
    this.name = 'ParityError';
    this.code = code;
    if (options?.file !== undefined) this.file = options.file;
  }

  /** Process exit code the CLI uses for this error: 2 for usage/config/baseline errors, 1 otherwise. */
  get exitCode(): number {
    return this.code === 'TARGET_FAILED' || this.code === 'INTERNAL' ? 1 : 2;
  }
}
