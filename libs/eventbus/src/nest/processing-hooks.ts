import type { BaseRpcContext } from '@nestjs/microservices';

/** The work to run; `runEndHook` runs the server's processing end hook, at most once however often it is called. */
export type ProcessingWork = (runEndHook: () => void) => Promise<void>;

/** The parts of Nest's `Server` that differ between `@nestjs/microservices` 11 and 12. */
interface ProcessingHooksHost {
  readonly transportId?: unknown;
  runWithProcessingHooks?(context: BaseRpcContext, fn: ProcessingWork): unknown;
  onProcessingStartHook?(
    transportId: unknown,
    context: BaseRpcContext,
    done: () => Promise<unknown>,
  ): unknown;
  onProcessingEndHook?(transportId: unknown, context: BaseRpcContext): void;
}

/**
 * Runs `fn` between the Nest `Server`'s processing start and end hooks (set with `setOnProcessingStartHook` and
 * `setOnProcessingEndHook`, e.g. for tracing) and returns what the start hook returns.
 *
 * Nest 12 has `Server.runWithProcessingHooks`, which is used as it is. Nest 11 lacks it: there the start hook is
 * called with a callback that runs `fn`, and the end hook runs once, when `fn` calls its runner or when `fn`
 * rejects (the rejection is passed on), as Nest 12 does. A server with no hooks at all (Nest 11.0) runs `fn`
 * directly.
 */
export function runWithProcessingHooks(server: object, context: BaseRpcContext, fn: ProcessingWork): unknown {
  const host = server as unknown as ProcessingHooksHost;
  if (typeof host.runWithProcessingHooks === 'function') return host.runWithProcessingHooks(context, fn);
  let ended = false;
  const runEndHook = (): void => {
    if (ended) return;
    ended = true;
    host.onProcessingEndHook?.(host.transportId, context);
  };
  const run = async (): Promise<void> => {
    try {
      await fn(runEndHook);
    } catch (error) {
      runEndHook();
      throw error;
    }
  };
  if (typeof host.onProcessingStartHook === 'function') {
    return host.onProcessingStartHook(host.transportId, context, run);
  }
  return run();
}

/** The server's processing start hook now (Nest's default until `setOnProcessingStartHook`). */
export function processingStartHookOf(server: object): unknown {
  return (server as ProcessingHooksHost).onProcessingStartHook;
}

/**
 * Whether processing hooks were set on the server: its start hook is no longer `defaultStartHook` (the one
 * it was constructed with, see `processingStartHookOf`) or it has an end hook. Without them, work runs the
 * same outside `runWithProcessingHooks`.
 */
export function hasProcessingHooks(server: object, defaultStartHook: unknown): boolean {
  const host = server as ProcessingHooksHost;
  return host.onProcessingStartHook !== defaultStartHook || host.onProcessingEndHook !== undefined;
}
