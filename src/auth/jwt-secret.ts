import { Logger } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AppConfig } from '../config/app-config.js';

/**
 * JWT_SECRET, or outside production a random secret kept in DATA_DIR/.jwt-secret so that tokens survive a
 * restart. (Production refuses to boot without JWT_SECRET: see env.validation.ts.)
 */
export function resolveJwtSecret(config: AppConfig): string {
  if (config.auth.jwtSecret) return config.auth.jwtSecret;
  const file = join(config.dataDir, '.jwt-secret');
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    mkdirSync(config.dataDir, { recursive: true });
    const secret = randomBytes(48).toString('base64url');
    writeFileSync(file, secret, { mode: 0o600 });
    new Logger('Auth').warn(`JWT_SECRET is not set: using a random development secret kept in ${file}`);
    return secret;
  }
}
