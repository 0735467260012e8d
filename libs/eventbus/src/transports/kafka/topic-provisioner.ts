import type { Admin } from 'kafkajs';

/**
 * Creates missing topics with the configured partitions and replication factor. Every topic it ensured
 * once (created now or found existing) is remembered, so publishing asks the broker only the first time.
 */
export class TopicProvisioner {
  private readonly ensured = new Map<string, Promise<void>>();

  constructor(
    private readonly admin: Admin,
    private readonly numPartitions: number,
    private readonly replicationFactor: number,
  ) {}

  ensure(topics: readonly string[]): Promise<void> {
    const missing = [...new Set(topics)].filter((topic) => !this.ensured.has(topic));
    if (missing.length > 0) {
      const created = this.admin
        .createTopics({
          topics: missing.map((topic) => ({
            topic,
            numPartitions: this.numPartitions,
            replicationFactor: this.replicationFactor,
          })),
          waitForLeaders: true,
        })
        .then(() => undefined);
      for (const topic of missing) this.ensured.set(topic, created);
      // A failed attempt is forgotten, so the next call tries again.
      created.catch(() => {
        for (const topic of missing) if (this.ensured.get(topic) === created) this.ensured.delete(topic);
      });
    }
    return Promise.all(topics.map((topic) => this.ensured.get(topic))).then(() => undefined);
  }
}
