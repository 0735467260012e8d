import { describeValue } from './describe-value';

/**
 * Thrown when a domain event is created or encoded with a field that breaks the envelope rules; `field`
 * names it (`version`, `metadata.correlationId`, ...). Nothing is published.
 */
export class InvalidDomainEventError extends Error {
  override readonly name = 'InvalidDomainEventError';

  constructor(
    readonly field: string,
    readonly expected: string,
    readonly actual: unknown,
  ) {
    super(`Domain event field "${field}" must be ${expected}; got ${describeValue(actual)}.`);
  }
}
