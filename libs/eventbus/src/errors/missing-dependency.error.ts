/**
 * Thrown at start when an option needs a package the application has not installed (broker clients and
 * integrations are optional peer dependencies: an application on the memory transport installs none of them).
 * The message names the package and the command that installs it.
 */
export class MissingDependencyError extends Error {
  override readonly name = 'MissingDependencyError';

  constructor(
    /** The option that needs the package, e.g. `transport: 'kafka'`. */
    readonly option: string,
    /** The npm package that could not be loaded, e.g. `kafkajs`. */
    readonly packageName: string,
    options?: ErrorOptions,
  ) {
    super(
      `EventBusModule option "${option}" needs the package "${packageName}", which is not installed: ` +
        `run \`npm install ${packageName}\`.`,
      options,
    );
  }
}
