import type { LoggerService } from '@nestjs/common';
import { logLevel, type logCreator } from 'kafkajs';

/** How kafkajs's warning about a bounded idempotent producer begins. */
const LIMITED_RETRIES_WARNING = 'Limiting retries for the idempotent producer';

/**
 * Routes kafkajs log entries to the library's logger: errors to `error`, warnings to `warn`, the rest to
 * `debug`. An error response the connection logs (`Response Heartbeat ... rebalancing`, `Response
 * CreateTopics ... already exists`) goes to `debug`: the same error reaches the caller, which handles or
 * reports it. kafkajs's warning that the idempotent producer's retries are limited goes to `debug` too: this
 * adapter bounds them on purpose (see `boundedProducerRetry`). Once `closed()` is true everything goes to
 * `debug`: kafkajs does not stop a connect's retries when its client disconnects, so a client whose connect
 * failed (or was left behind when the other client's failed first) keeps logging its attempts after close.
 */
export function kafkaLogCreator(logger: LoggerService, closed: () => boolean): logCreator {
  return () =>
    ({ namespace, level, log }) => {
      const { message, error } = log as { message: string; error?: unknown };
      const text = `kafkajs ${namespace}: ${message}${error && error !== message ? ` (${String(error)})` : ''}`;
      const responseError = namespace === 'Connection' && message.startsWith('Response ');
      const expected = namespace === 'Producer' && message.startsWith(LIMITED_RETRIES_WARNING);
      if (closed()) logger.debug?.(text);
      else if (level === logLevel.ERROR && !responseError) logger.error(text);
      else if (level === logLevel.WARN && !expected) logger.warn(text);
      else logger.debug?.(text);
    };
}
