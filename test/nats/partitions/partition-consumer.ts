import 'reflect-metadata';
import { appendFileSync } from 'node:fs';
import type { JsMsg } from '@nats-io/jetstream';
import { startApp } from '../../support/test-app';
import { domainController } from '../../support/controllers';

/**
 * A consumer process for the partition test: a Nest app built from EVENTBUS_OPTIONS (JSON) whose handler takes
 * 5-20 ms and then appends `<instance> <partition> <aggregateId> <version> <startedAt> <endedAt>` to HANDLED_LOG
 * (synchronously, before the event is acknowledged). Prints `ready` once it consumes.
 */
const { TOPIC, HANDLED_LOG, INSTANCE, EVENTBUS_OPTIONS } = process.env as Record<string, string>;

const app = await startApp(JSON.parse(EVENTBUS_OPTIONS), [
  domainController({
    [TOPIC]: async (event, ctx) => {
      const startedAt = Date.now();
      const partition = ctx.getMessage<JsMsg>().subject.split('.').pop();
      await new Promise((resolve) => setTimeout(resolve, 5 + Math.floor(Math.random() * 16)));
      appendFileSync(
        HANDLED_LOG,
        `${INSTANCE} ${partition} ${event.aggregateId} ${event.version} ${startedAt} ${Date.now()}\n`,
      );
    },
  }),
]);
// Ownership changes and lost leases are logged (warn and log levels), for a failing run's output.
app.app.useLogger(['log', 'warn', 'error']);
console.log('ready');
