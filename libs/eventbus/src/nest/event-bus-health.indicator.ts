import { Inject, Injectable } from '@nestjs/common';
import { describeError } from '../errors/describe-value';
import type { ResolvedEventBusOptions } from '../options/event-bus.options';
import { EVENT_BUS_OPTIONS } from './event-bus.constants';
import { EventBusServer } from './event-bus.server';

/** What `EventBusHealthIndicator.isHealthy(key)` reports under `key`. */
export interface EventBusHealthDetails {
  readonly status: 'up' | 'down';
  /** `'memory'`, `'kafka'` or `'nats'`. */
  readonly transport: string;
  /** The server's lifecycle state (`idle` before `listen()`). */
  readonly server: string;
  readonly connected: boolean;
  readonly consuming: boolean;
  /** Why it is down, in words; absent when up. */
  readonly reason?: string;
  /** The aggregate unsettled longer than `observability.stallThresholdMs`, when there is one. */
  readonly stalled?: { readonly topic: string; readonly aggregateId?: string; readonly seconds: number };
}

/**
 * A health indicator for the module's `EventBusServer`, in the shape `@nestjs/terminus` expects
 * (`health.check([() => indicator.isHealthy()])`) without depending on Terminus. Down when the broker connection
 * is down, the consumer is not running (not started yet, a crashed consumer being restarted, closing), or an
 * aggregate has been unsettled longer than `observability.stallThresholdMs` (default 5 minutes: a handler that
 * keeps failing with long retry delays, a hung handler, a dead letter the broker refuses). Never throws.
 */
@Injectable()
export class EventBusHealthIndicator {
  constructor(
    private readonly server: EventBusServer,
    @Inject(EVENT_BUS_OPTIONS) private readonly options: ResolvedEventBusOptions,
  ) {}

  async isHealthy<K extends string = 'eventbus'>(
    key: K = 'eventbus' as K,
  ): Promise<Record<K, EventBusHealthDetails>> {
    return { [key]: this.details() } as Record<K, EventBusHealthDetails>;
  }

  private details(): EventBusHealthDetails {
    const transport = this.options.transport;
    try {
      const { status, transport: health, oldestUnsettled } = this.server.health();
      const connected = health?.connected ?? false;
      const consuming = health?.consuming ?? false;
      const base = { transport, server: status, connected, consuming };
      const thresholdSeconds = this.options.observability.stallThresholdMs / 1_000;
      if (status !== 'connected') return { status: 'down', ...base, reason: `server is ${status}` };
      if (!connected) return { status: 'down', ...base, reason: `${transport} connection is down` };
      if (!consuming) return { status: 'down', ...base, reason: 'consumer is not running' };
      if (oldestUnsettled && oldestUnsettled.seconds > thresholdSeconds) {
        const { topic, aggregateId, seconds } = oldestUnsettled;
        return {
          status: 'down',
          ...base,
          reason: `aggregate ${aggregateId ?? '(none)'} of ${topic} unsettled for ${Math.round(seconds)} s`,
          stalled: { topic, aggregateId, seconds },
        };
      }
      return { status: 'up', ...base };
    } catch (error) {
      return {
        status: 'down',
        transport,
        server: 'unknown',
        connected: false,
        consuming: false,
        reason: describeError(error),
      };
    }
  }
}
