import type { LoggerService } from '@nestjs/common';
import type { ResolvedEventBusOptions } from '../options/event-bus.options';
import { loadAdapter } from '../transports/create-transport';
import type { DeadLetterStore } from './dead-letter.store';

/** The dead-letter store of the configured transport; broker clients load on demand, like the adapters. */
export async function createDeadLetterStore(
  options: ResolvedEventBusOptions,
  logger: LoggerService,
): Promise<DeadLetterStore> {
  switch (options.transport) {
    case 'kafka': {
      const { KafkaDeadLetterStore } = await loadAdapter('kafka', () => import('./kafka-dead-letter.store'));
      return new KafkaDeadLetterStore(options.kafka!, logger);
    }
    case 'nats': {
      const { NatsDeadLetterStore } = await loadAdapter('nats', () => import('./nats-dead-letter.store'));
      return new NatsDeadLetterStore(options.nats!);
    }
    case 'memory': {
      const { MemoryDeadLetterStore } = await import('./memory-dead-letter.store');
      return new MemoryDeadLetterStore(options.memory.broker);
    }
  }
}
