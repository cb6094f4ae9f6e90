import { applyDecorators } from '@nestjs/common';
import { ApiBearerAuth, ApiSecurity } from '@nestjs/swagger';

/** The route takes a token either way: `Authorization: Bearer` or `x-molgenis-token` (as the authentication guard does). */
export const ApiAuth = () => applyDecorators(ApiBearerAuth(), ApiSecurity('x-molgenis-token'));
