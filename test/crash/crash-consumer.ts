import 'reflect-metadata';
import { appendFileSync } from 'node:fs';
import { startApp } from '../support/test-app';
import { domainController } from '../support/controllers';

/**
 * A consumer process for the crash test: a Nest app built from EVENTBUS_OPTIONS (JSON) whose handler takes
 * HANDLER_MS and then appends `<aggregateId> <version>` to HANDLED_LOG (synchronously, before the event is
 * acknowledged). Prints `ready` once it consumes.
 */
const { TOPIC, HANDLED_LOG, HANDLER_MS, EVENTBUS_OPTIONS } = process.env as Record<string, string>;

const app = await startApp(JSON.parse(EVENTBUS_OPTIONS), [
  domainController({
    [TOPIC]: async (event) => {
      await new Promise((resolve) => setTimeout(resolve, Number(HANDLER_MS)));
      appendFileSync(HANDLED_LOG, `${event.aggregateId} ${event.version}\n`);
    },
  }),
]);
void app;
console.log('ready');
