import { createHash, randomBytes } from 'node:crypto';

/** Our API tokens start with this, so the guard tells them from JWTs without trying to parse them. */
export const API_TOKEN_PREFIX = 'stw_';

/** 32 random bytes: guessing is hopeless, so a plain SHA-256 (no salt, no slow hash) is a safe lookup key. */
export const newApiTokenSecret = (): string => API_TOKEN_PREFIX + randomBytes(32).toString('base64url');

export const hashApiToken = (token: string): string => createHash('sha256').update(token).digest('hex');

export const looksLikeApiToken = (token: string): boolean => token.startsWith(API_TOKEN_PREFIX);
