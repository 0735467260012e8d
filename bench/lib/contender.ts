import type { BenchEvent, BenchWire, EventShape } from './bench-event';
import type { RecorderReport } from './recorder';

export type BrokerKind = 'kafka' | 'nats' | 'memory';

/** Everything a contender process needs to consume one freshly prepared data set. */
export interface ContenderJob {
  readonly scenario: string;
  readonly contender: string;
  readonly broker: BrokerKind;
  /** Kafka topic, JetStream subject or memory topic. */
  readonly topic: string;
  /** Kafka consumer group or JetStream durable name; fresh for every run. */
  readonly group: string;
  /** JetStream stream ('' on other brokers). */
  readonly stream: string;
  /** JetStream `nats.partitions` of the library's contenders (0: off). */
  readonly partitions: number;
  readonly kafkaBrokers: string[];
  readonly natsServers: string;
  readonly shape: EventShape;
  /** How the data set is written; plain contenders decode either. */
  readonly wire: BenchWire;
  /** The handler awaits a timer this long (ms); 0 is a no-op handler. */
  readonly handlerDelayMs: number;
  /** The broker lives in the contender's process (memory): the contender process publishes the data. */
  readonly publishInProcess: boolean;
  /** The run fails when no event is handled this long after start (ms). */
  readonly startTimeoutMs: number;
  /** The run ends as stalled when no event is handled this long (ms). */
  readonly idleTimeoutMs: number;
  /**
   * Set when this process is one of several instances consuming on one durable (see `runInstances`): the
   * harness, not the process, then decides when the run is over.
   */
  readonly instance?: InstanceRole;
}

/** Which of `of` instances of a scaled-out contender a process is (`index` from 0). */
export interface InstanceRole {
  readonly index: number;
  readonly of: number;
}

/** The benchmark handler a contender calls once per consumed event, awaiting it when it returns a promise. */
export type BenchHandler = (event: BenchEvent) => void | Promise<void>;

/** One consumer under test, running in its own process. */
export interface Contender {
  /** Connects and starts consuming; the data may already be waiting. */
  start(): Promise<void>;
  /** In-process brokers only: publishes one batch (distinct aggregates), resolving once accepted. */
  publishBatch?(events: BenchEvent[]): Promise<void>;
  /** Stops consuming and disconnects. */
  stop(): Promise<void>;
  /**
   * Scaled-out contenders: the partitions this instance holds right now. With `job.instance` set, `start()`
   * joins the durable paused (it takes its partitions but handles nothing) until `resume()`.
   */
  heldPartitions?(): Promise<number[]>;
  resume?(): void;
}

/** What every contender module exports. */
export type ContenderFactory = (job: ContenderJob, handle: BenchHandler) => Contender;

/** How a contender run ended: all events handled, no progress for `idleTimeoutMs`, nothing handled, or a failure. */
export type RunStatus = 'complete' | 'stalled' | 'no-events' | 'error';

/** How a contender process ended, and the memory it measured. */
export interface ProcessOutcome {
  readonly status: RunStatus;
  readonly error?: string;
  /** RSS once the contender had started (MB). */
  readonly startRssMb: number;
  /** Highest RSS sampled during the run (MB). */
  readonly peakRssMb: number;
  /** RSS after all events were handled and a garbage collection, with the contender still running (MB). */
  readonly drainedRssMb: number | undefined;
}

/** One contender run, as its process reports it (a scaled-out contender's: as the harness merged it). */
export interface ContenderRunResult extends RecorderReport, ProcessOutcome {
  readonly scenario: string;
  readonly contender: string;
  /** First to last handled event (ms). */
  readonly durationMs: number;
  /** Distinct events handled / `durationMs`. */
  readonly msgsPerSec: number;
  /** A scaled-out contender's instances, in start order (RSS columns: the largest instance's). */
  readonly instances?: readonly InstanceShare[];
}

/** What one instance of a scaled-out contender held and did in a run. */
export interface InstanceShare {
  /** Partitions it held when handling began. */
  readonly partitions: readonly number[];
  /** Partitions it held when the run ended. */
  readonly partitionsAtEnd: readonly number[];
  /** Its handlings, duplicates included. */
  readonly handled: number;
}
