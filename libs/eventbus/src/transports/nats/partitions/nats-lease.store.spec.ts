import { describe, expect, it } from 'vitest';
import type { NatsConnection } from '@nats-io/transport-node';
import { MissingDependencyError } from '../../../errors/missing-dependency.error';
import { NatsLeaseStore } from './nats-lease.store';

describe('NatsLeaseStore.open', () => {
  it('rejects with MissingDependencyError naming @nats-io/kv when the package is not installed', async () => {
    const notInstalled = Object.assign(
      new Error("Cannot find package '@nats-io/kv' imported from the library"),
      { code: 'ERR_MODULE_NOT_FOUND' },
    );
    const opening = NatsLeaseStore.open({} as NatsConnection, 'group', 10_000, () =>
      Promise.reject(notInstalled),
    );
    await expect(opening).rejects.toBeInstanceOf(MissingDependencyError);
    await expect(opening).rejects.toMatchObject({ option: 'nats.partitions', packageName: '@nats-io/kv' });
  });

  it('passes any other loading failure on unchanged', async () => {
    const broken = new Error('syntax error in the package');
    await expect(
      NatsLeaseStore.open({} as NatsConnection, 'group', 10_000, () => Promise.reject(broken)),
    ).rejects.toBe(broken);
  });
});
