import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { EventBus, EventBusServer } from 'nest-ordered-eventbus';
import { AppModule } from './app.module';
import { demo } from './demo-config';
import { OrderTracker } from './order-tracker';

/**
 * The orders-service demo: publishes order events for many orders (some handlers fail, hang or hit poison)
 * and audit records (some fail), prints progress, then a summary. `EVENTBUS_TRANSPORT=kafka|nats` runs it on
 * a broker; the default is the embedded memory transport.
 */
async function main(): Promise<void> {
  const logger = new Logger('orders-service');
  const app = await NestFactory.create(AppModule, { logger: ['error', 'warn', 'log'] });
  app.enableShutdownHooks();
  app.connectMicroservice({ strategy: app.get(EventBusServer) }, { inheritAppConfig: true });
  await app.startAllMicroservices();
  await app.listen(demo.httpPort, '127.0.0.1');
  const url = await app.getUrl();
  logger.log(`operator endpoints: ${url}/metrics and ${url}/health`);

  const bus = app.get(EventBus);
  const server = app.get(EventBusServer);
  const tracker = app.get(OrderTracker);
  const { aggregates, versions } = demo;
  const poisoned = Math.floor(aggregates / demo.poisonEvery);
  const expectedHandled = aggregates * versions - poisoned;
  const audits = aggregates * 2;
  const expectedAudits = audits - Math.floor(audits / demo.auditFailEvery);
  logger.log(
    `transport ${demo.transport}: ${aggregates} orders x ${versions} versions, ${audits} audit records`,
  );

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.log(`${signal}: draining and closing`);
    await app.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));

  const started = Date.now();
  for (let version = 1; version <= versions; version++) {
    await Promise.all(
      Array.from({ length: aggregates }, (_, i) =>
        bus.publishDomainEvent(demo.ordersTopic, {
          aggregateId: `order-${i + 1}`,
          type: 'OrderChanged',
          version,
          payload: { orderNo: i + 1, status: `step-${version}` },
        }),
      ),
    );
  }
  await Promise.all(
    Array.from({ length: audits }, (_, n) => bus.publish(demo.auditTopic, { n: n + 1, action: 'viewed' })),
  );

  const progress = () => {
    const c = server.counters!;
    return (
      `handled ${tracker.handled}/${expectedHandled} orders, ${tracker.auditHandled}/${expectedAudits} audits | ` +
      `retried ${c['retry-scheduled']} | timed out ${c['timed-out']} | dead-lettered ${c['dead-lettered']} | ` +
      `dropped ${c.dropped}`
    );
  };
  const timer = setInterval(() => logger.log(progress()), 500);
  const deadline = Date.now() + 120_000;
  while (
    !stopping &&
    Date.now() < deadline &&
    (tracker.handled < expectedHandled ||
      tracker.auditHandled < expectedAudits ||
      tracker.deadLetters < poisoned)
  ) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  clearInterval(timer);
  if (stopping) return;

  const c = server.counters!;
  const complete = tracker.handled === expectedHandled && tracker.deadLetters === poisoned;
  console.log(
    [
      '',
      `summary (${demo.transport}, ${((Date.now() - started) / 1000).toFixed(1)} s)`,
      `  order events handled   ${tracker.handled} of ${aggregates * versions} (deliveries ${tracker.deliveries})`,
      `  retried                ${c['retry-scheduled']} (timed out ${c['timed-out']})`,
      `  dead-lettered          ${c['dead-lettered']} (read back from ${demo.ordersTopic}.dlq: ${tracker.deadLetters})`,
      `  audit records handled  ${tracker.auditHandled} of ${audits}, dropped ${c.dropped}`,
      `  order violations       ${tracker.orderViolations}`,
      '',
    ].join('\n'),
  );
  const scrape = await (await fetch(`${url}/metrics`)).text();
  const health = await (await fetch(`${url}/health`)).text();
  console.log(
    [
      `GET /health  ${health}`,
      'GET /metrics (excerpt)',
      ...scrape.split('\n').filter((line) => /^eventbus_(messages_total|consumer_lag|buffered)/.test(line)),
      '',
    ].join('\n'),
  );
  await app.close();
  process.exit(complete && tracker.orderViolations === 0 ? 0 : 1);
}

void main();
