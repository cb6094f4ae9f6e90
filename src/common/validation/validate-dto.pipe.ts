import { ValidationPipe } from '@nestjs/common';
import { badRequest } from '../errors/domain-error.js';

/**
 * class-validator for the parameters that are DTOs: `@Body(ValidateDto)`, `@Query(ValidateDto)`. Not a global pipe,
 * so that plain parameters (`@Param('id')`, `@CurrentPrincipal()`, a raw `@Query()`) are handed over as they are,
 * without an asynchronous pass per parameter on every request. Unknown properties are refused, values transformed.
 */
export const ValidateDto = new ValidationPipe({
  whitelist: true,
  forbidNonWhitelisted: true,
  transform: true,
  exceptionFactory: (errors) => badRequest(errors.flatMap((e) => Object.values(e.constraints ?? {})).join('; ') || 'Invalid request.'),
});
