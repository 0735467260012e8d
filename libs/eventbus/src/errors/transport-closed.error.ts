import type { TransportName } from '../transports/transport.port';

/** The transport was closed (or stopped consuming): it does not `operation` any more. */
export class TransportClosedError extends Error {
  override readonly name = 'TransportClosedError';

  constructor(
    readonly transport: TransportName,
    readonly operation: string,
  ) {
    super(`Cannot ${operation}: the ${transport} transport is closed.`);
  }
}
