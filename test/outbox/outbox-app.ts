import type { DomainEventEnvelope, EventBusModuleOptions, OutboxOptions } from '@app/eventbus';
import { domainController } from '../support/controllers';
import { Recorder } from '../support/recorder';
import { startApp, type TestApp } from '../support/test-app';

/** An application consuming `topic` (or each of several) that records every handled event. */
export async function startConsumer(
  options: EventBusModuleOptions,
  topic: string | readonly string[],
): Promise<{ app: TestApp; recorder: Recorder }> {
  const recorder = new Recorder();
  const record = (event: DomainEventEnvelope) => recorder.succeeded(event.aggregateId, event.version);
  const topics = typeof topic === 'string' ? [topic] : topic;
  const app = await startApp(options, [domainController(Object.fromEntries(topics.map((t) => [t, record])))]);
  return { app, recorder };
}

/** An application that only publishes, with an outbox (its relay runs unless `relay.enabled` is false). */
export function startPublisher(options: EventBusModuleOptions, outbox: OutboxOptions): Promise<TestApp> {
  return startApp({ ...options, outbox }, []);
}

/** Fast relay settings for tests. */
export const FAST_RELAY = { pollIntervalMs: 200, batchSize: 50, initialRetryDelayMs: 100 } as const;
