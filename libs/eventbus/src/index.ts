// Nest layer
export { EventBusModule } from './nest/event-bus.module';
export { EVENT_BUS_ASYNC_OPTIONS_TYPE, EVENT_BUS_OPTIONS_TYPE } from './nest/event-bus.module-definition';
export { EventBusServer, type EventBusServerEvents, type EventBusStatus } from './nest/event-bus.server';
export { EventBus, type PublishOptions, type PublishDomainEventOptions } from './nest/event-bus.publisher';
export { EventBusClient } from './nest/event-bus.client';
export { EventBusContext } from './nest/event-bus.context';
export { DomainEvent, type DomainEventOptions } from './nest/domain-event.decorator';
export { RawEvent } from './nest/raw-event.decorator';
export { DeadLetters } from './nest/dead-letters.decorator';
export type { DeadLetter } from './dead-letters/dead-letter';
export { DeadLetterQueue, type ReplayOptions, type ReplaySelection } from './dead-letters/dead-letter-queue';
export { EventBusHealthIndicator, type EventBusHealthDetails } from './nest/event-bus-health.indicator';
export {
  EVENT_BUS_OPTIONS,
  EVENT_BUS_TRANSPORT,
  DOMAIN_EVENT_EXTRA,
  DEAD_LETTERS_EXTRA,
} from './nest/event-bus.constants';
// Envelope and codecs
export * from './envelope/domain-event-envelope';
export { EnvelopeHeaders } from './envelope/envelope-headers';
export { encodeEnvelope, decodeEnvelope } from './envelope/envelope-codec';
export { encodeRaw, decodeRaw } from './envelope/raw-message-codec';
// Policies and errors
export { AckDecision, type AckDecisionKind } from './policy/ack-decision';
export { RetryableError } from './errors/retryable.error';
export { DeadLetterError } from './errors/dead-letter.error';
export { DiscardError } from './errors/discard.error';
export { HandlerTimeoutError } from './errors/handler-timeout.error';
export { InvalidOptionsError } from './errors/invalid-options.error';
export { MissingDependencyError } from './errors/missing-dependency.error';
export { TransportClosedError } from './errors/transport-closed.error';
export { PublishTimeoutError } from './errors/publish-timeout.error';
export { BrokerConnectionError, type BrokerConnectionFailure } from './errors/broker-connection.error';
export { SettlementError } from './errors/settlement.error';
export { DeadLetterQueueError } from './errors/dead-letter-queue.error';
export { EnvelopeDecodeError } from './errors/envelope-decode.error';
export { MessageDecodeError } from './errors/message-decode.error';
export { MessageEncodeError } from './errors/message-encode.error';
export { InvalidDomainEventError } from './errors/invalid-domain-event.error';
export { MessageRevokedError } from './errors/message-revoked.error';
export { InvalidTopicError } from './errors/invalid-topic.error';
export { OutboxNotConfiguredError } from './errors/outbox-not-configured.error';
// Outbox (PostgreSQL)
export type { OutboxOptions, OutboxRelayOptions } from './outbox/outbox.options';
export type { SqlClient, SqlPool, SqlPoolClient } from './outbox/sql-client';
export type { OutboxRelayStatus } from './outbox/outbox-relay';
export { outboxSchemaSql } from './outbox/outbox-schema';
// Options, dispatcher events, transport port
export * from './options/event-bus.options';
export type {
  MetricsOptions,
  MetricsRegistry,
  ObservabilityOptions,
} from './observability/observability.options';
export { SpanAttributes, TraceHeaders } from './observability/semconv';
export { checkTopicName, type TopicUse } from './options/topic-rules';
export type { KafkaTransportOptions } from './transports/kafka/kafka-transport.options';
export type { NatsTransportOptions } from './transports/nats/nats-transport.options';
export type { NatsConnectionOptions } from './transports/nats/nats-connection.options';
export type {
  DispatcherCounters,
  DispatcherEvent,
  DispatcherEventType,
} from './dispatcher/dispatcher-events';
export { DeadLetterHeaders } from './transports/dead-letter-headers';
export type * from './transports/transport.port';
export { MemoryBroker } from './transports/memory/memory-broker';
// Adapter errors and names (the adapters themselves load on demand)
export { KafkaDeadLetterError } from './transports/kafka/kafka-dead-letter.error';
export { NatsProvisioningError } from './transports/nats/nats-provisioning.error';
export { natsConsumerName } from './transports/nats/nats-consumer-name';
