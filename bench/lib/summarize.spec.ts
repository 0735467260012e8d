import { describe, expect, it } from 'vitest';
import type { ContenderRunResult } from './contender';
import { summarize } from './summarize';

function run(overrides: Partial<ContenderRunResult>): ContenderRunResult {
  return {
    scenario: 'kafka-io',
    contender: 'kafkajs-each-message',
    status: 'complete',
    expected: 100,
    handled: 100,
    distinct: 100,
    lost: 0,
    duplicates: 0,
    orderViolations: 0,
    unexpected: 0,
    firstAt: 0,
    lastAt: 1_000,
    longestPauseMs: 20,
    p50Ms: 10,
    p99Ms: 20,
    durationMs: 1_000,
    msgsPerSec: 100,
    startRssMb: 50,
    peakRssMb: 60,
    drainedRssMb: 55,
    ...overrides,
  };
}

describe('summarize', () => {
  it('reports the median of repeated runs', () => {
    const summary = summarize('plain', [
      run({ msgsPerSec: 300, p99Ms: 5 }),
      run({ msgsPerSec: 100, p99Ms: 50 }),
      run({ msgsPerSec: 200, p99Ms: 30 }),
    ]);
    expect(summary).toMatchObject({
      runs: 3,
      ok: true,
      problems: [],
      msgsPerSec: 200,
      p99Ms: 30,
      messages: 100,
    });
  });

  it('flags a contender when any run lost, reordered or failed, with the worst counts', () => {
    const summary = summarize('plain', [
      run({}),
      run({ status: 'stalled', lost: 7, distinct: 93, orderViolations: 2 }),
      run({
        status: 'error',
        error: 'boom\nstack',
        lost: 100,
        distinct: 0,
        p50Ms: undefined,
        p99Ms: undefined,
      }),
    ]);
    expect(summary.ok).toBe(false);
    expect(summary).toMatchObject({ lost: 100, orderViolations: 2, p50Ms: undefined });
    expect(summary.problems).toEqual([
      'run 2: stalled',
      'run 3: error (boom)',
      'lost 100',
      '2 order violations',
    ]);
  });

  it("notes each instance's partitions and handlings, and flags an instance that handled nothing", () => {
    const summary = summarize('scaled', [
      run({
        longestPauseMs: 28_150,
        instances: [
          { partitions: [0, 2], partitionsAtEnd: [0, 2], handled: 60 },
          { partitions: [1, 3], partitionsAtEnd: [1, 3], handled: 1_040 },
        ],
      }),
      run({
        instances: [
          { partitions: [0, 1, 2, 3], partitionsAtEnd: [0, 1], handled: 100 },
          { partitions: [], partitionsAtEnd: [2, 3], handled: 0 },
        ],
      }),
    ]);
    expect(summary.notes).toEqual([
      'run 1: partitions 0,2: 60 handled; partitions 1,3: 1,040 handled; longest pause 28.1 s',
      'run 2: partitions 0,1,2,3 (at the end: 0,1): 100 handled; partitions none (at the end: 2,3): 0 handled; ' +
        'longest pause 0.0 s',
    ]);
    expect(summary.problems).toEqual(['run 2: instance 2 handled nothing']);
    expect(summary.ok).toBe(false);
  });

  it('does not flag duplicates', () => {
    expect(summarize('plain', [run({ duplicates: 3, handled: 103 })])).toMatchObject({
      ok: true,
      duplicates: 3,
    });
  });
});
