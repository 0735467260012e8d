import type { JetStreamClient, JetStreamPublishOptions } from '@nats-io/jetstream';
import type { NatsStreamProvisioner } from './nats-stream.provisioner';

/**
 * JetStream publishing that resolves on the PubAck, after making sure the stream captures the subject(s).
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
  ) {}

  /** `captured`: the subjects the stream must capture first (default: the subject itself). */
  async publish(
    subject: string,
    value: Uint8Array,
    options: Partial<JetStreamPublishOptions>,
    captured: readonly string[] = [subject],
  ): Promise<void> {
    await this.streams.ensureSubjects(captured);
    try {
      await this.js.publish(subject, value, options);
    } catch (err) {
      if ((err as Error).name !== 'JetStreamNotEnabled') throw err;
      this.streams.forget(captured);
      await this.streams.ensureSubjects(captured);
      await this.js.publish(subject, value, options);
    }
  }
}
