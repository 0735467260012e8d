import { AckPolicy, DeliverPolicy, jetstreamManager, type JsMsg } from '@nats-io/jetstream';
import { connect, nanos, type NatsConnection } from '@nats-io/transport-node';
import { DeadLetterQueueError } from '../errors/dead-letter-queue.error';
import { natsConsumerName } from '../transports/nats/nats-consumer-name';
import { fromNatsHeaders } from '../transports/nats/nats-headers';
import { subjectCovers } from '../transports/nats/nats-subject-match';
import type { ResolvedNatsOptions } from '../transports/nats/nats-transport.options';
import { type DeadLetterBatch, type DeadLetterStore, EMPTY_BATCH } from './dead-letter.store';

/** Prefix of the durable consumer that records, per dead-letter subject, which dead letters were replayed. */
export const NATS_DEAD_LETTER_DURABLE = 'dead-letter-replay';

/** How long a read keeps the dead letters it holds before JetStream would hand them out again (ms). */
const HOLD_MS = 60_000;
/** Longest wait for one fetch (ms). */
const FETCH_EXPIRES_MS = 5_000;
const FETCH_BATCH = 256;

/**
 * Dead letters on JetStream. A durable pull consumer over the dead-letter subject,
 * `natsConsumerName('dead-letter-replay', subject)` with explicit acks, reads the dead letters not replayed
 * yet; a replayed one is acknowledged (and the ack confirmed), the others are given back with `nak()` when the
 * read closes, so they come again, in stream order, on the next read. One read at a time per subject.
 */
export class NatsDeadLetterStore implements DeadLetterStore {
  private connection: Promise<NatsConnection> | undefined;

  constructor(private readonly options: ResolvedNatsOptions) {}

  async read(deadLetterSubject: string): Promise<DeadLetterBatch> {
    this.connection ??= connect({ servers: this.options.servers });
    const nc = await this.connection;
    const jsm = await jetstreamManager(nc);
    const { stream } = this.options;
    const info = await jsm.streams.info(stream).catch(() => undefined);
    const captured = info?.config.subjects?.some((s) => subjectCovers(s, deadLetterSubject)) ?? false;
    if (!captured) return EMPTY_BATCH;
    const name = natsConsumerName(NATS_DEAD_LETTER_DURABLE, deadLetterSubject);
    await jsm.consumers.add(stream, {
      durable_name: name,
      filter_subject: deadLetterSubject,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      ack_wait: nanos(HOLD_MS),
      max_ack_pending: -1,
    });
    const state = await jsm.consumers.info(stream, name);
    let waiting = state.num_pending + state.num_ack_pending;
    const held = new Map<string, JsMsg>();
    const consumer = await jsm.jetstream().consumers.get(stream, name);
    try {
      while (waiting > 0) {
        const batch = await consumer.fetch({
          max_messages: Math.min(waiting, FETCH_BATCH),
          expires: FETCH_EXPIRES_MS,
        });
        let received = 0;
        for await (const m of batch) {
          received++;
          held.set(String(m.seq), m);
        }
        if (received === 0) break;
        waiting -= received;
      }
    } catch (error) {
      for (const m of held.values()) m.nak();
      throw new DeadLetterQueueError(deadLetterSubject, 'could not be read', { cause: error });
    }
    const sorted = [...held.values()].sort((a, b) => a.seq - b.seq);
    return {
      letters: sorted.map((m) => {
        const { headers, key } = fromNatsHeaders(m.headers);
        return { id: String(m.seq), key, value: Buffer.from(m.data), headers };
      }),
      markReplayed: async (ids) => {
        for (const id of ids) {
          const m = held.get(id);
          if (!m) continue;
          held.delete(id);
          await m.ackAck();
        }
      },
      close: async () => {
        for (const m of [...held.values()].sort((a, b) => a.seq - b.seq)) m.nak();
        held.clear();
        await nc.flush();
      },
    };
  }

  async close(): Promise<void> {
    const nc = await this.connection?.catch(() => undefined);
    if (nc && !nc.isClosed()) await nc.close();
  }
}
