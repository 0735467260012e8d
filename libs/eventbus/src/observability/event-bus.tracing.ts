import type * as OtelApi from '@opentelemetry/api';
import type { TransportName } from '../transports/transport.port';
import { SpanAttributes } from './semconv';

type Otel = typeof OtelApi;

/** What a CONSUMER span describes, besides the attempt. */
export interface ProcessSpanInfo {
  readonly topic: string;
  readonly messageId: string | undefined;
  readonly aggregateId: string | undefined;
  readonly partition: number | undefined;
  /** Kafka offset, JetStream stream sequence, memory sequence. */
  readonly sequence: number;
  readonly key: string | undefined;
  readonly headers: Readonly<Record<string, string>>;
  /** `headers[name]`; what a propagator reads (`headers` only when it asks for every name). */
  header(name: string): string | undefined;
}

/** Ends a span: `outcome` as an attribute, and error status when `error` is given. */
export type EndSpan = (outcome: string | undefined, error?: unknown) => void;

/** The `process <topic>` span of one attempt: `run` the handlers inside it, then `end` it. */
export interface ProcessSpan {
  run<T>(work: () => T): T;
  readonly end: EndSpan;
}

const TRACER_NAME = 'nest-ordered-eventbus';

const headerGetter: OtelApi.TextMapGetter<ProcessSpanInfo> = {
  keys: (carrier) => Object.keys(carrier.headers),
  get: (carrier, key) => carrier.header(key),
};

/**
 * OpenTelemetry spans after the messaging conventions: `send <topic>` (PRODUCER) per publish, whose context is
 * injected into the message as W3C `traceparent`/`tracestate`; `process <topic>` (CONSUMER) per handling attempt,
 * parented on the context extracted from the message, with the handlers run inside it (a span a handler starts
 * is its child; a publish inside a handler continues the trace). Without a registered SDK the API is a no-op.
 */
export class EventBusTracing {
  private readonly tracer: OtelApi.Tracer;

  constructor(
    private readonly otel: Otel,
    private readonly system: TransportName,
    private readonly consumerGroup: string,
  ) {
    this.tracer = otel.trace.getTracer(TRACER_NAME);
  }

  /** Whether an SDK took over the API's global tracer provider (checked per attempt: it may come later). */
  private sdkRegistered(): boolean {
    const provider = this.otel.trace.getTracerProvider();
    return (
      !(provider instanceof this.otel.ProxyTracerProvider) ||
      provider.getDelegateTracer(TRACER_NAME) !== undefined
    );
  }

  /** Starts `send <topic>` under the active context and writes its context into `carrier`. */
  send(topic: string, messageId: string | undefined, carrier: Record<string, string>): EndSpan {
    const { trace, context, propagation, SpanKind } = this.otel;
    const span = this.tracer.startSpan(`send ${topic}`, {
      kind: SpanKind.PRODUCER,
      attributes: {
        [SpanAttributes.messagingSystem]: this.system,
        [SpanAttributes.operationType]: 'send',
        [SpanAttributes.operationName]: 'send',
        [SpanAttributes.destinationName]: topic,
        ...(messageId === undefined ? {} : { [SpanAttributes.messageId]: messageId }),
      },
    });
    propagation.inject(trace.setSpan(context.active(), span), carrier);
    return (outcome, error) => this.end(span, outcome, error);
  }

  /**
   * Starts the `process <topic>` span of one attempt, parented on the context extracted from the message.
   * Undefined when there is nothing to record or continue (no SDK, no trace context in the message): that span
   * would be a no-op, so none is started and the handlers run in the context the attempt started in.
   */
  startProcess(info: ProcessSpanInfo, attempt: number): ProcessSpan | undefined {
    const { trace, context, propagation, SpanKind, ROOT_CONTEXT } = this.otel;
    const parent = propagation.extract(ROOT_CONTEXT, info, headerGetter);
    if (parent === ROOT_CONTEXT && !this.sdkRegistered()) return undefined;
    const attributes: OtelApi.Attributes = {
      [SpanAttributes.messagingSystem]: this.system,
      [SpanAttributes.operationType]: 'process',
      [SpanAttributes.operationName]: 'process',
      [SpanAttributes.destinationName]: info.topic,
      [SpanAttributes.consumerGroupName]: this.consumerGroup,
      [SpanAttributes.attempt]: attempt,
    };
    if (info.messageId !== undefined) attributes[SpanAttributes.messageId] = info.messageId;
    if (info.aggregateId !== undefined) attributes[SpanAttributes.aggregateId] = info.aggregateId;
    if (info.partition !== undefined) attributes[SpanAttributes.partitionId] = String(info.partition);
    if (this.system === 'kafka') {
      attributes[SpanAttributes.kafkaOffset] = info.sequence;
      if (info.key !== undefined) attributes[SpanAttributes.kafkaMessageKey] = info.key;
    }
    const span = this.tracer.startSpan(
      `process ${info.topic}`,
      { kind: SpanKind.CONSUMER, attributes },
      parent,
    );
    const spanContext = trace.setSpan(parent, span);
    return {
      run: (work) => context.with(spanContext, work),
      end: (outcome, error) => this.end(span, outcome, error),
    };
  }

  private end(span: OtelApi.Span, outcome: string | undefined, error?: unknown): void {
    if (outcome !== undefined) span.setAttribute(SpanAttributes.outcome, outcome);
    if (error !== undefined) {
      if (error instanceof Error) span.recordException(error);
      span.setStatus({
        code: this.otel.SpanStatusCode.ERROR,
        message: error instanceof Error ? error.message : String(error),
      });
    }
    span.end();
  }
}
