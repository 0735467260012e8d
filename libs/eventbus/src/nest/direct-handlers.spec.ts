import 'reflect-metadata';
import {
  Controller,
  createParamDecorator,
  Injectable,
  Logger,
  ParseIntPipe,
  Scope,
  UseFilters,
  UseGuards,
  UseInterceptors,
  UsePipes,
  ValidationPipe,
  type CanActivate,
  type ExceptionFilter,
  type NestInterceptor,
  type Type,
} from '@nestjs/common';
import { ModulesContainer, type ModuleRef } from '@nestjs/core';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { Test } from '@nestjs/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DomainEvent } from './domain-event.decorator';
import { applicationConfigOf, DirectHandlers } from './direct-handlers';
import { EventBusContext } from './event-bus.context';

const PATTERN_EXTRAS_METADATA = 'microservices:pattern_extras';

@Injectable()
class Allow implements CanActivate {
  canActivate() {
    return true;
  }
}
@Injectable()
class Through implements NestInterceptor {
  intercept(_: unknown, next: { handle(): unknown }) {
    return next.handle() as never;
  }
}
class Ignore implements ExceptionFilter {
  catch() {}
}
const Custom = createParamDecorator(() => 'custom');

const calls: unknown[][] = [];

@Controller()
class Plain {
  @DomainEvent('plain')
  plain(...args: unknown[]) {
    calls.push(args);
    return 'plain-result';
  }

  @DomainEvent('reordered')
  reordered(@Ctx() ctx: EventBusContext, @Payload('payload') payload: unknown) {
    calls.push([ctx, payload]);
  }

  @EventPattern('raw')
  raw(@Payload() body: unknown) {
    calls.push([body]);
  }

  @DomainEvent('fails')
  fails() {
    throw new Error('handler failed');
  }

  @DomainEvent('rejects')
  async rejects() {
    await Promise.resolve();
    throw new Error('handler rejected');
  }

  @DomainEvent('guarded') @UseGuards(Allow) guarded() {}
  @DomainEvent('intercepted') @UseInterceptors(Through) intercepted() {}
  @DomainEvent('piped') @UsePipes(ValidationPipe) piped() {}
  @DomainEvent('filtered') @UseFilters(Ignore) filtered() {}
  @DomainEvent('param-pipe') paramPipe(@Payload('version', ParseIntPipe) _version: number) {}
  @DomainEvent('custom-param') customParam(@Custom() _value: unknown) {}
}

@Controller()
@UseGuards(Allow)
class GuardedClass {
  @DomainEvent('class-guarded') handle() {}
}

@Controller({ scope: Scope.REQUEST })
class RequestScoped {
  @DomainEvent('request-scoped') handle() {}
}

class Base {
  @DomainEvent('inherited') handle() {}
}
@Controller()
class First extends Base {}
@Controller()
class Second extends Base {}

const extrasOf = (type: Type, method: string): object =>
  Reflect.getMetadata(PATTERN_EXTRAS_METADATA, (type.prototype as Record<string, object>)[method]) as object;

async function directHandlers(controllers: Type[], configure?: (config: never) => void) {
  const moduleRef = await Test.createTestingModule({ controllers }).compile();
  const config = applicationConfigOf(moduleRef as unknown as ModuleRef);
  configure?.(config as never);
  return new DirectHandlers(moduleRef.get(ModulesContainer), config);
}

const context = new EventBusContext([{} as never, {} as never, 'memory', 'a']);

describe('DirectHandlers', () => {
  afterEach(() => {
    calls.length = 0;
    vi.restoreAllMocks();
  });

  it('calls a method with nothing bound with the arguments Nest would give it', async () => {
    const direct = await directHandlers([Plain]);
    const envelope = { aggregateId: 'a', payload: { n: 1 } };

    expect(direct.handlerFor(extrasOf(Plain, 'plain'))!.call(envelope, context)).toBe('plain-result');
    direct.handlerFor(extrasOf(Plain, 'reordered'))!.call(envelope, context);
    direct.handlerFor(extrasOf(Plain, 'raw'))!.call('body', context);

    expect(calls).toEqual([[envelope, context], [context, { n: 1 }], ['body']]);
  });

  it("passes on what the method throws or rejects with, and logs it as Nest's default RPC filter logs it", async () => {
    const direct = await directHandlers([Plain]);
    const logged = vi.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const fails = direct.handlerFor(extrasOf(Plain, 'fails'))!;
    const rejects = direct.handlerFor(extrasOf(Plain, 'rejects'))!;

    expect(() => fails.call({}, context)).toThrow('handler failed');
    await expect(rejects.call({}, context)).rejects.toThrow('handler rejected');
    expect(logged).not.toHaveBeenCalled();
    fails.logError(new Error('handler failed'));
    rejects.logError(new Error('handler rejected'));

    expect(logged.mock.calls.map(([error]) => (error as Error).message)).toEqual([
      'handler failed',
      'handler rejected',
    ]);
  });

  it('keeps Nest pipeline for a guard, interceptor, pipe or filter on the method or class, a parameter pipe or custom decorator', async () => {
    const direct = await directHandlers([Plain, GuardedClass]);
    for (const method of ['guarded', 'intercepted', 'piped', 'filtered', 'param-pipe', 'custom-param']) {
      const key = method.replace(/-(\w)/g, (_, c: string) => c.toUpperCase());
      expect(direct.handlerFor(extrasOf(Plain, key)), method).toBeUndefined();
    }
    expect(direct.handlerFor(extrasOf(GuardedClass, 'handle'))).toBeUndefined();
  });

  it('keeps the pipeline for request-scoped controllers and for a method shared by two controllers', async () => {
    const direct = await directHandlers([RequestScoped, First, Second]);
    expect(direct.handlerFor(extrasOf(RequestScoped, 'handle'))).toBeUndefined();
    expect(direct.handlerFor(extrasOf(Base, 'handle'))).toBeUndefined();
  });

  it('keeps the pipeline for every handler once the application has a global enhancer', async () => {
    const globals: [string, unknown][] = [
      ['useGlobalPipes', new ValidationPipe()],
      ['useGlobalGuards', new Allow()],
      ['useGlobalInterceptors', new Through()],
      ['useGlobalFilters', new Ignore()],
    ];
    for (const [method, enhancer] of globals) {
      const direct = await directHandlers([Plain], (config: Record<string, (e: unknown) => void>) =>
        config[method]!(enhancer),
      );
      expect(direct.handlerFor(extrasOf(Plain, 'plain')), method).toBeUndefined();
    }
  });

  it('keeps the pipeline when the application config cannot be read', async () => {
    const moduleRef = await Test.createTestingModule({ controllers: [Plain] }).compile();
    const direct = new DirectHandlers(moduleRef.get(ModulesContainer), undefined);
    expect(direct.handlerFor(extrasOf(Plain, 'plain'))).toBeUndefined();
    expect(applicationConfigOf(undefined)).toBeUndefined();
  });
});
