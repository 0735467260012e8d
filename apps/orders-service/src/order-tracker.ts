import { Injectable } from '@nestjs/common';

/** Counts what the demo's handlers did and checks that each order's versions were handled in order. */
@Injectable()
export class OrderTracker {
  handled = 0;
  deliveries = 0;
  deadLetters = 0;
  auditHandled = 0;
  orderViolations = 0;
  private readonly lastVersion = new Map<string, number>();

  delivered(): void {
    this.deliveries++;
  }

  succeeded(aggregateId: string, version: number): void {
    this.handled++;
    const last = this.lastVersion.get(aggregateId) ?? 0;
    if (version <= last) this.orderViolations++;
    this.lastVersion.set(aggregateId, version);
  }
}
