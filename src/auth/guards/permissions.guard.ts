import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { forbidden } from '../../common/errors/domain-error.js';
import { REQUIRED_PERMISSION } from '../decorators/auth.decorators.js';
import { Permission } from '../../permissions/permissions.js';
import { Principal } from '../principal.js';
import { insufficientScope } from '../scopes.js';

/** Global guard, after the authentication guard: enforces `@RequirePermission` against the caller's roles and scopes. */
@Injectable()
export class PermissionsGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    const required = this.reflector.getAllAndOverride<Permission>(REQUIRED_PERMISSION, [context.getHandler(), context.getClass()]);
    if (!required) return true;
    const principal = context.switchToHttp().getRequest<Request>().user as Principal | undefined;
    if (principal?.can(required)) return true;
    const scope = principal?.missingScopeFor(required);
    if (scope) throw insufficientScope(scope, principal!.scopes!);
    throw forbidden(
      `This requires the '${required}' permission, which your roles (${principal?.roles.join(', ') || 'none'}) do not grant.`,
    );
  }
}
