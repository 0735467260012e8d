import type { ContenderId } from '../contenders/contender-registry';
import type { EventShape } from '../lib/bench-event';
import type { BrokerKind } from '../lib/contender';

/** `contender` reaches at least `atLeast` times the throughput of `baseline` (msgs/s). */
export interface ThroughputTarget {
  readonly kind: 'throughput';
  readonly contender: ContenderId;
  readonly baseline: ContenderId;
  readonly atLeast: number;
}

/** `contender`'s peak RSS stays below `peakRssMb`, and after draining it is within `drainedWithinMb` of its start. */
export interface MemoryTarget {
  readonly kind: 'memory';
  readonly contender: ContenderId;
  readonly peakRssMb: number;
  readonly drainedWithinMb: number;
}

/**
 * `contender` reaches at least `atLeast` of `boundMsgsPerSec`, the most its handlers allow (e.g. 256 concurrent
 * handlers of 5 ms: 51,200 msgs/s).
 */
export interface BoundTarget {
  readonly kind: 'bound';
  readonly contender: ContenderId;
  readonly boundMsgsPerSec: number;
  readonly atLeast: number;
}

export type Target = ThroughputTarget | MemoryTarget | BoundTarget;

/** Handlings at once that the I/O scenarios' bound assumes: the library's default `maxConcurrency`. */
export const IO_CONCURRENCY = 256;
/** The most the I/O scenarios' handlers allow: `IO_CONCURRENCY` at once of 5 ms each. */
export const IO_BOUND_MSGS_PER_SEC = IO_CONCURRENCY * (1_000 / 5);

/** One benchmark scenario: a data set, a handler and the contenders that consume it side by side. */
export interface Scenario {
  /** The name `--only` selects. */
  readonly id: string;
  readonly title: string;
  readonly broker: BrokerKind;
  /** Data set of a full run. */
  readonly shape: EventShape;
  /** Data set with `--quick`. */
  readonly quickShape: EventShape;
  /** The handler awaits a timer this long (ms); 0 is a no-op handler. */
  readonly handlerDelayMs: number;
  readonly contenders: readonly ContenderId[];
  /**
   * Kafka and JetStream: the data set is published once, through the library's own publisher (envelopes with
   * their CloudEvents headers), and every contender reads those same messages with a fresh group or durable.
   * Default: each contender run gets its own topic with the data in the encoding it reads.
   */
  readonly sameMessages?: boolean;
  /** JetStream only: `nats.partitions` of the library's contenders. Default 0 (off). */
  readonly natsPartitions?: number;
  readonly targets?: readonly Target[];
}
