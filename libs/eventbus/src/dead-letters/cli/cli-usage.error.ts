/** The command line is wrong (unknown command or option, missing or invalid value): exit code 2. */
export class CliUsageError extends Error {
  override readonly name = 'CliUsageError';
}
