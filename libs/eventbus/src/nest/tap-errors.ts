import { catchError, isObservable, throwError } from 'rxjs';

/** Whether `value` is a promise or another thenable. */
export function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | undefined)?.then === 'function';
}

/**
 * Calls `fn` on `self` with `args` and passes on what it returns, also when that is a promise or a stream;
 * whatever it throws, rejects with or its stream errors with is first given to `onError`, then passed on
 * unchanged.
 */
export function callTappingErrors(
  fn: (...args: never[]) => unknown,
  self: unknown,
  args: readonly unknown[],
  onError: (error: unknown) => void,
): unknown {
  let result: unknown;
  try {
    result = fn.apply(self, args as never[]);
  } catch (error) {
    onError(error);
    throw error;
  }
  if (isObservable(result)) {
    return result.pipe(
      catchError((error: unknown) => {
        onError(error);
        return throwError(() => error);
      }),
    );
  }
  if (isPromiseLike(result)) {
    return Promise.resolve(result).catch((error: unknown) => {
      onError(error);
      throw error;
    });
  }
  return result;
}
