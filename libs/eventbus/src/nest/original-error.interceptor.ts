import type { CallHandler, ExecutionContext, NestInterceptor } from '@nestjs/common';
import { catchError, throwError, type Observable } from 'rxjs';
import { EventBusContext } from './event-bus.context';

/**
 * Bound by `@DomainEvent` and `@RawEvent` to the method itself (innermost): notes on the `EventBusContext` the
 * error the handler or a pipe threw, and passes it on unchanged. Exception filters then run as Nest runs them;
 * when none of the user's matched and Nest's default RPC filter replaced the error by "Internal server error",
 * `EventBusServer` decides on the noted original instead, so its meaning (and message) is kept.
 */
export class OriginalErrorInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const ctx = context.switchToRpc().getContext<unknown>();
    if (!(ctx instanceof EventBusContext)) return next.handle();
    return next.handle().pipe(
      catchError((error: unknown) => {
        ctx.noteError(error);
        return throwError(() => error);
      }),
    );
  }
}
