import type { ResolvedEventBusOptions } from '../options/event-bus.options';
import type { AdapterContext } from './adapter-context';
import type { Transport } from './transport.port';

/**
 * Builds the adapter the options name. Broker adapters are loaded on demand, so an application on the
 * memory transport never loads kafkajs or nats.js.
 */
export async function createTransport(
  options: ResolvedEventBusOptions,
  context: AdapterContext,
): Promise<Transport> {
  switch (options.transport) {
    case 'kafka': {
      const { KafkaTransport } = await import('./kafka/kafka.transport');
      return new KafkaTransport(options.kafka!, context);
    }
    case 'nats': {
      const { NatsTransport } = await import('./nats/nats.transport');
      return new NatsTransport(options.nats!, context);
    }
    case 'memory': {
      const { MemoryTransport } = await import('./memory/memory.transport');
      return new MemoryTransport(options.memory, context);
    }
  }
}
