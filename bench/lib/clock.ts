/**
 * Wall-clock time in milliseconds with sub-millisecond precision. Comparable across the harness and its
 * child processes on one machine (each process anchors `performance.now()` to the wall clock at start).
 */
export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}
