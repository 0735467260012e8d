/** One consumer-lag reading: messages not yet consumed and settled, per topic and partition. */
export interface LagSample {
  readonly topic: string;
  /** Kafka partition number as text; `''` where the broker has no partitions (JetStream, memory). */
  readonly partition: string;
  readonly lag: number;
}

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
