/** Messages asked for at once by all the pull loops of one connection together. */
export const CONNECTION_PULL_BUDGET = 2048;
/** The smallest pull request a loop sends, however many loops share the connection. */
export const MIN_PULL_BATCH = 64;

/**
 * Messages one of `loops` pull loops on a connection asks for per pull request: an even share of
 * `CONNECTION_PULL_BUDGET`, at least `MIN_PULL_BATCH`, at most `maxAckPending`. Every pull request's messages
 * come over the one socket, and nats.js ends a pull request whose idle heartbeats it did not see in time:
 * when several loops each asked for a full budget, the event loop could spend long enough on the others'
 * messages for a loop's heartbeats to count as missed, and the messages the server then sent to its closed
 * request would come back only after `ack_wait`. A shared budget keeps a connection's burst as one loop's.
 */
export function pullBatch(loops: number, maxAckPending: number): number {
  const share = Math.floor(CONNECTION_PULL_BUDGET / Math.max(1, loops));
  return Math.min(maxAckPending, Math.max(MIN_PULL_BATCH, share));
}
