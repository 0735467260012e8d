/**
 * A message could not be settled as decided (the broker refused the dead-letter write, an ack or a release
 * failed). Reported through `server.on('error')`; the dispatcher retries the settlement or releases the message,
 * so nothing is lost.
 */
export class SettlementError extends Error {
  override readonly name = 'SettlementError';

  constructor(
    readonly topic: string,
    readonly sequence: number,
    readonly reason: string,
  ) {
    super(`Settling ${topic}#${sequence} failed: ${reason}`);
  }
}
