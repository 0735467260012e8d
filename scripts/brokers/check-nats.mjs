// Exits 0 when nats-server answers with JetStream enabled (account info responds).
// Address: EVENTBUS_NATS_SERVERS (default nats://127.0.0.1:4222).
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';

const servers = process.env.EVENTBUS_NATS_SERVERS ?? 'nats://127.0.0.1:4222';
try {
  const nc = await connect({ servers, timeout: 2000, reconnect: false });
  const jsm = await jetstreamManager(nc, { timeout: 2000 });
  await jsm.getAccountInfo();
  await nc.close();
  process.exit(0);
} catch {
  process.exit(1);
}
