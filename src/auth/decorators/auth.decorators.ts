import { createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import type { Request } from 'express';
import { Permission } from '../permissions.js';
import { Principal } from '../principal.js';

export const IS_PUBLIC = Symbol('isPublic');
export const REQUIRED_PERMISSION = Symbol('requiredPermission');

/** Opts a route out of the global JWT guard. */
export const Public = () => SetMetadata(IS_PUBLIC, true);

/** The role permission a route demands; per-file rules are the service's job. */
export const RequirePermission = (permission: Permission) => SetMetadata(REQUIRED_PERMISSION, permission);

/** The authenticated caller, as set by the JWT guard. */
export const CurrentPrincipal = createParamDecorator(
  (_: unknown, context: ExecutionContext): Principal => context.switchToHttp().getRequest<Request>().user as Principal,
);
