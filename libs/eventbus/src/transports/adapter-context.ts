import type { LoggerService } from '@nestjs/common';

/** What every adapter gets besides its own options. */
export interface AdapterContext {
  /** Dead-letter destination suffix (`orders` -> `orders.dlq`); undefined when dead-lettering is off. */
  readonly deadLetterSuffix: string | undefined;
  /** The dispatcher's buffer limit; adapters size their prefetch (JetStream `max_ack_pending`) to it. */
  readonly maxBuffered: number;
  /** A publish (dead letters included) that the broker has not confirmed by then rejects with `PublishTimeoutError`. */
  readonly publishTimeoutMs: number;
  readonly logger: LoggerService;
}
