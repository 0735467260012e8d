/**
 * Thrown at start when an option needs a package the application has not installed (broker clients and
 * integrations are optional peer dependencies: an application on the memory transport installs none of them).
 * The message names the package and the command that installs it, with any packages needed beside it.
 */
export class MissingDependencyError extends Error {
  override readonly name = 'MissingDependencyError';

  constructor(
    /** The option that needs the package, e.g. `transport: 'kafka'`. */
    readonly option: string,
    /** The npm package that could not be loaded, e.g. `kafkajs`. */
    readonly packageName: string,
    options?: ErrorOptions,
    /** What the command installs: the package and the others the option needs with it (one round trip). */
    install: readonly string[] = [packageName],
  ) {
    super(
      `EventBusModule option "${option}" needs the package "${packageName}", which is not installed: ` +
        `run \`npm install ${install.join(' ')}\`.`,
      options,
    );
  }
}
