/** Thrown at start when an option is invalid; the message names the option and what is allowed. */
export class InvalidOptionsError extends Error {
  override readonly name = 'InvalidOptionsError';

  constructor(
    readonly option: string,
    readonly expected: string,
    readonly actual: unknown,
  ) {
    super(`EventBusModule option "${option}" must be ${expected}; got ${describe(actual)}.`);
  }
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
