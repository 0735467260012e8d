import { redactSecrets } from './secrets';

const MAX_LENGTH = 120;

/** What a value that cannot be rendered at all (every conversion throws) is described as. */
const UNDESCRIBABLE = '(a value that cannot be described)';

/** Runs `render`, or returns `fallback` when it throws: describing a failure must never fail itself. */
function attempt(render: () => string, fallback: () => string): string {
  try {
    return render();
  } catch {
    return fallback();
  }
}

/** `String(value)`, or a neutral text when even that throws (a Proxy, a throwing `toString`, no prototype). */
function plainText(value: unknown): string {
  return attempt(
    () => String(value),
    () => UNDESCRIBABLE,
  );
}

/**
 * Renders a value for an error message: JSON where possible, else `String(value)`, cut to 120 characters.
 * Properties with secret names (`password`, `pass`, `token`, `key`, ... see `isSecretKey`) show as
 * `[redacted]`. Never throws, whatever the value (throwing getters, `toJSON` or `toString`, Proxies, Symbols).
 */
export function describeValue(value: unknown): string {
  // JSON would render NaN and Infinity as null, and cannot render a bigint.
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  const text = attempt(
    () => JSON.stringify(redactSecrets(value)) ?? plainText(value),
    () => plainText(value),
  );
  return text.length > MAX_LENGTH ? `${text.slice(0, MAX_LENGTH)}...` : text;
}

/** Replaces control characters (line breaks included) with spaces: error messages travel as header values. */
export function oneLine(text: string): string {
  return text.replace(/\p{Cc}+/gu, ' ');
}

/**
 * A readable reason for any thrown value: `Name: message` for errors, the value itself otherwise.
 * Never throws: a part that cannot be read is described as such.
 */
export function describeError(error: unknown): string {
  return attempt(
    () => {
      if (error instanceof Error) {
        const name = attempt(
          () => plainText(error.name),
          () => 'Error',
        );
        const message = attempt(
          () => plainText(error.message),
          () => UNDESCRIBABLE,
        );
        return `${name}: ${message}`;
      }
      if (typeof error === 'string') return error;
      return describeValue(error);
    },
    () => UNDESCRIBABLE,
  );
}
