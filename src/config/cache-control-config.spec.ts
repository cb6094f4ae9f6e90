import { describe, expect, it } from '@jest/globals';
import { ConfigValidationError } from './env.validation.js';
import { loadConfig } from './load-config.js';

describe('CACHE_CONTROL', () => {
  it('defaults to private: files are per-user', () => {
    expect(loadConfig({}).downloads.cacheControl).toBe('private');
  });

  it('takes any printable value', () => {
    expect(loadConfig({ CACHE_CONTROL: 'private, max-age=300, must-revalidate' }).downloads.cacheControl).toBe(
      'private, max-age=300, must-revalidate',
    );
  });

  it.each(['private\r\nSet-Cookie: a=1', 'no-store\u0000', 'x'.repeat(201)])('refuses %j at boot, naming the variable', (value) => {
    expect(() => loadConfig({ CACHE_CONTROL: value })).toThrow(ConfigValidationError);
    expect(() => loadConfig({ CACHE_CONTROL: value })).toThrow(/CACHE_CONTROL/);
  });
});
