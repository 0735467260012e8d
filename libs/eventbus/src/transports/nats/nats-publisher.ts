import type { JetStreamClient, JetStreamPublishOptions } from '@nats-io/jetstream';
import type { NatsStreamProvisioner } from './nats-stream.provisioner';
import { PublishDeadline } from './nats-publish-deadline';

/**
 * JetStream publishing that resolves on the PubAck, after making sure the stream captures the subject(s).
 *
 * Every publish is bounded by `timeoutMs` (`publishTimeoutMs`), stream provisioning and a retry included: it
 * rejects with `PublishTimeoutError` when the server has not confirmed by then, and nothing is sent after that.
 *
 * When no stream answers (nats.js reports it as "jetstream is not enabled"), the subject was taken out of the
 * stream after it was cached (an operator, or another process updating the stream's subjects at the same time):
 * the stream is checked again (the subject re-added when provisioning is on, a `NatsProvisioningError` otherwise)
 * and the message published once more.
 */
export class NatsPublisher {
  constructor(
    private readonly js: JetStreamClient,
    private readonly streams: NatsStreamProvisioner,
    private readonly timeoutMs: number,
  ) {}

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
    if (deadline.passed) throw deadline.error();
    try {
      await this.js.publish(subject, value, { ...options, timeout: deadline.remaining() });
    } catch (err) {
      if ((err as Error).name === 'TimeoutError') throw deadline.error();
      throw err;
    }
  }
}
