import { type ConsumerMessages, jetstream } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { benchEventOf } from '../lib/bench-event';
import type { ContenderFactory } from '../lib/contender';

/**
 * A plain `@nats-io/jetstream` `consume()` loop on a durable pull consumer (client defaults): one message
 * at a time, its handler awaited, then acked. Serial handling is what keeps per-aggregate order here.
 */
export const createContender: ContenderFactory = (job, handle) => {
  let nc: NatsConnection | undefined;
  let messages: ConsumerMessages | undefined;
  let loop: Promise<void> | undefined;
  return {
    async start() {
      nc = await connect({ servers: job.natsServers });
      const consumer = await jetstream(nc).consumers.get(job.stream, job.group);
      const stream = await consumer.consume();
      messages = stream;
      loop = (async () => {
        for await (const message of stream) {
          const done = handle(benchEventOf(message.json(), job.wire));
          if (done) await done;
          message.ack();
        }
      })();
    },
    async stop() {
      messages?.stop();
      await loop;
      await nc?.drain();
    },
  };
};
