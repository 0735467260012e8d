import { RpcException } from '@nestjs/microservices';

/**
 * Base of the errors a handler (or a pipe, or a filter) throws to choose its message's outcome:
 * `RetryableError`, `DeadLetterError`, `DiscardError`. An `RpcException` whose `getError()` is the error
 * itself, so Nest's default RPC filter passes it on unchanged instead of replacing it by "Internal server
 * error"; a filter of yours for `RpcException` sees it first.
 */
export abstract class HandlerOutcomeError extends RpcException {
  constructor(message: string, cause: unknown) {
    super(message);
    if (cause !== undefined) {
      Object.defineProperty(this, 'cause', { value: cause, writable: true, configurable: true });
    }
  }

  override getError(): object {
    return this;
  }
}
