import type { JetStreamClient, JetStreamPublishOptions } from '@nats-io/jetstream';
import type { NatsStreamProvisioner } from './nats-stream.provisioner';
import { PublishDeadline } from './nats-publish-deadline';

/**
 * JetStream publishing that resolves on the PubAck, after making sure the stream captures the subject(s).
 *
 * Every publish is bounded by `timeoutMs` (`publishTimeoutMs`), stream provisioning and a retry included: it
 * rejects with `PublishTimeoutError` when the server has not confirmed by then, and nothing is sent after that.
 *
 * A publish with a message id that is still unconfirmed when the connection is re-established is sent again
 * (nats.js drops what was queued while disconnected; the stream de-duplicates by id, so a copy that did arrive
 * is stored once). Without an id it is not repeated: it waits for its PubAck until the deadline.
 *
 * When no stream answers (nats.js reports it as "jetstream is not enabled"), the subject was taken out of the
 * stream after it was cached (an operator, or another process updating the stream's subjects at the same time):
 * the stream is checked again (the subject re-added when provisioning is on, a `NatsProvisioningError` otherwise)
 * and the message published once more.
 */
export class NatsPublisher {
  /** Wakes the publishes waiting for a PubAck, to send them again. */
  private readonly unconfirmed = new Set<() => void>();

  constructor(
    private readonly js: JetStreamClient,
    private readonly streams: NatsStreamProvisioner,
    private readonly timeoutMs: number,
  ) {}

  /** Called when the connection was re-established: unconfirmed publishes with an id are sent again. */
  reconnected(): void {
    for (const wake of [...this.unconfirmed]) wake();
  }

  /**
   * `captured`: the subjects the stream must capture first (default: the subject itself). `deadline`: when the
   * caller started the publish earlier (default: `timeoutMs` from now).
   */
  publish(
    subject: string,
    value: Uint8Array,
    options: Partial<JetStreamPublishOptions>,
    captured: readonly string[] = [subject],
    deadline = new PublishDeadline(subject, this.timeoutMs),
  ): Promise<void> {
    return deadline.bound(this.write(subject, value, options, captured, deadline));
  }

  private async write(
    subject: string,
    value: Uint8Array,
    options: Partial<JetStreamPublishOptions>,
    captured: readonly string[],
    deadline: PublishDeadline,
  ): Promise<void> {
    await this.streams.ensureSubjects(captured);
    try {
      await this.send(subject, value, options, deadline);
    } catch (err) {
      if ((err as Error).name !== 'JetStreamNotEnabled') throw err;
      this.streams.forget(captured);
      await this.streams.ensureSubjects(captured);
      await this.send(subject, value, options, deadline);
    }
  }

  private async send(
    subject: string,
    value: Uint8Array,
    options: Partial<JetStreamPublishOptions>,
    deadline: PublishDeadline,
  ): Promise<void> {
    for (;;) {
      if (deadline.passed) throw deadline.error();
      const attempt = this.js.publish(subject, value, { ...options, timeout: deadline.remaining() }).then(
        () => 'confirmed' as const,
        (err: unknown) => {
          throw (err as Error).name === 'TimeoutError' ? deadline.error() : err;
        },
      );
      if (options.msgID === undefined) return void (await attempt);
      let wake!: () => void;
      const reconnect = new Promise<'reconnected'>((resolve) => (wake = () => resolve('reconnected')));
      this.unconfirmed.add(wake);
      try {
        if ((await Promise.race([attempt, reconnect])) === 'confirmed') return;
      } finally {
        this.unconfirmed.delete(wake);
      }
      attempt.catch(() => undefined);
    }
  }
}
