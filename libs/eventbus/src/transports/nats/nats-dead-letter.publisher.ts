import { deadLetterHeaders } from '../dead-letter-headers';
import type { DeadLetterInfo } from '../transport.port';
import { toNatsHeaders } from './nats-headers';
import type { NatsInboundMessage } from './nats-inbound-message';
import type { NatsPublisher } from './nats-publisher';

/**
 * Writes dead-letter copies to `<subject><suffix>` (the stream captures those subjects) with the original
 * headers, the ordering key and the `x-dead-letter-*` headers (offset = stream sequence, group = consumer name), and resolves on the
 * PubAck. The copy's `Nats-Msg-Id` is `<consumer>:<sequence>:dead-letter`: writing it again within the stream's
 * duplicate window (a retried or redelivered dead-lettering) stores it once.
 */
export class NatsDeadLetterPublisher {
  constructor(
    private readonly publisher: NatsPublisher,
    private readonly suffix: string,
    private readonly consumerName: string,
    /** The subject dead letters are written under (`<subject><suffix>`); default: the message's own subject. */
    private readonly subject?: string,
  ) {}

  async publish(message: NatsInboundMessage, info: DeadLetterInfo): Promise<void> {
    const headers = deadLetterHeaders(
      message.headers,
      { topic: message.subject, offset: message.sequence, key: message.key, group: this.consumerName },
      info,
    );
    await this.publisher.publish(`${this.subject ?? message.subject}${this.suffix}`, message.value, {
      headers: toNatsHeaders(headers, message.key),
      msgID: `${this.consumerName}:${message.sequence}:dead-letter`,
    });
  }
}
