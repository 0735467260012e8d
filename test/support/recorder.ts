/**
 * Records what handlers saw: every delivery (attempt) and every successful handling, per aggregate, in order.
 * Success counts and delivery counts are kept apart (at-least-once means deliveries >= successes).
 */
export class Recorder {
  readonly deliveries: { aggregateId: string; version: number; attempt: number }[] = [];
  readonly successes = new Map<string, number[]>();
  readonly events: string[] = [];

  delivered(aggregateId: string, version: number, attempt = 1): void {
    this.deliveries.push({ aggregateId, version, attempt });
  }

  succeeded(aggregateId: string, version: number): void {
    const list = this.successes.get(aggregateId) ?? [];
    list.push(version);
    this.successes.set(aggregateId, list);
    this.events.push(`${aggregateId}:${version}`);
  }

  get successCount(): number {
    let n = 0;
    for (const list of this.successes.values()) n += list.length;
    return n;
  }

  /** Each aggregate's successfully handled versions, first success of each version only. */
  firstSuccesses(aggregateId: string): number[] {
    const seen = new Set<number>();
    return (this.successes.get(aggregateId) ?? []).filter((v) => !seen.has(v) && seen.add(v));
  }

  /** Index in the global success log of the first success of `aggregateId:version`. */
  indexOf(aggregateId: string, version: number): number {
    return this.events.indexOf(`${aggregateId}:${version}`);
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
export { sleep };

/** Waits until `condition()` holds; fails with `describe()` when it does not within the time. */
export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  describe: () => string,
  timeoutMs = 30_000,
): Promise<void> {
  const started = Date.now();
  while (!(await condition())) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms: ${describe()}`);
    await sleep(10);
  }
}

/** `[1, 2, ..., n]`. */
export const range = (n: number, from = 1): number[] => Array.from({ length: n }, (_, i) => i + from);
