import type { EventBusModuleOptions } from '@app/eventbus';
import type { ContenderJob } from '../lib/contender';

/** Type of every benchmark domain event. */
export const BENCH_EVENT_TYPE = 'BenchEvent';

/** `nats.leaseTtlMs` with partitions on: the library's default; instances rebalance every third of it. */
export const LEASE_TTL_MS = 10_000;

/**
 * `EventBusModule.forRoot` options for a benchmark run: the job's broker, topic group/durable, stream and
 * JetStream partitions, the library's default dispatcher limits and lease lifetime (written out so the report
 * states them).
 */
export function eventBusOptions(job: ContenderJob): EventBusModuleOptions {
  return {
    transport: job.broker,
    kafka: { brokers: job.kafkaBrokers, clientId: 'bench-eventbus', groupId: job.group },
    nats: {
      servers: job.natsServers,
      stream: job.stream,
      durable: job.group,
      partitions: job.partitions,
      leaseTtlMs: LEASE_TTL_MS,
    },
    memory: { broker: job.topic, group: job.group },
    dispatcher: { maxConcurrency: 256, maxBuffered: 10_000 },
  };
}
