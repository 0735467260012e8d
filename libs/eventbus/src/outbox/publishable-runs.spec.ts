import { describe, expect, it } from 'vitest';
import { publishableRuns, type OutboxRow } from './publishable-runs';

const row = (aggregateId: string, version: number, flags: Partial<OutboxRow> = {}): OutboxRow => ({
  id: `${aggregateId}${version}`,
  partition: 0,
  topic: 't',
  aggregateId,
  version,
  envelope: {} as OutboxRow['envelope'],
  attempts: 0,
  due: true,
  settled: true,
  ...flags,
});
const ids = (runs: OutboxRow[][]) => runs.map((run) => run.map((r) => r.id));

describe('publishableRuns', () => {
  it('publishes each aggregate from its lowest pending version up to the first row that must wait', () => {
    const runs = publishableRuns([
      row('a', 1),
      row('a', 2),
      row('a', 3, { settled: false }),
      row('a', 4),
      row('b', 1, { settled: false }),
      row('b', 2),
      row('c', 5, { due: false }),
      row('c', 6),
      row('d', 7),
    ]);
    expect(ids(runs)).toEqual([['a1', 'a2'], ['d7']]);
  });

  it('keeps aggregates of different topics apart', () => {
    const runs = publishableRuns([row('a', 1, { settled: false }), { ...row('a', 2), topic: 'u' }]);
    expect(ids(runs)).toEqual([['a2']]);
  });
});
