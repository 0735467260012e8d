import { describe, expect, it } from 'vitest';
import type { Scenario } from '../scenarios/scenario';
import type { ContenderSummary } from './summarize';
import { checkTargets } from './targets';

const scenario = {
  id: 'io',
  targets: [
    { kind: 'bound', contender: 'eventbus', boundMsgsPerSec: 51_200, atLeast: 0.8 },
    { kind: 'throughput', contender: 'eventbus', baseline: 'nest-server-kafka', atLeast: 1 },
  ],
} as unknown as Scenario;

const summary = (contender: string, msgsPerSec: number) =>
  ({ scenario: 'io', contender, ok: true, msgsPerSec }) as unknown as ContenderSummary;

describe('checkTargets', () => {
  it('checks every target of a scenario: the fraction of a bound, and a ratio to a baseline', () => {
    const checks = checkTargets(
      [scenario],
      [summary('eventbus', 25_600), summary('nest-server-kafka', 10_000)],
    );
    expect(checks.map((c) => [c.met, c.text])).toEqual([
      [false, "this library >= 0.8 of the handlers' bound (51,200 msgs/s): 0.50"],
      [true, 'this library >= 1x Nest ServerKafka throughput: 2.56x'],
    ]);
  });

  it('has no verdict without a complete result', () => {
    expect(checkTargets([scenario], []).map((c) => c.met)).toEqual([undefined, undefined]);
  });
});
