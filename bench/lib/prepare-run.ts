import { CONTENDERS, type ContenderId, type PublishEvents } from '../contenders/contender-registry';
import type { Scenario } from '../scenarios/scenario';
import { KAFKA_BROKERS, NATS_SERVERS, uniqueName } from './bench-env';
import type { BenchWire, EventShape } from './bench-event';
import type { ContenderJob } from './contender';
import { addJetStreamDurable, prepareJetStreamPlain, removeJetStream } from './jetstream-fixture';
import { createKafkaTopic, publishKafkaPlain, removeKafkaResources } from './kafka-fixture';

/** A contender run's data set, published and ready to consume, and how to remove it afterwards. */
export interface PreparedRun {
  readonly job: ContenderJob;
  /** Time spent provisioning and publishing (ms; 0 when the contender publishes in its own process). */
  readonly publishMs: number;
  cleanup(): Promise<void>;
}

export interface RunSettings {
  readonly shape: EventShape;
  readonly startTimeoutMs: number;
  readonly idleTimeoutMs: number;
}

/** A data set published once, read by every contender of a `sameMessages` scenario. */
export interface SharedData {
  readonly topic: string;
  /** Time spent provisioning and publishing (ms). */
  readonly publishMs: number;
  /** Deletes the topic (and its dead-letter topic) or the stream (and its consumers). */
  cleanup(): Promise<void>;
}

/** The job of one contender run reading `topic` with a fresh group. */
function jobFor(
  scenario: Scenario,
  contender: ContenderId,
  settings: RunSettings,
  topic: string,
  wire: BenchWire,
): ContenderJob {
  const group = `${uniqueName(`bench-${scenario.id}-${contender}`)}-group`;
  return {
    scenario: scenario.id,
    contender,
    broker: scenario.broker,
    topic,
    group,
    stream: scenario.broker === 'nats' ? topic.toUpperCase().replace(/-/g, '_') : '',
    partitions: scenario.natsPartitions ?? 0,
    kafkaBrokers: KAFKA_BROKERS,
    natsServers: NATS_SERVERS,
    shape: settings.shape,
    wire,
    handlerDelayMs: scenario.handlerDelayMs,
    publishInProcess: scenario.broker === 'memory',
    startTimeoutMs: settings.startTimeoutMs,
    idleTimeoutMs: settings.idleTimeoutMs,
  };
}

/**
 * Publishes a `sameMessages` scenario's data set once through the library's own publisher (envelopes,
 * CloudEvents headers, key = aggregate id): on Kafka into a fresh topic with 3 partitions, on JetStream into a
 * fresh stream the publisher provisions.
 */
export async function publishSharedData(scenario: Scenario, settings: RunSettings): Promise<SharedData> {
  if (scenario.broker === 'memory') throw new Error(`${scenario.id}: sameMessages needs a broker`);
  const topic = uniqueName(`bench-${scenario.id}`);
  const job = jobFor(scenario, 'eventbus', settings, topic, 'envelope');
  const cleanup =
    job.broker === 'kafka'
      ? () => removeKafkaResources(job.kafkaBrokers, topic, job.group)
      : () => removeJetStream(job.natsServers, job.stream);
  const started = performance.now();
  try {
    if (job.broker === 'kafka') await createKafkaTopic(job.kafkaBrokers, topic);
    await (await CONTENDERS.eventbus.loadPublisher()).publishEvents(job, job.shape);
  } catch (e) {
    await cleanup().catch(() => undefined);
    throw e;
  }
  return { topic, publishMs: performance.now() - started, cleanup };
}

/**
 * Provisions a fresh topic/stream and group/durable for one contender run and publishes the scenario's
 * data set into it, in the encoding the contender reads: plain JSON `BenchEvent`s, or through the
 * contender's own publisher. Kafka topics are created here with 3 partitions for every contender;
 * a contender with its own JetStream publisher provisions its stream itself. With `shared` data the run
 * reads that topic with a fresh group instead, and its cleanup removes only the group.
 */
export async function prepareRun(
  scenario: Scenario,
  contender: ContenderId,
  settings: RunSettings,
  shared?: SharedData,
): Promise<PreparedRun> {
  const publisher = await ownPublisher(contender);
  if (shared) {
    const job = jobFor(scenario, contender, settings, shared.topic, 'envelope');
    if (job.broker === 'kafka')
      return {
        job,
        publishMs: 0,
        cleanup: () => removeKafkaResources(job.kafkaBrokers, undefined, job.group),
      };
    // The library provisions its own durable; a plain contender reads through one made here. Both go with
    // the stream (`SharedData.cleanup`).
    if (!publisher) await addJetStreamDurable(job.natsServers, job.stream, job.group);
    return { job, publishMs: 0, cleanup: async () => undefined };
  }
  const job = jobFor(
    scenario,
    contender,
    settings,
    uniqueName(`bench-${scenario.id}-${contender}`),
    publisher ? 'envelope' : 'plain',
  );
  if (job.broker === 'memory') return { job, publishMs: 0, cleanup: async () => undefined };

  const cleanup =
    job.broker === 'kafka'
      ? () => removeKafkaResources(job.kafkaBrokers, job.topic, job.group)
      : () => removeJetStream(job.natsServers, job.stream);
  const started = performance.now();
  try {
    if (job.broker === 'kafka') {
      await createKafkaTopic(job.kafkaBrokers, job.topic);
      if (publisher) await publisher(job, job.shape);
      else await publishKafkaPlain(job.kafkaBrokers, job.topic, job.shape);
    } else if (publisher) {
      await publisher(job, job.shape);
    } else {
      await prepareJetStreamPlain(job.natsServers, job.stream, job.topic, job.group, job.shape);
    }
  } catch (e) {
    await cleanup().catch(() => undefined);
    throw e;
  }
  return { job, publishMs: performance.now() - started, cleanup };
}

async function ownPublisher(contender: ContenderId): Promise<PublishEvents | undefined> {
  const entry = CONTENDERS[contender];
  return 'loadPublisher' in entry ? (await entry.loadPublisher()).publishEvents : undefined;
}
