import { MissingDependencyError } from '../errors/missing-dependency.error';
import type { ResolvedEventBusOptions } from '../options/event-bus.options';
import type { AdapterContext } from './adapter-context';
import type { Transport } from './transport.port';

/** The packages (optional peer dependencies) each broker adapter loads. */
export const ADAPTER_PACKAGES = {
  kafka: ['kafkajs'],
  nats: ['@nats-io/transport-node', '@nats-io/jetstream'],
} as const;

/**
 * Builds the adapter the options name. Broker adapters are loaded on demand, so an application on the
 * memory transport never loads kafkajs or nats.js; a broker client that is not installed fails with
 * `MissingDependencyError`, which names the package to install.
 */
export async function createTransport(
  options: ResolvedEventBusOptions,
  context: AdapterContext,
): Promise<Transport> {
  switch (options.transport) {
    case 'kafka': {
      const { KafkaTransport } = await loadAdapter('kafka', () => import('./kafka/kafka.transport'));
      return new KafkaTransport(options.kafka!, context);
    }
    case 'nats': {
      const { NatsTransport } = await loadAdapter('nats', () => import('./nats/nats.transport'));
      return new NatsTransport(options.nats!, context);
    }
    case 'memory': {
      const { MemoryTransport } = await import('./memory/memory.transport');
      return new MemoryTransport(options.memory, context);
    }
  }
}

/**
 * Runs `load`; when it fails because one of the adapter's packages cannot be found (Node's
 * `ERR_MODULE_NOT_FOUND` from ESM, `MODULE_NOT_FOUND` from CommonJS), rejects with `MissingDependencyError`
 * naming that package, whose command installs all of the adapter's packages (Node reports one missing package
 * at a time). Any other failure is passed on unchanged.
 */
export async function loadAdapter<T>(
  transport: keyof typeof ADAPTER_PACKAGES,
  load: () => Promise<T>,
): Promise<T> {
  try {
    return await load();
  } catch (error) {
    const packages = ADAPTER_PACKAGES[transport];
    const missing = packages.find((name) => isMissingPackage(error, name));
    if (!missing) throw error;
    throw new MissingDependencyError(`transport: '${transport}'`, missing, { cause: error }, packages);
  }
}

/** True when `error` says that package `name` itself (not a file inside it) could not be found. */
function isMissingPackage(error: unknown, name: string): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') return false;
  return (
    typeof message === 'string' &&
    message.includes(`Cannot find ${code === 'MODULE_NOT_FOUND' ? 'module' : 'package'} '${name}'`)
  );
}
