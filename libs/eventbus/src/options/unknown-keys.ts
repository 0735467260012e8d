import { InvalidOptionsError } from '../errors/invalid-options.error';

/** Edit distance (insertions, deletions, substitutions), ignoring case. */
function distance(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  let previous = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i++) {
    const current = [i];
    for (let j = 1; j <= y.length; j++) {
      const substitution = previous[j - 1] + (x[i - 1] === y[j - 1] ? 0 : 1);
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, substitution);
    }
    previous = current;
  }
  return previous[y.length];
}

/** The candidate closest to `name` (first of equals). */
export function closestName(name: string, candidates: readonly string[]): string {
  let best = candidates[0];
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    const d = distance(name, candidate);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

/**
 * Throws `InvalidOptionsError` for the first key of `value` that is not in `known` (a typo would otherwise be
 * ignored silently), naming it with its path and the closest valid name. `path` is the section
 * (`'dispatcher'`), empty at the top level; `source` where the options are set.
 */
export function rejectUnknownKeys(
  path: string,
  value: object,
  known: readonly string[],
  source = 'EventBusModule',
): void {
  const prefix = path === '' ? '' : `${path}.`;
  for (const key of Object.keys(value)) {
    if (known.includes(key)) continue;
    const closest = `${prefix}${closestName(key, known)}`;
    throw new InvalidOptionsError(`${prefix}${key}`, `one of ${known.join(', ')}`, key, {
      message:
        `${source} option "${prefix}${key}" is unknown; did you mean "${closest}"? ` +
        `Valid${path === '' ? '' : ` in ${path}`}: ${known.join(', ')}.`,
    });
  }
}

/**
 * One section of the options (`dispatcher`, `retry`, ...): `{}` when absent; otherwise it must be a plain
 * object without unknown keys, else `InvalidOptionsError`.
 */
export function checkedSection<T extends object>(
  path: string,
  value: T | undefined,
  known: readonly string[],
): T {
  if (value === undefined) return {} as T;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new InvalidOptionsError(path, 'an object', value);
  }
  rejectUnknownKeys(path, value, known);
  return value;
}
