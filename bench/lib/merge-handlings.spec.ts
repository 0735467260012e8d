import { describe, expect, it } from 'vitest';
import { aggregateId } from './bench-event';
import { mergeHandlings } from './merge-handlings';

const handling = (aggregate: number, version: number, at: number) => ({
  aggregateId: aggregateId(aggregate),
  version,
  publishedAt: 0,
  at,
});

describe('mergeHandlings', () => {
  it('checks the instances together, in time order whatever order their batches arrived in', () => {
    const first = [handling(0, 1, 10), handling(0, 2, 30)];
    const second = [handling(1, 1, 5), handling(0, 3, 40), handling(1, 2, 20)];
    expect(mergeHandlings({ aggregates: 2, versions: 3 }, [...second, ...first])).toMatchObject({
      expected: 6,
      distinct: 5,
      lost: 1,
      orderViolations: 0,
      duplicates: 0,
      firstAt: 5,
      lastAt: 40,
    });
  });

  it('counts an aggregate handled out of order across instances, and a repeat on another instance', () => {
    const report = mergeHandlings({ aggregates: 1, versions: 2 }, [
      handling(0, 2, 10),
      handling(0, 1, 20),
      handling(0, 2, 30),
    ]);
    expect(report).toMatchObject({ distinct: 2, orderViolations: 1, duplicates: 1 });
  });
});
