import { Controller } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { DomainEvent, RawEvent, type DomainEventEnvelope, type EventBusContext } from 'nest-ordered-eventbus';
import { demo } from './demo-config';
import { OrderTracker } from './order-tracker';

export interface OrderChanged {
  orderNo: number;
  status: string;
}

export interface AuditRecord {
  n: number;
  action: string;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
  });

@Controller()
export class OrdersController {
  constructor(private readonly tracker: OrderTracker) {}

  /** Domain events: at-least-once, in order per order id, failures retried while only that order waits. */
  @DomainEvent(demo.ordersTopic)
  async onOrderChanged(@Payload() event: DomainEventEnvelope<OrderChanged>, @Ctx() ctx: EventBusContext) {
    this.tracker.delivered();
    const { orderNo } = event.payload;
    const attempt = ctx.getAttempt();
    if (orderNo % demo.poisonEvery === 0 && event.version === demo.poisonVersion) {
      throw new Error(`order ${orderNo} v${event.version} is poison`);
    }
    if (orderNo % demo.hangEvery === 0 && event.version === 1 && attempt === 1) {
      await new Promise(() => undefined); // hangs: cut by handlerTimeoutMs
    }
    if (orderNo % demo.flakyEvery === 0 && event.version === 2 && attempt <= 2) {
      throw new Error(`order ${orderNo} v2: database busy (attempt ${attempt})`);
    }
    await sleep(2, ctx.signal); // I/O
    this.tracker.succeeded(event.aggregateId, event.version);
  }

  /** Raw messages: at-most-once, a failure is logged and dropped. */
  @RawEvent(demo.auditTopic)
  onAudit(@Payload() record: AuditRecord) {
    if (record.n % demo.auditFailEvery === 0) throw new Error(`audit ${record.n} rejected`);
    this.tracker.auditHandled++;
  }

  /** Dead letters land here (raw subscription on the dead-letter topic). */
  @RawEvent(`${demo.ordersTopic}.dlq`)
  onDeadLetter() {
    this.tracker.deadLetters++;
  }
}
