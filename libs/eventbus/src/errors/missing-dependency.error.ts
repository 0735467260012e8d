/**
 * Thrown at start when the chosen transport needs a package the application has not installed (the broker
 * clients are optional peer dependencies: an application on the memory transport installs none of them).
 * The message names the package and the command that installs it.
 */
export class MissingDependencyError extends Error {
  override readonly name = 'MissingDependencyError';

  constructor(
    /** The transport option that needs the package (`'kafka'`, `'nats'`). */
    readonly transport: string,
    /** The npm package that could not be loaded, e.g. `kafkajs`. */
    readonly packageName: string,
    options?: ErrorOptions,
  ) {
    super(
      `EventBusModule option "transport: '${transport}'" needs the package "${packageName}", which is not ` +
        `installed: run \`npm install ${packageName}\`.`,
      options,
    );
  }
}
