import { Init1764000000000 } from './1764000000000-Init.js';

/** Every migration, oldest first. Listed explicitly: globs do not load reliably from ES modules. */
export const MIGRATIONS = [Init1764000000000];
