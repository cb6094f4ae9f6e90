import { createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import type { Request } from 'express';
import { Permission } from '../../permissions/permissions.js';
import { Principal } from '../principal.js';

export const IS_PUBLIC = Symbol('isPublic');
export const REQUIRED_PERMISSION = Symbol('requiredPermission');
export const TRUST_HASURA_HEADERS = Symbol('trustHasuraHeaders');

/** Opts a route out of the global authentication guard. */
export const Public = () => SetMetadata(IS_PUBLIC, true);

/** The role permission a route demands; per-file rules are the service's job. */
export const RequirePermission = (permission: Permission) => SetMetadata(REQUIRED_PERMISSION, permission);

/**
 * On the Hasura controller: with HASURA_TRUST_HEADERS=true, a gateway's X-Hasura-User-Id / X-Hasura-Role authenticate
 * the caller there, before any token (the `hasura-headers` strategy). Without it the headers mean nothing.
 */
export const TrustHasuraHeaders = () => SetMetadata(TRUST_HASURA_HEADERS, true);

/** The authenticated caller, as set by the authentication guard. */
export const CurrentPrincipal = createParamDecorator(
  (_: unknown, context: ExecutionContext): Principal => context.switchToHttp().getRequest<Request>().user as Principal,
);
