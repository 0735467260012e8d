import {
  JetStreamApiCodes,
  JetStreamApiError,
  type JetStreamManager,
  type RetentionPolicy,
  type StorageType,
  type StreamInfo,
} from '@nats-io/jetstream';
import { NatsProvisioningError } from './nats-provisioning.error';
import type { ResolvedNatsOptions } from './nats-transport.options';
import { subjectCovers } from './nats-subject-match';
import { describeError } from '../../errors/describe-value';

/** Stream updates retried when another process changed the subject list at the same time. */
const MAX_UPDATE_ATTEMPTS = 5;

/**
 * Makes the configured stream capture the subjects this transport publishes and consumes.
 *
 * - `provision: true` (default): creates the stream (options `storage`, `retention`) on first use and adds
 *   missing subjects on demand by updating its config. A subject already matched by a wildcard of the stream is
 *   not added, nor one covered by a wildcard added with it (`orders.*` covers `orders.dlq`); an added wildcard
 *   replaces the stream's subjects it covers. After an update the stream is read
 *   again, so a concurrent update by another process that dropped our subject is repaired.
 * - `provision: false`: only checks that the stream exists and captures the subjects, and fails with a
 *   `NatsProvisioningError` naming what is missing.
 *
 * Subjects known to be captured are cached; operations are serialized within the process.
 */
export class NatsStreamProvisioner {
  private readonly known = new Set<string>();
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly jsm: JetStreamManager,
    private readonly options: ResolvedNatsOptions,
  ) {}

  /** With provisioning off, fails unless the stream exists; otherwise does nothing (streams are made lazily). */
  async verifyStream(): Promise<void> {
    if (this.options.provision) return;
    if (!(await this.info())) throw this.missingStream();
  }

  /** Resolves once the stream captures every given subject. */
  ensureSubjects(subjects: readonly string[]): Promise<void> {
    if (subjects.every((s) => this.known.has(s))) return Promise.resolve();
    const run = this.queue.then(() => this.capture(subjects.filter((s) => !this.known.has(s))));
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Drops subjects from the cache, so the next `ensureSubjects` reads the stream again. */
  forget(subjects: readonly string[]): void {
    for (const s of subjects) this.known.delete(s);
  }

  private async capture(subjects: readonly string[]): Promise<void> {
    if (subjects.length === 0) return;
    const { stream, provision } = this.options;
    for (let attempt = 0; ; attempt++) {
      const info = await this.info();
      const current = info?.config.subjects ?? [];
      const missing = subjects.filter(
        (s) =>
          !current.some((c) => subjectCovers(c, s)) && !subjects.some((o) => o !== s && subjectCovers(o, s)),
      );
      if (info && missing.length === 0) break;
      if (!info && !provision) throw this.missingStream();
      if (!provision) {
        throw new NatsProvisioningError(
          `JetStream stream "${stream}" does not capture subject(s) ${missing.join(', ')} and provisioning is off ` +
            `(nats.provision: false): add them to the stream.`,
          stream,
          missing.join(','),
        );
      }
      if (attempt === MAX_UPDATE_ATTEMPTS) {
        throw new NatsProvisioningError(
          `JetStream stream "${stream}" kept changing while subject(s) ${missing.join(', ')} were added.`,
          stream,
          missing.join(','),
        );
      }
      if (info) await this.addSubjects(current, missing);
      else await this.create(missing);
    }
    for (const s of subjects) this.known.add(s);
  }

  /** Adds subjects; a new wildcard replaces the subjects it covers (a stream's subjects must not overlap). */
  private async addSubjects(current: readonly string[], missing: readonly string[]): Promise<void> {
    const { stream } = this.options;
    const kept = current.filter((c) => !missing.some((m) => subjectCovers(m, c)));
    try {
      await this.jsm.streams.update(stream, { subjects: [...kept, ...missing] });
    } catch (err) {
      throw new NatsProvisioningError(
        `Could not add subject(s) ${missing.join(', ')} to JetStream stream "${stream}": ${describeError(err)}`,
        stream,
        missing.join(','),
        { cause: err },
      );
    }
  }

  /** Creates the stream; when another process created it first, the caller reads it again. */
  private async create(subjects: readonly string[]): Promise<void> {
    const { stream, storage, retention } = this.options;
    try {
      await this.jsm.streams.add({
        name: stream,
        subjects: [...subjects],
        storage: storage as StorageType,
        retention: retention as RetentionPolicy,
      });
    } catch (err) {
      if (await this.info()) return;
      throw new NatsProvisioningError(
        `Could not create JetStream stream "${stream}" for ${subjects.join(', ')}: ${describeError(err)}`,
        stream,
        stream,
        { cause: err },
      );
    }
  }

  private async info(): Promise<StreamInfo | undefined> {
    try {
      return await this.jsm.streams.info(this.options.stream);
    } catch (err) {
      if (err instanceof JetStreamApiError && err.code === JetStreamApiCodes.StreamNotFound) return undefined;
      throw err;
    }
  }

  private missingStream(): NatsProvisioningError {
    const { stream } = this.options;
    return new NatsProvisioningError(
      `JetStream stream "${stream}" does not exist and provisioning is off (nats.provision: false): ` +
        `create it, or set provision: true.`,
      stream,
      stream,
    );
  }
}
