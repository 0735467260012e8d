import type { OutboundMessage } from '../transport.port';

/** A message as the memory broker stores it. */
export interface MemoryRecord {
  readonly sequence: number;
  readonly key: string | undefined;
  readonly value: Buffer;
  readonly headers: Readonly<Record<string, string>>;
  /** Append time (epoch ms). */
  readonly publishedAt: number;
  /** Consumer groups that have not acknowledged it yet; the record is dropped at 0. */
  pendingGroups: number;
}

/** Where a group's records go: the active member of the group. */
export interface MemoryMember {
  paused: boolean;
  deliver(record: MemoryRecord, deliveryCount: number): void;
}

/**
 * One consumer group's position in a topic: the next new record, the released records to deliver again
 * (lowest sequence first), the delivered but unsettled ones, and how often each was delivered.
 * One member receives at a time; other members of the group wait and take over when it leaves, but only
 * once every record it was given is settled or released (so a newer record of an aggregate never runs on
 * the new member while the leaving one still handles an older one).
 */
class MemoryGroup {
  cursor: number;
  readonly redeliveries: number[] = [];
  readonly unsettled = new Set<number>();
  /** The member the unsettled records were delivered to; undefined when none is unsettled. */
  holder: MemoryMember | undefined;
  readonly deliveryCounts = new Map<number, number>();
  readonly members: MemoryMember[] = [];
  /** Of a group read by hand (`unacknowledged` / `acknowledge`, no members): records acknowledged past `cursor`. */
  readonly acknowledged = new Set<number>();

  constructor(cursor: number) {
    this.cursor = cursor;
  }
}

/** Records kept by a topic that no group consumes (dead-letter topics nobody reads, publish-only topics). */
const UNCONSUMED_RETENTION = 10_000;

/** One append-only topic with its consumer groups. */
class MemoryTopic {
  readonly records = new Map<number, MemoryRecord>();
  readonly groups = new Map<string, MemoryGroup>();
  nextSequence = 1;
  private pumpScheduled = false;

  constructor(readonly name: string) {}

  append(message: OutboundMessage): void {
    const record: MemoryRecord = {
      sequence: this.nextSequence++,
      key: message.key,
      value: message.value,
      headers: { ...message.headers },
      publishedAt: Date.now(),
      pendingGroups: this.groups.size,
    };
    this.records.set(record.sequence, record);
    if (this.groups.size === 0 && this.records.size > UNCONSUMED_RETENTION) {
      // Nobody consumes this topic (yet): keep the newest records only. Without groups nothing else deletes
      // records, so the retained ones are the contiguous newest sequences.
      this.records.delete(this.nextSequence - this.records.size);
    }
    this.schedulePump();
  }

  group(name: string): MemoryGroup {
    let group = this.groups.get(name);
    if (!group) {
      // A new group starts at the oldest retained record, which it now also has to acknowledge.
      const first = this.records.size > 0 ? this.records.keys().next().value! : this.nextSequence;
      group = new MemoryGroup(first);
      for (const record of this.records.values()) record.pendingGroups++;
      this.groups.set(name, group);
    }
    return group;
  }

  settle(groupName: string, sequence: number): void {
    const group = this.groups.get(groupName)!;
    if (!group.unsettled.delete(sequence)) return;
    group.deliveryCounts.delete(sequence);
    this.handBack(group);
    const record = this.records.get(sequence);
    if (record && --record.pendingGroups <= 0) this.records.delete(sequence);
  }

  release(groupName: string, sequence: number): void {
    const group = this.groups.get(groupName)!;
    if (!group.unsettled.delete(sequence)) return;
    this.handBack(group);
    const at = group.redeliveries.findIndex((s) => s > sequence);
    group.redeliveries.splice(at < 0 ? group.redeliveries.length : at, 0, sequence);
    this.schedulePump();
  }

  /** Records the group has not acknowledged, oldest first, without delivering them (a group read by hand). */
  unacknowledged(groupName: string): MemoryRecord[] {
    const group = this.group(groupName);
    return [...this.records.values()].filter(
      (r) => r.sequence >= group.cursor && !group.acknowledged.has(r.sequence),
    );
  }

  /** Acknowledges records of a group read by hand, in any order; each at most once. */
  acknowledge(groupName: string, sequences: readonly number[]): void {
    const group = this.group(groupName);
    for (const sequence of sequences) {
      if (sequence < group.cursor || group.acknowledged.has(sequence)) continue;
      group.acknowledged.add(sequence);
      const record = this.records.get(sequence);
      if (record && --record.pendingGroups <= 0) this.records.delete(sequence);
    }
    while (group.acknowledged.delete(group.cursor)) group.cursor++;
  }

