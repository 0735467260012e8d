import { ArgumentsHost, Catch, type ExceptionFilter } from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';
import { BaseRpcExceptionFilter } from '@nestjs/microservices';
import { throwError, type Observable } from 'rxjs';
import { EventBusContext } from './event-bus.context';

/**
 * The library's catch-all filter, registered globally by `EventBusModule`. For handlers of `EventBusServer`
 * it passes the original error on unchanged, so that `RetryableError`, `DeadLetterError`, `DiscardError` and
 * `AckDecision` keep their meaning (Nest's default RPC filter would replace them by "Internal server error").
 * Everything else gets Nest's default behaviour: HTTP errors the default HTTP filter, other RPC transports
 * the default RPC filter.
 *
 * Filters bound with `@UseFilters` on a controller or method, and global filters added later with
 * `app.useGlobalFilters`, are consulted before this one.
 */
@Catch()
export class EventBusExceptionFilter extends BaseExceptionFilter implements ExceptionFilter {
  private readonly rpcDefault = new BaseRpcExceptionFilter();

  override catch(exception: unknown, host: ArgumentsHost): Observable<unknown> | void {
    if (host.getType() === 'rpc') {
      if (host.switchToRpc().getContext() instanceof EventBusContext) return throwError(() => exception);
      return this.rpcDefault.catch(exception, host);
    }
    if (host.getType() === 'http') return super.catch(exception, host);
    throw exception;
  }
}
