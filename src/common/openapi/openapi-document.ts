import { INestApplication } from '@nestjs/common';
import { DocumentBuilder, OpenAPIObject, SwaggerCustomOptions, SwaggerModule } from '@nestjs/swagger';
import { AppConfig } from '../../config/app-config.js';
import { documentRateLimits } from '../../throttle/rate-limit.openapi.js';
import { ERROR_MODELS } from './api-errors.decorator.js';
import { documentIdentityProviderOutage } from './identity-provider-outage.js';

const METHODS = ['get', 'head', 'post', 'put', 'patch', 'delete', 'options'] as const;

const DESCRIPTION = [
  'Stowage stores files and serves them through three APIs over the same files: the native MOLGENIS-style Files API ',
  'at `/api/files` (errors as `application/problem+json`), the Appmixer Files API at `/files` (hapi Boom errors) and ',
  'the Hasura filestore API at `/v1/file` (`{path, error}`). Resumable tus uploads live at `/api/uploads`.',
  '',
  '**Signing in here:** open `POST /api/auth/login`, *Try it out*, enter your username and password, *Execute*; copy ',
  'the `token` of the answer, press *Authorize* and paste it under `bearer` (or `x-molgenis-token`: either works on ',
  'every route). The authorization is kept in this browser across reloads until you log out there.',
  '',
  'Examples are in the descriptions; no field is pre-filled, so a filter or a delete does only what you type.',
].join('\n');

/**
 * The OpenAPI document of the whole app: the controllers' decorators, plus what applies across routes (rate limits,
 * identity-provider outages, public routes marked as such).
 */
export function buildOpenApiDocument(app: INestApplication, config: AppConfig): OpenAPIObject {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Stowage')
      .setDescription(DESCRIPTION)
      .setVersion('0.1.0')
      .setLicense('MIT', 'https://opensource.org/licenses/MIT')
      .addServer('/', 'This Stowage instance')
      .addBearerAuth({
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'JWT',
        description: 'The token of POST /api/auth/login, or an API token',
      })
      .addApiKey(
        { type: 'apiKey', in: 'header', name: 'x-molgenis-token', description: 'The same token, in the MOLGENIS header' },
        'x-molgenis-token',
      )
      .build(),
    { extraModels: ERROR_MODELS },
  );
  documentRateLimits(document);
  if (config.identityProvider) documentIdentityProviderOutage(document);
  // A route without a security requirement is public (login, health, tus discovery): say so rather than leave it out.
  for (const item of Object.values(document.paths)) {
    for (const method of METHODS) {
      const operation = item[method];
      if (operation && !operation.security) operation.security = [];
    }
  }
  return document;
}

/**
 * Swagger UI at /api/docs: authorization kept across reloads, its own page title. No deep links: Swagger UI writes
 * tags with spaces into the URL with `_`, then logs a console error reading them back after a reload.
 */
export const SWAGGER_UI_OPTIONS: SwaggerCustomOptions = {
  jsonDocumentUrl: 'api/docs-json',
  customSiteTitle: 'Stowage API',
  swaggerOptions: { persistAuthorization: true, displayRequestDuration: true, deepLinking: false },
};