  /** Once nothing is unsettled, the group may deliver to another member (a takeover waits for it). */
  private handBack(group: MemoryGroup): void {
    if (group.unsettled.size > 0 || !group.holder) return;
    const takeover = group.holder !== group.members[0];
    group.holder = undefined;
    if (takeover) this.schedulePump();
  }

  schedulePump(): void {
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    setImmediate(() => {
      this.pumpScheduled = false;
      for (const group of this.groups.values()) this.pump(group);
    });
  }

  /** Delivers to the group's active member until it pauses; yields every 1,000 records. */
  private pump(group: MemoryGroup): void {
    const member = group.members[0];
    if (group.holder !== undefined && group.holder !== member) return;
    let budget = 1_000;
    while (member && !member.paused && budget-- > 0) {
      let sequence: number;
      if (group.redeliveries.length > 0) sequence = group.redeliveries.shift()!;
      else if (group.cursor < this.nextSequence) sequence = group.cursor++;
      else return;
      const record = this.records.get(sequence);
      if (!record) continue;
      const count = (group.deliveryCounts.get(sequence) ?? 0) + 1;
      group.deliveryCounts.set(sequence, count);
      group.unsettled.add(sequence);
      group.holder = member;
      member.deliver(record, count);
    }
    if (member && !member.paused) this.schedulePump();
  }
}

/**
 * The embedded in-process broker behind the memory transport: named instances shared by every server and
 * publisher of the process that use the same name, so that unsettled messages survive a server's close and
 * are delivered again when a server of the same group consumes the topic again.
 */
export class MemoryBroker {
  private static readonly instances = new Map<string, MemoryBroker>();
  private readonly topics = new Map<string, MemoryTopic>();

  /** The broker of that name, created on first use. */
  static named(name: string): MemoryBroker {
    let broker = MemoryBroker.instances.get(name);
    if (!broker) MemoryBroker.instances.set(name, (broker = new MemoryBroker()));
    return broker;
  }

  /** Forgets the broker of that name and its topics (for tests that used a broker of their own). */
  static remove(name: string): void {
    MemoryBroker.instances.delete(name);
  }

  /** Forgets every topic of every broker (for tests that want a clean slate). */
  static reset(): void {
    MemoryBroker.instances.clear();
  }

  publish(topic: string, message: OutboundMessage): void {
    this.topic(topic).append(message);
  }

  join(topic: string, group: string, member: MemoryMember): void {
    const t = this.topic(topic);
    t.group(group).members.push(member);
    t.schedulePump();
  }

  leave(topic: string, group: string, member: MemoryMember): void {
    const t = this.topic(topic);
    const members = t.group(group).members;
    const at = members.indexOf(member);
    if (at >= 0) members.splice(at, 1);
    t.schedulePump();
  }

  wake(topic: string): void {
    this.topic(topic).schedulePump();
  }

  settle(topic: string, group: string, sequence: number): void {
    this.topic(topic).settle(group, sequence);
  }

  release(topic: string, group: string, sequence: number): void {
    this.topic(topic).release(group, sequence);
  }

  /** Creates the group if needed: from now on the topic keeps every record until the group acknowledged it. */
  hold(topic: string, group: string): void {
    this.topic(topic).group(group);
  }

  /** Records the group has not acknowledged, oldest first, without delivering them; for a group without members. */
  unacknowledged(topic: string, group: string): MemoryRecord[] {
    return this.topic(topic).unacknowledged(group);
  }

  /** Acknowledges records of a group without members (see `unacknowledged`). */
  acknowledge(topic: string, group: string, sequences: readonly number[]): void {
    this.topic(topic).acknowledge(group, sequences);
  }

  /** Records of the topic the group has not settled yet: not delivered, to be delivered again, or in flight. */
  lag(topic: string, group: string): number {
    const g = this.topics.get(topic)?.groups.get(group);
    if (!g) return 0;
    return this.topic(topic).nextSequence - g.cursor + g.redeliveries.length + g.unsettled.size;
  }

  /** Records retained in a topic (not yet acknowledged by every group). */
  retained(topic: string): number {
    return this.topics.get(topic)?.records.size ?? 0;
  }

  private topic(name: string): MemoryTopic {
    let topic = this.topics.get(name);
    if (!topic) this.topics.set(name, (topic = new MemoryTopic(name)));
    return topic;
  }
}
