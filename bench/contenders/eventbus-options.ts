import type { EventBusModuleOptions } from '@app/eventbus';
import type { ContenderJob } from '../lib/contender';

/** Type of every benchmark domain event. */
export const BENCH_EVENT_TYPE = 'BenchEvent';

/**
 * `EventBusModule.forRoot` options for a benchmark run: the job's broker, topic group/durable and
 * stream, the library's default dispatcher limits (written out so the report states them).
 */
export function eventBusOptions(job: ContenderJob): EventBusModuleOptions {
  return {
    transport: job.broker,
    kafka: { brokers: job.kafkaBrokers, clientId: 'bench-eventbus', groupId: job.group },
    nats: { servers: job.natsServers, stream: job.stream, durable: job.group },
    memory: { broker: job.topic, group: job.group },
    dispatcher: { maxConcurrency: 256, maxBuffered: 10_000 },
  };
}
