import { describe, expect, it } from 'vitest';
import { IntakeGate } from './intake-gate';

describe('IntakeGate', () => {
  it('does not wait while open', async () => {
    const gate = new IntakeGate();
    expect(gate.isOpen).toBe(true);
    await gate.wait(60_000);
  });

  it('ends a wait when opened', async () => {
    const gate = new IntakeGate();
    gate.close();
    let done = false;
    const waiting = gate.wait(60_000).then(() => (done = true));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(done).toBe(false);
    gate.open();
    await waiting;
    expect(gate.isOpen).toBe(true);
  });

  it('ends a wait after the given time or on wake, staying closed', async () => {
    const gate = new IntakeGate();
    gate.close();
    await gate.wait(10);
    const waiting = gate.wait(60_000);
    gate.wake();
    await waiting;
    expect(gate.isOpen).toBe(false);
  });
});
