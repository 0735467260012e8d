import { describeValue } from './describe-value';
import { isSecretPath, REDACTED, redactSecrets } from './secrets';

/** How an `InvalidOptionsError` message starts, and a message that replaces the standard one. */
export interface InvalidOptionsErrorDetails {
  /** Where the option is set. Default `'EventBusModule'`; e.g. `'@DomainEvent("orders")'`. */
  readonly source?: string;
  /** The whole message, when "must be ...; got ..." does not fit (an unknown key). */
  readonly message?: string;
}

/**
 * Thrown at start when an option is invalid; the message names the option and what is allowed. Secrets never
 * show: the value of a secret option (`nats.connection.pass`, `kafka.client.sasl.password`, ...) is
 * `[redacted]` in the message and in `actual`, and so are secret properties of an object value.
 */
export class InvalidOptionsError extends Error {
  override readonly name = 'InvalidOptionsError';
  /** The rejected value, secrets replaced by `[redacted]`. */
  readonly actual: unknown;

  constructor(
    readonly option: string,
    readonly expected: string,
    actual: unknown,
    details: InvalidOptionsErrorDetails = {},
  ) {
    const shown = isSecretPath(option) ? REDACTED : redactSecrets(actual);
    super(
      details.message ??
        `${details.source ?? 'EventBusModule'} option "${option}" must be ${expected}; got ${shown === REDACTED ? REDACTED : describeValue(shown)}.`,
    );
    this.actual = shown;
  }
}
