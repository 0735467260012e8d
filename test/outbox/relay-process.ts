import 'reflect-metadata';
import { startApp } from '../support/test-app';

/**
 * An outbox relay in its own process, for the crash test: a Nest app built from EVENTBUS_OPTIONS (JSON, with
 * `outbox.connectionString`) and no handlers. Prints `ready` once started.
 */
const app = await startApp(JSON.parse(process.env.EVENTBUS_OPTIONS!), []);
void app;
console.log('ready');
