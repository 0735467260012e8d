import { describe, expect, it } from 'vitest';
import { natsConsumerName } from './nats-consumer-name';

describe('natsConsumerName', () => {
  it('keeps names that are valid as they are', () => {
    expect(natsConsumerName('orders-svc', 'orders')).toBe('orders-svc_orders');
  });

  it('replaces characters a consumer name cannot hold and tells similar subjects apart', () => {
    const dotted = natsConsumerName('svc', 'orders.placed');
    const underscored = natsConsumerName('svc', 'orders_placed');
    expect(dotted).toMatch(/^svc_orders_placed_[0-9a-f]{8}$/);
    expect(underscored).toBe('svc_orders_placed');
    expect(dotted).not.toBe(underscored);
    expect(natsConsumerName('svc', 'orders.*')).not.toBe(natsConsumerName('svc', 'orders.>'));
    expect(natsConsumerName('svc', 'a b/c\\d')).toMatch(/^svc_a_b_c_d_[0-9a-f]{8}$/);
  });

  it('bounds long names', () => {
    const name = natsConsumerName('svc', 'x'.repeat(500));
    expect(name.length).toBeLessThanOrEqual(96 + 9);
    expect(name).not.toBe(natsConsumerName('svc', 'x'.repeat(501)));
  });
});
