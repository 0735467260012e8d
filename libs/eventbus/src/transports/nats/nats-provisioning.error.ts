/**
 * A JetStream stream or consumer is missing or does not fit (provisioning off, a subject captured by another
 * stream, a durable consumer filtering another subject). The message says what to create or change.
 */
export class NatsProvisioningError extends Error {
  override readonly name = 'NatsProvisioningError';

  constructor(
    message: string,
    readonly stream: string,
    readonly resource: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}
