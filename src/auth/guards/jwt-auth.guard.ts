import { ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import { DomainError } from '../../common/errors/domain-error.js';
import { ErrorCode } from '../../common/errors/error-code.js';
import { IS_PUBLIC } from '../decorators/auth.decorators.js';

/** Global guard: every route needs a valid token unless it is marked `@Public()`. */
@Injectable()
export class JwtAuthGuard extends AuthGuard('jwt') {
  constructor(private readonly reflector: Reflector) {
    super();
  }

  override canActivate(context: ExecutionContext) {
    const isPublic = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [context.getHandler(), context.getClass()]);
    return isPublic ? true : super.canActivate(context);
  }

  override handleRequest<T>(error: unknown, user: T, info: unknown): T {
    if (error instanceof DomainError) throw error;
    if (error || !user) {
      const reason = info instanceof Error ? info.message : undefined;
      const message = !reason || reason === 'No auth token'
        ? 'Authentication required: send a token in Authorization: Bearer or x-molgenis-token.'
        : `Invalid token: ${reason}.`;
      throw new DomainError(ErrorCode.Unauthenticated, message);
    }
    return user;
  }
}
