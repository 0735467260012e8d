/**
 * Span attribute keys, after the OpenTelemetry semantic conventions for messaging; the `eventbus.*` keys are
 * this library's own.
 */
export const SpanAttributes = {
  messagingSystem: 'messaging.system',
  operationType: 'messaging.operation.type',
  operationName: 'messaging.operation.name',
  destinationName: 'messaging.destination.name',
  messageId: 'messaging.message.id',
  consumerGroupName: 'messaging.consumer.group.name',
  partitionId: 'messaging.destination.partition.id',
  kafkaOffset: 'messaging.kafka.offset',
  kafkaMessageKey: 'messaging.kafka.message.key',
  /** 1-based attempt of this delivery (see `EventBusContext.getAttempt()`). */
  attempt: 'eventbus.attempt',
  /** How the attempt ended: `handled`, `retried`, `dead_lettered`, `dropped` or `discarded`. */
  outcome: 'eventbus.outcome',
  /** The aggregate id of a domain event. */
  aggregateId: 'eventbus.aggregate_id',
} as const;

/** Names of the W3C Trace Context headers (and envelope metadata keys) the library writes and reads. */
export const TraceHeaders = { traceparent: 'traceparent', tracestate: 'tracestate' } as const;
