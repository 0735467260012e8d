import type { DeliverFn, InboundMessage } from '../../libs/eventbus/src/transports/transport.port';
import { waitFor } from './recorder';

/** Plays the core in adapter tests: records every delivery, optionally reacting to each. */
export class Inbox {
  readonly messages: InboundMessage[] = [];
  readonly deliver: DeliverFn;

  constructor(onMessage?: (message: InboundMessage, inbox: Inbox) => void) {
    this.deliver = (message) => {
      this.messages.push(message);
      onMessage?.(message, this);
    };
  }

  /** Resolves with every message so far once at least `count` arrived. */
  async waitFor(count: number, timeoutMs = 20_000): Promise<InboundMessage[]> {
    await waitFor(
      () => this.messages.length >= count,
      () => `received ${this.messages.length} of ${count}`,
      timeoutMs,
    );
    return this.messages;
  }

  /** The first `count` messages, once they arrived. */
  async receive(count: number, timeoutMs = 20_000): Promise<InboundMessage[]> {
    return (await this.waitFor(count, timeoutMs)).slice(0, count);
  }

  values(): string[] {
    return this.messages.map((m) => m.value.toString());
  }
}
