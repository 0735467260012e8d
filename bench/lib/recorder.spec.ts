import { describe, expect, it } from 'vitest';
import { aggregateId } from './bench-event';
import { Recorder } from './recorder';

const event = (aggregate: number, version: number, publishedAt = 0) => ({
  aggregateId: aggregateId(aggregate),
  version,
  publishedAt,
});

describe('Recorder', () => {
  it('reports a complete, ordered run', () => {
    const recorder = new Recorder({ aggregates: 2, versions: 3 });
    for (let version = 1; version <= 3; version++) {
      recorder.record(event(0, version));
      recorder.record(event(1, version));
    }
    expect(recorder.report()).toMatchObject({
      expected: 6,
      handled: 6,
      distinct: 6,
      lost: 0,
      duplicates: 0,
      orderViolations: 0,
      unexpected: 0,
    });
  });

  it('counts what was never handled as lost', () => {
    const recorder = new Recorder({ aggregates: 2, versions: 2 });
    recorder.record(event(0, 1));
    recorder.record(event(1, 1));
    expect(recorder.report()).toMatchObject({ distinct: 2, lost: 2 });
  });

  it('counts a version handled after a later one of the same aggregate as an order violation', () => {
    const recorder = new Recorder({ aggregates: 2, versions: 3 });
    recorder.record(event(0, 1));
    recorder.record(event(0, 3));
    recorder.record(event(1, 2));
    recorder.record(event(0, 2));
    recorder.record(event(1, 1));
    recorder.record(event(1, 3));
    expect(recorder.report()).toMatchObject({ distinct: 6, lost: 0, orderViolations: 2, duplicates: 0 });
  });

  it('counts redeliveries as duplicates, not as order violations', () => {
    const recorder = new Recorder({ aggregates: 1, versions: 3 });
    for (const version of [1, 2, 1, 2, 3, 3]) recorder.record(event(0, version));
    expect(recorder.report()).toMatchObject({ handled: 6, distinct: 3, duplicates: 3, orderViolations: 0 });
  });

  it('counts events outside the data set as unexpected', () => {
    const recorder = new Recorder({ aggregates: 2, versions: 2 });
    recorder.record({ aggregateId: 'someone-else', version: 1, publishedAt: 0 });
    recorder.record(event(2, 1));
    recorder.record(event(0, 3));
    recorder.record(event(0, 0));
    expect(recorder.report()).toMatchObject({ handled: 4, distinct: 0, unexpected: 4, lost: 4 });
  });

  it('measures latency from the later of publish time and first handling', () => {
    const recorder = new Recorder({ aggregates: 1, versions: 2 });
    recorder.record(event(0, 1, 0));
    recorder.record(event(0, 2, Number.MAX_SAFE_INTEGER));
    const { p50Ms, p99Ms } = recorder.report();
    expect(p50Ms).toBeLessThan(1_000);
    expect(p99Ms).toBeLessThan(1_000);
  });

  it('reports the longest time between two handlings in a row', () => {
    const recorder = new Recorder({ aggregates: 1, versions: 4 });
    expect(recorder.report().longestPauseMs).toBe(0);
    recorder.record(event(0, 1), 100);
    recorder.record(event(0, 2), 150);
    recorder.record(event(0, 3), 1_150);
    recorder.record(event(0, 4), 1_200);
    expect(recorder.report().longestPauseMs).toBe(1_000);
  });

  it('resolves a waiter once enough distinct events were handled', async () => {
    const recorder = new Recorder({ aggregates: 3, versions: 1 });
    let resolved = false;
    const waiting = recorder.whenDistinct(2).then(() => (resolved = true));
    recorder.record(event(0, 1));
    recorder.record(event(0, 1));
    await Promise.resolve();
    expect(resolved).toBe(false);
    recorder.record(event(1, 1));
    await waiting;
    expect(resolved).toBe(true);
  });
});
