export * from './options/event-bus.options';
export * from './errors/invalid-options.error';
export * from './transports/transport.port';
