/** Thrown by `publish`, `consume` or `connect` once the NATS transport was closed. */
export class NatsTransportClosedError extends Error {
  override readonly name = 'NatsTransportClosedError';

  constructor(readonly operation: string) {
    super(`NATS transport is closed; cannot ${operation}.`);
  }
}
