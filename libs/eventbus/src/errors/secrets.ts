/** What a secret is replaced with wherever a value is shown. */
export const REDACTED = '[redacted]';

/**
 * Option keys whose values are secrets: passwords (`pass`, `password`), tokens, NKey seeds, private keys
 * (`key`, `privateKey`), SASL settings (`sasl`) and AWS secrets (`secretAccessKey`, `sessionToken`),
 * credentials (`creds`) and authenticators.
 */
const SECRET_KEY = /pass|secret|token|seed|nkey|^key$|private|cred|authenticator|^sasl$/i;

/** Objects deeper than this are not searched (option objects are shallow; this only bounds cycles). */
const MAX_DEPTH = 8;

/** True when an option key holds a secret (`password`, `pass`, `token`, `seed`, `key`, ...). */
export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key);
}

/** True when the last segment of an option path (`nats.connection.pass`) names a secret. */
export function isSecretPath(path: string): boolean {
  return isSecretKey(path.slice(path.lastIndexOf('.') + 1));
}

function isPlainContainer(value: unknown): value is Record<string, unknown> | unknown[] {
  if (Array.isArray(value)) return true;
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/**
 * A copy of `value` in which every property with a secret name (see `isSecretKey`) is `[redacted]`, at any
 * depth of plain objects and arrays. Other values (class instances, functions, primitives) are returned as
 * they are. Never throws: a value that cannot be read is returned unchanged.
 */
export function redactSecrets(value: unknown, depth = 0): unknown {
  if (depth > MAX_DEPTH || !isPlainContainer(value)) return value;
  try {
    if (Array.isArray(value)) return value.map((item) => redactSecrets(item, depth + 1));
    const copy: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      copy[key] = isSecretKey(key) && item !== undefined ? REDACTED : redactSecrets(item, depth + 1);
    }
    return copy;
  } catch {
    return value;
  }
}

/**
 * Every string (and string or Buffer in an array) found under a secret key of `value`, for scrubbing text
 * that may repeat one. Strings shorter than 4 characters are left out: replacing them would mangle text.
 */
export function secretValues(value: unknown, depth = 0, found: string[] = []): string[] {
  if (depth > MAX_DEPTH || value === null || typeof value !== 'object') return found;
  try {
    for (const [key, item] of Object.entries(value)) {
      if (isSecretKey(key) && isText(item)) collectStrings(item, found);
      else secretValues(item, depth + 1, found);
    }
  } catch {
    // An unreadable option object holds nothing to scrub.
  }
  return found;
}

/** A string, a Buffer, or an array of them (TLS keys may be given as a list). */
function isText(value: unknown): boolean {
  const items = Array.isArray(value) ? (value as unknown[]) : [value];
  return items.every((item) => typeof item === 'string' || Buffer.isBuffer(item));
}

function collectStrings(value: unknown, found: string[]): void {
  const items = Array.isArray(value) ? (value as unknown[]) : [value];
  for (const item of items) {
    const text = typeof item === 'string' ? item : Buffer.isBuffer(item) ? item.toString('utf8') : undefined;
    if (text === undefined || text.length < 4) continue;
    found.push(text);
    // A PEM private key may be quoted line by line.
    for (const line of text.split(/\r?\n/))
      if (line.length >= 16 && !line.startsWith('-----')) found.push(line);
  }
}

/** `text` with every occurrence of each of `secrets` replaced by `[redacted]`. */
export function scrubSecrets(text: string, secrets: readonly string[]): string {
  let result = text;
  const longestFirst = [...secrets].sort((a, b) => b.length - a.length);
  for (const secret of longestFirst) result = result.split(secret).join(REDACTED);
  return result;
}
