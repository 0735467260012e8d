/** The Kafka transport was closed: it neither publishes nor consumes any more. */
export class KafkaTransportClosedError extends Error {
  override readonly name = 'KafkaTransportClosedError';

  constructor(readonly operation: 'connect' | 'publish' | 'consume') {
    super(`Cannot ${operation}: the Kafka transport is closed.`);
  }
}
