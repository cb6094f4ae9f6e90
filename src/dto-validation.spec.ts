import { describe, expect, it } from '@jest/globals';
import { PipeTransform, Type } from '@nestjs/common';
import { MODULE_METADATA, PIPES_METADATA, ROUTE_ARGS_METADATA } from '@nestjs/common/constants.js';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum.js';
import { AuthModule } from './auth/auth.module.js';
import { FilesModule } from './files/files.module.js';
import { TusModule } from './files/tus/tus.module.js';
import { HealthModule } from './health/health.module.js';
import { MetricsModule } from './metrics/metrics.module.js';
import { UsersModule } from './users/users.module.js';
import { ValidateDto } from './common/validation/validate-dto.pipe.js';

interface RouteArg {
  index: number;
  pipes: (PipeTransform | Type<PipeTransform>)[];
}

/** Every controller class reachable from the feature modules of AppModule (static imports). */
function controllersOf(roots: Type<unknown>[]): Type<unknown>[] {
  const seen = new Set<unknown>();
  const controllers = new Set<Type<unknown>>();
  const visit = (module: unknown): void => {
    const type = (module as { module?: Type<unknown> })?.module ?? module;
    if (!type || seen.has(type)) return;
    seen.add(type);
    for (const c of (Reflect.getMetadata(MODULE_METADATA.CONTROLLERS, type) ?? []) as Type<unknown>[]) controllers.add(c);
    for (const c of (module as { controllers?: Type<unknown>[] }).controllers ?? []) controllers.add(c);
    for (const m of (Reflect.getMetadata(MODULE_METADATA.IMPORTS, type) ?? []) as unknown[]) visit(m);
  };
  roots.forEach(visit);
  return [...controllers];
}

const PLAIN = new Set<unknown>([Object, String, Number, Boolean, Array, undefined]);

// No global ValidationPipe runs (app.setup.ts): a DTO parameter without ValidateDto would reach a service unchecked.
describe('DTO parameters', () => {
  it('every @Body()/@Query() typed with a class runs through ValidateDto', () => {
    const unchecked: string[] = [];
    const controllers = controllersOf([FilesModule, TusModule, UsersModule, AuthModule, HealthModule, MetricsModule]);
    expect(controllers.length).toBeGreaterThan(5);
    for (const controller of controllers) {
      const proto = controller.prototype as Record<string, object>;
      for (const name of Object.getOwnPropertyNames(proto)) {
        const args = (Reflect.getMetadata(ROUTE_ARGS_METADATA, controller, name) ?? {}) as Record<string, RouteArg>;
        const types = (Reflect.getMetadata('design:paramtypes', proto, name) ?? []) as unknown[];
        const methodPipes = [
          ...((Reflect.getMetadata(PIPES_METADATA, controller) ?? []) as unknown[]),
          ...((Reflect.getMetadata(PIPES_METADATA, proto[name]) ?? []) as unknown[]),
        ];
        for (const [key, arg] of Object.entries(args)) {
          const paramtype = Number(key.split(':')[0]) as RouteParamtypes;
          if (paramtype !== RouteParamtypes.BODY && paramtype !== RouteParamtypes.QUERY) continue;
          if (PLAIN.has(types[arg.index])) continue;
          if (!arg.pipes.includes(ValidateDto) && !methodPipes.includes(ValidateDto)) unchecked.push(`${controller.name}.${name}`);
        }
      }
    }
    expect(unchecked).toEqual([]);
  });
});
