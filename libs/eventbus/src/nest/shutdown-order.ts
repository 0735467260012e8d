import type { Type } from '@nestjs/common';
import type { ModulesContainer } from '@nestjs/core';

/**
 * Makes the `onModuleDestroy` (and other shutdown) hooks of `metatype`'s module instances run before those of
 * every other module, so that `EventBusServer` drains its handlers before the application closes what they use.
 *
 * Nest calls shutdown hooks module by module in ascending distance from the root module (the root is 1, what it
 * imports 2, and so on; global modules come last) and closes microservices only after all `onModuleDestroy` and
 * `beforeApplicationShutdown` hooks. A distance below the root's puts the module first. The distance only orders
 * lifecycle hooks (and middleware, which this module has none of). Returns false when no such module was found.
 */
export function runShutdownHooksFirst(modules: ModulesContainer, metatype: Type): boolean {
  let found = false;
  for (const module of modules.values()) {
    if (module.metatype === metatype) {
      module.distance = -1;
      found = true;
    }
  }
  return found;
}
