import type { Scenario } from './scenario';

/**
 * Memory transport, 1,000,000 distinct aggregate ids (one event each), no-op handler: throughput, peak
 * RSS, and RSS after draining, which shows whether empty per-aggregate mailboxes are released.
 */
export const memoryScaleScenario: Scenario = {
  id: 'memory-scale',
  title: 'Memory, 1,000,000 distinct aggregates',
  broker: 'memory',
  shape: { aggregates: 1_000_000, versions: 1 },
  quickShape: { aggregates: 20_000, versions: 1 },
  handlerDelayMs: 0,
  contenders: ['eventbus'],
  targets: [{ kind: 'memory', contender: 'eventbus', peakRssMb: 512, drainedWithinMb: 50 }],
};
