import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { existsSync } from 'node:fs';
import { AppModule } from './app.module.js';
import { configureApp } from './app.setup.js';
import { httpLogger } from './common/logging/http-logger.middleware.js';
import { PinoLogger } from './common/logging/pino-logger.js';
import { loadConfig } from './config/load-config.js';

async function bootstrap(): Promise<void> {
  if (existsSync('.env')) process.loadEnvFile('.env');
  const config = loadConfig(process.env);
  const logger = new PinoLogger(config.log.level);
  const app = await NestFactory.create<NestExpressApplication>(AppModule.register(config), { bodyParser: false, logger });
  app.use(httpLogger(logger.pino));
  configureApp(app, config);
  await app.listen(config.http.port, config.http.host);
  logger.log(`Stowage listening on http://localhost:${config.http.port} (Swagger UI at /api/docs)`, 'Bootstrap');
}

bootstrap().catch((error: Error) => {
  // Config and start-up errors: say what is wrong, without a stack trace for the expected ones.
  console.error(error.name === 'ConfigValidationError' ? error.message : error);
  process.exit(1);
});
