import { describeValue } from './describe-value';

/** Thrown at start when an option is invalid; the message names the option and what is allowed. */
export class InvalidOptionsError extends Error {
  override readonly name = 'InvalidOptionsError';

  constructor(
    readonly option: string,
    readonly expected: string,
    readonly actual: unknown,
  ) {
    super(`EventBusModule option "${option}" must be ${expected}; got ${describeValue(actual)}.`);
  }
}
