import type { EventShape } from '../lib/bench-event';
import type { ContenderFactory, ContenderJob } from '../lib/contender';

/** Publishes a scenario's data set in the encoding a contender decodes (default: plain JSON `BenchEvent`). */
export type PublishEvents = (job: ContenderJob, shape: EventShape) => Promise<void>;

export interface ContenderEntry {
  /** Name shown in reports. */
  readonly label: string;
  /** Loaded in the contender's own process only, so each process holds only what it measures. */
  readonly load: () => Promise<{ createContender: ContenderFactory }>;
  /** Loaded by the harness when the contender needs its own encoding on the wire. */
  readonly loadPublisher?: () => Promise<{ publishEvents: PublishEvents }>;
  /**
   * Scaled out: this many processes of the contender consume on one durable, each holding its share of the
   * partitions (see `runInstances`). Default: one process that judges its own run.
   */
  readonly instances?: number;
}

/** This library as `instances` processes on one durable, sharing the scenario's JetStream partitions. */
function eventBusInstances(instances: number) {
  return {
    label: `this library, ${instances} instance${instances === 1 ? '' : 's'}`,
    load: () => import('./eventbus.contender'),
    loadPublisher: () => import('./eventbus.publisher'),
    instances,
  };
}

/** Every contender the scenarios can name. */
export const CONTENDERS = {
  eventbus: {
    label: 'this library',
    load: () => import('./eventbus.contender'),
    loadPublisher: () => import('./eventbus.publisher'),
  },
  'eventbus-unobserved': {
    label: 'this library, observability off',
    load: () => import('./eventbus-unobserved.contender'),
    loadPublisher: () => import('./eventbus.publisher'),
  },
  'nest-server-kafka': {
    label: 'Nest ServerKafka',
    load: () => import('./nest-server-kafka.contender'),
  },
  'kafkajs-each-message': {
    label: 'kafkajs eachMessage x3',
    load: () => import('./kafkajs-each-message.contender'),
  },
  'kafkajs-each-batch': {
    label: 'kafkajs eachBatch',
    load: () => import('./kafkajs-each-batch.contender'),
  },
  'jetstream-consume': {
    label: 'jetstream consume()',
    load: () => import('./jetstream-consume.contender'),
  },
  'kafkajs-each-batch-concurrent': {
    label: 'kafkajs eachBatch, 256 at a time',
    load: () => import('./kafkajs-each-batch-concurrent.contender'),
    loadPublisher: () => import('./eventbus.publisher'),
  },
  'handlers-alone': {
    label: 'handlers alone, no broker',
    load: () => import('./handlers-alone.contender'),
  },
  'eventbus-1-instance': eventBusInstances(1),
  'eventbus-2-instances': eventBusInstances(2),
  'eventbus-3-instances': eventBusInstances(3),
} satisfies Record<string, ContenderEntry>;

export type ContenderId = keyof typeof CONTENDERS;

export function isContenderId(id: string): id is ContenderId {
  return Object.hasOwn(CONTENDERS, id);
}
