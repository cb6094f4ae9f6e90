import { describe, expect, it } from '@jest/globals';
import { loadConfig } from './load-config.js';

describe('loadConfig: tus uploads', () => {
  it('holds upload locks on 20 connections per instance by default', () => {
    expect(loadConfig({}).tus.lockPoolSize).toBe(20);
    expect(loadConfig({ TUS_LOCK_POOL_SIZE: '64' }).tus.lockPoolSize).toBe(64);
  });

  it.each(['0', '501', 'many', '2.5'])('refuses TUS_LOCK_POOL_SIZE=%s, naming it', (value) => {
    expect(() => loadConfig({ TUS_LOCK_POOL_SIZE: value })).toThrow(/TUS_LOCK_POOL_SIZE must be a whole number from 1 to 500/);
  });
});
