import { AssignerProtocol } from 'kafkajs';
import { afterEach, expect, it } from 'vitest';
import { describeWithBrokers, uniqueName } from '../support/brokers';
import { domainController } from '../support/controllers';
import { aggregateIds, publishDomainRounds } from '../support/publishing';
import { Recorder, range, sleep, waitFor } from '../support/recorder';
import { startApp, type TestApp } from '../support/test-app';
import { TRANSPORTS } from '../support/transports';
import { testAdmin } from './kafka-test-kit';

const kafka = TRANSPORTS.find((t) => t.name === 'kafka')!;

describeWithBrokers('Kafka: two instances in one group, the second joining mid-stream', () => {
  const apps: TestApp[] = [];
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((a) => a.close()));
  });

  it('loses nothing and keeps per-aggregate order of first successes across the rebalance (3 partitions, 250 aggregates, 5,000 events)', async () => {
    const scope = uniqueName('krebalance');
    const topic = `${scope}.orders`;
    const recorder = new Recorder();
    const handledBy = { first: 0, second: 0 };
    const controllerFor = (instance: keyof typeof handledBy) =>
      domainController({
        [topic]: async (e) => {
          await sleep(5);
          handledBy[instance]++;
          recorder.succeeded(e.aggregateId, e.version);
        },
      });
    const options = { ...kafka.options(scope, 'shared'), dispatcher: { maxConcurrency: 8 } };
    const first = await startApp(options, [controllerFor('first')]);
    apps.push(first);
    const aggregates = aggregateIds(250);
    // Versions 1..10 before the second instance joins, 11..20 once both members hold partitions: the second
    // instance then has events to handle however quickly the first one drains its backlog.
    const publishing = publishDomainRounds(first.bus, topic, aggregates, 10);

    await waitFor(
      () => recorder.successCount >= 1_000,
      () => `handled ${recorder.successCount}`,
      60_000,
    );
    apps.push(await startApp(options, [controllerFor('second')]));
    await publishing;
    await waitForStableMembers(options.kafka!.groupId!, 2);
    await publishDomainRounds(first.bus, topic, aggregates, 20, 11);

    await waitFor(
      () => aggregates.every((id) => recorder.firstSuccesses(id).length === 20),
      () =>
        `aggregates complete: ${aggregates.filter((id) => recorder.firstSuccesses(id).length === 20).length}/250`,
      120_000,
    );
    for (const id of aggregates) expect(recorder.firstSuccesses(id), id).toEqual(range(20));
    // Both instances really took part: the rebalance happened mid-stream.
    expect(handledBy.first).toBeGreaterThan(1_000);
    expect(handledBy.second).toBeGreaterThan(0);
  });
});

/** How many partitions a member's encoded assignment gives it. */
function assignedPartitions(assignment: Buffer): number {
  const decoded = AssignerProtocol.MemberAssignment.decode(assignment);
  return Object.values(decoded?.assignment ?? {}).reduce((sum, partitions) => sum + partitions.length, 0);
}

/** Waits until group `groupId` is stable with `count` members, each assigned some partition. */
async function waitForStableMembers(groupId: string, count: number): Promise<void> {
  const admin = testAdmin();
  await admin.connect();
  try {
    let state = 'unknown';
    await waitFor(
      async () => {
        const { groups } = await admin.describeGroups([groupId]);
        const group = groups[0];
        state = `${group?.state}, ${group?.members.length} members`;
        return (
          group?.state === 'Stable' &&
          group.members.length === count &&
          group.members.every((m) => assignedPartitions(m.memberAssignment) > 0)
        );
      },
      () => `group ${groupId}: ${state}`,
      60_000,
    );
  } finally {
    await admin.disconnect();
  }
}
