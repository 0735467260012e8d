import { CONTENDERS, type ContenderId, type PublishEvents } from '../contenders/contender-registry';
import type { Scenario } from '../scenarios/scenario';
import { KAFKA_BROKERS, NATS_SERVERS, uniqueName } from './bench-env';
import type { EventShape } from './bench-event';
import type { ContenderJob } from './contender';
import { prepareJetStreamPlain, removeJetStream } from './jetstream-fixture';
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

/**
 * Provisions a fresh topic/stream and group/durable for one contender run and publishes the scenario's
 * data set into it, in the encoding the contender reads: plain JSON `BenchEvent`s, or through the
 * contender's own publisher. Kafka topics are created here with 3 partitions for every contender;
 * a contender with its own JetStream publisher provisions its stream itself.
 */
export async function prepareRun(
  scenario: Scenario,
  contender: ContenderId,
  settings: RunSettings,
): Promise<PreparedRun> {
  const name = uniqueName(`bench-${scenario.id}-${contender}`);
  const job: ContenderJob = {
    scenario: scenario.id,
    contender,
    broker: scenario.broker,
    topic: name,
    group: `${name}-group`,
    stream: scenario.broker === 'nats' ? name.toUpperCase().replace(/-/g, '_') : '',
    kafkaBrokers: KAFKA_BROKERS,
    natsServers: NATS_SERVERS,
    shape: settings.shape,
    handlerDelayMs: scenario.handlerDelayMs,
    publishInProcess: scenario.broker === 'memory',
    startTimeoutMs: settings.startTimeoutMs,
    idleTimeoutMs: settings.idleTimeoutMs,
  };
  if (job.broker === 'memory') return { job, publishMs: 0, cleanup: async () => undefined };

  const cleanup =
    job.broker === 'kafka'
      ? () => removeKafkaResources(job.kafkaBrokers, job.topic, job.group)
      : () => removeJetStream(job.natsServers, job.stream);
  const started = performance.now();
  try {
    const publisher = await ownPublisher(contender);
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
