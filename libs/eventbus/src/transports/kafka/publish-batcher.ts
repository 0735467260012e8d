import type { Message } from 'kafkajs';
import type { PublishDeadline } from './publish-deadline';
import { type SendTopicBatch, TopicPublishQueue } from './topic-publish-queue';

/**
 * Coalesces concurrent publishes into produce requests, per topic: each topic has its own queue with one
 * request in flight at a time (see `TopicPublishQueue`), and topics do not wait for each other, so a topic
 * that cannot be written (missing, unauthorised, its leader gone) delays and fails only its own publishes.
 * A topic's queue is dropped once it has nothing to send, so memory stays bounded however many topics are
 * written.
 */
export class PublishBatcher {
  private readonly queues = new Map<string, TopicPublishQueue>();

  constructor(private readonly sendBatch: SendTopicBatch) {}

  /** Resolves once the broker confirmed the record; a passed `deadline` abandons it (see `TopicPublishQueue`). */
  send(topic: string, message: Message, deadline?: PublishDeadline): Promise<void> {
    let queue = this.queues.get(topic);
    if (!queue) {
      const created = new TopicPublishQueue(topic, this.sendBatch, () => {
        if (created.idle && this.queues.get(topic) === created) this.queues.delete(topic);
      });
      queue = created;
      this.queues.set(topic, queue);
    }
    return queue.send(message, deadline);
  }

  /** Topics with publishes waiting or in flight. */
  get activeTopics(): number {
    return this.queues.size;
  }
}
