import { describe, expect, it } from '@jest/globals';
import { loadConfig } from './load-config.js';

describe('METRICS_TOKEN and METRICS_PORT', () => {
  it('leave metrics off by default', () => {
    expect(loadConfig({}).metrics).toEqual({ token: undefined, port: undefined });
  });

  it('take a token and a port', () => {
    const config = loadConfig({ METRICS_TOKEN: 'a-metrics-token-of-some-length', METRICS_PORT: '9464' });
    expect(config.metrics).toEqual({ token: 'a-metrics-token-of-some-length', port: 9464 });
  });

  it.each([
    [{ METRICS_TOKEN: 'short' }, 'METRICS_TOKEN'],
    [{ METRICS_TOKEN: 'has a space in the middle' }, 'METRICS_TOKEN'],
    [{ METRICS_PORT: 'ninety' }, 'METRICS_PORT'],
    [{ METRICS_PORT: '0' }, 'METRICS_PORT'],
    [{ METRICS_PORT: '70000' }, 'METRICS_PORT'],
    [{ METRICS_PORT: '3000' }, 'METRICS_PORT: must differ from PORT'],
    [{ METRICS_PORT: '8080', PORT: '8080' }, 'METRICS_PORT: must differ from PORT'],
  ])('fail at boot naming the variable: %p', (env, message) => {
    expect(() => loadConfig(env)).toThrow(new RegExp(`Invalid configuration:[\\s\\S]*${message}`));
  });
});
