/**
 * Thrown by `publishDomainEvent(topic, event, { transaction })` when the module has no `outbox` option: without
 * it the event cannot be written in the caller's transaction, and publishing it directly would break atomicity.
 */
export class OutboxNotConfiguredError extends Error {
  override readonly name = 'OutboxNotConfiguredError';

  constructor(readonly topic: string) {
    super(
      `publishDomainEvent("${topic}", event, { transaction }) needs the EventBusModule option "outbox" ` +
        '({ pool } or { connectionString }); without a transaction the event is published directly.',
    );
  }
}
