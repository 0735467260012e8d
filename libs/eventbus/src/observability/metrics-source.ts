import type { LagSample } from '../transports/transport.port';

/** The oldest unsettled message of a topic: how long it has waited and which aggregate it holds. */
export interface StallSample {
  readonly topic: string;
  readonly aggregateId: string | undefined;
  readonly seconds: number;
}

/** What one running server tells the metrics at scrape time. */
export interface MetricsSource {
  buffered(): number;
  running(): number;
  activeAggregates(): number;
  /** The last lag readings (refreshed in the background, never fetched at scrape time). */
  lag(): readonly LagSample[];
  /** Per topic, the message unsettled the longest. */
  oldestUnsettled(): readonly StallSample[];
}
