import { Inject, Injectable } from '@nestjs/common';
import { describeError } from '../errors/describe-value';
import type { ResolvedEventBusOptions } from '../options/event-bus.options';
import type { OutboxRelayStatus } from '../outbox/outbox-relay';
import { EVENT_BUS_OPTIONS } from './event-bus.constants';
import { EventBusServer } from './event-bus.server';
import { OutboxRelayRunner } from './outbox-relay.runner';

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
  /** The outbox relay of this process, when it runs: owned partitions, aggregates waiting for a retry. */
  readonly outbox?: OutboxRelayStatus;
}

/**
 * A health indicator for the module's `EventBusServer`, in the shape `@nestjs/terminus` expects
 * (`health.check([() => indicator.isHealthy()])`) without depending on Terminus. Down when the broker connection
 * is down, the consumer is not running (not started yet, a crashed consumer being restarted, closing), or an
 * aggregate has been unsettled longer than `observability.stallThresholdMs` (default 5 minutes: a handler that
 * keeps failing with long retry delays, a hung handler, a dead letter the broker refuses). With an outbox relay in
 * this process, also down when the relay cannot work (database unreachable) or an outbox row has failed to publish
 * for longer than that threshold. Never throws.
 */
@Injectable()
export class EventBusHealthIndicator {
  constructor(
    private readonly server: EventBusServer,
    @Inject(EVENT_BUS_OPTIONS) private readonly options: ResolvedEventBusOptions,
    private readonly outboxRelay: OutboxRelayRunner,
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
      const outbox = this.outboxRelay.status();
      const base = { transport, server: status, connected, consuming, ...(outbox && { outbox }) };
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
      if (outbox?.lastError) return { status: 'down', ...base, reason: `outbox relay: ${outbox.lastError}` };
      const stuck = outbox?.failing.find((failure) => failure.seconds > thresholdSeconds);
      if (stuck) {
        return {
          status: 'down',
          ...base,
          reason:
            `outbox row of aggregate ${stuck.aggregateId} of ${stuck.topic} (version ${stuck.version}) not ` +
            `published for ${Math.round(stuck.seconds)} s: ${stuck.error}`,
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
