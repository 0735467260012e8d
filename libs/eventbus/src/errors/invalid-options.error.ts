import { describeValue } from './describe-value';

/** How an `InvalidOptionsError` message starts, and a message that replaces the standard one. */
export interface InvalidOptionsErrorDetails {
  /** Where the option is set. Default `'EventBusModule'`; e.g. `'@DomainEvent("orders")'`. */
  readonly source?: string;
  /** The whole message, when "must be ...; got ..." does not fit (an unknown key). */
  readonly message?: string;
}

/** Thrown at start when an option is invalid; the message names the option and what is allowed. */
export class InvalidOptionsError extends Error {
  override readonly name = 'InvalidOptionsError';

  constructor(
    readonly option: string,
    readonly expected: string,
    readonly actual: unknown,
    details: InvalidOptionsErrorDetails = {},
  ) {
    super(
      details.message ??
        `${details.source ?? 'EventBusModule'} option "${option}" must be ${expected}; got ${describeValue(actual)}.`,
    );
  }
}
