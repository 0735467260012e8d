/**
 * Messages asked for at once by all the pull loops of one connection together. A pull request's messages
 * arrive together and are taken in as they come, so this is the longest burst the event loop spends on
 * intake: 512 keeps it to a few milliseconds, during which running handlers' I/O waits (2,048 cost the I/O
 * benchmark about an eighth of its throughput and nearly doubled the no-op benchmark's memory). One request
 * at a time per loop: over a link with a round trip of `r` seconds, a loop pulls at most 512 / `r` messages
 * per second.
 */
export const CONNECTION_PULL_BUDGET = 512;
/**
 * The smallest pull request a loop sends, however many loops share the connection; also what a loop asks for
 * while the core is backlogged.
 */
export const MIN_PULL_BATCH = 64;

/**
 * Messages one of `loops` pull loops on a connection asks for per pull request: an even share of
 * `CONNECTION_PULL_BUDGET`, at least `MIN_PULL_BATCH`, at most `maxAckPending`. Every pull request's messages
 * come over the one socket, and nats.js ends a pull request whose idle heartbeats it did not see in time:
 * when several loops each asked for a full budget, the event loop could spend long enough on the others'
 * messages for a loop's heartbeats to count as missed, and the messages the server then sent to its closed
 * request would come back only after `ack_wait`. A shared budget keeps a connection's burst as one loop's.
 *
 * While the core is `backlogged` (as many jobs wait for a free slot as it runs at once, or more), a loop asks
 * for `MIN_PULL_BATCH`: intake then takes its turns between handlers' completions in small bursts instead of
 * running ahead of them in large ones (the I/O benchmark gained about a fifth; the no-op one, never
 * backlogged, is unchanged).
 */
export function pullBatch(loops: number, maxAckPending: number, backlogged = false): number {
  const share = backlogged ? MIN_PULL_BATCH : Math.floor(CONNECTION_PULL_BUDGET / Math.max(1, loops));
  return Math.min(maxAckPending, Math.max(MIN_PULL_BATCH, share));
}
