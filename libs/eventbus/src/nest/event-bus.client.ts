import { Injectable } from '@nestjs/common';
import { ClientProxy, type ReadPacket, type WritePacket } from '@nestjs/microservices';
import type { NewDomainEvent } from '../envelope/domain-event-envelope';
import { EventBus } from './event-bus.publisher';

/**
 * A `ClientProxy` over `EventBus`, for Nest-style publishing: `client.emit('orders', data)`.
 * Data shaped like a new domain event (`aggregateId`, `type`, `version`) is published as a domain event;
 * anything else as a raw message. Request-response (`send`) is not supported: events only.
 */
@Injectable()
export class EventBusClient extends ClientProxy {
  constructor(private readonly eventBus: EventBus) {
    super();
  }

  async connect(): Promise<void> {}

  async close(): Promise<void> {}

  unwrap<T>(): T {
    return this.eventBus as T;
  }

  protected publish(_packet: ReadPacket, callback: (packet: WritePacket) => void): () => void {
    callback({
      err: new Error('EventBusClient carries events only: use emit(), not send()'),
      isDisposed: true,
    });
    return () => undefined;
  }

  protected async dispatchEvent<T = unknown>(packet: ReadPacket): Promise<T> {
    const topic = this.normalizePattern(packet.pattern);
    const data = packet.data as Partial<NewDomainEvent> | undefined;
    if (data && typeof data === 'object' && 'aggregateId' in data && 'type' in data && 'version' in data) {
      return (await this.eventBus.publishDomainEvent(topic, data as NewDomainEvent)) as T;
    }
    await this.eventBus.publish(topic, packet.data);
    return undefined as T;
  }
}
