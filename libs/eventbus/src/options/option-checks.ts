import { InvalidOptionsError } from '../errors/invalid-options.error';

/** Node's timers fire at once for delays above 2^31-1 ms: the longest delay any timer option may take. */
export const MAX_TIMER_MS = 2_147_483_647;

/** Small validators used by every options `validate` step; each throws `InvalidOptionsError`. */
export const check = {
  /** A delay in whole milliseconds that a Node timer can wait (at most `MAX_TIMER_MS`, about 24.8 days). */
  durationMs(option: string, value: number, min: number): number {
    return check.integer(option, value, min, MAX_TIMER_MS);
  },
  integer(option: string, value: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      throw new InvalidOptionsError(option, `an integer from ${min} to ${max}`, value);
    }
    return value;
  },
  number(option: string, value: number, min: number, max = Number.MAX_VALUE): number {
    if (typeof value !== 'number' || Number.isNaN(value) || value < min || value > max) {
      throw new InvalidOptionsError(option, `a number from ${min} to ${max}`, value);
    }
    return value;
  },
  oneOf<T extends string>(option: string, value: T, allowed: readonly T[]): T {
    if (!allowed.includes(value)) {
      throw new InvalidOptionsError(option, `one of ${allowed.map((a) => `'${a}'`).join(', ')}`, value);
    }
    return value;
  },
  nonEmptyString(option: string, value: string): string {
    if (typeof value !== 'string' || value.trim() === '') {
      throw new InvalidOptionsError(option, 'a non-empty string', value);
    }
    return value;
  },
  boolean(option: string, value: boolean): boolean {
    if (typeof value !== 'boolean') throw new InvalidOptionsError(option, 'true or false', value);
    return value;
  },
  stringList(option: string, value: readonly string[]): string[] {
    if (!Array.isArray(value) || value.length === 0 || value.some((v) => typeof v !== 'string' || v === '')) {
      throw new InvalidOptionsError(option, 'a non-empty array of non-empty strings', value);
    }
    return [...value];
  },
};
