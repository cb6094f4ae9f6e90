import { describe, expect, it } from '@jest/globals';
import { loadConfig } from './load-config.js';

describe('IDP_TOKEN_MAX_IDLE_SECONDS', () => {
  it('defaults to 7 days and takes any positive number of seconds', () => {
    expect(loadConfig({}).auth.idpTokenMaxIdleSeconds).toBe(604_800);
    expect(loadConfig({ IDP_TOKEN_MAX_IDLE_SECONDS: '1' }).auth.idpTokenMaxIdleSeconds).toBe(1);
    expect(loadConfig({ IDP_TOKEN_MAX_IDLE_SECONDS: '31536000' }).auth.idpTokenMaxIdleSeconds).toBe(31_536_000);
  });

  it.each(['0', '-5', '1.5', 'a week'])('refuses %j at boot, naming the variable', (value) => {
    expect(() => loadConfig({ IDP_TOKEN_MAX_IDLE_SECONDS: value })).toThrow(/IDP_TOKEN_MAX_IDLE_SECONDS/);
  });
});

describe('ADMIN_PASSWORD_RESET', () => {
  it('is off by default', () => {
    expect(loadConfig({}).auth.adminPasswordReset).toBe(false);
  });

  it('needs ADMIN_PASSWORD', () => {
    expect(() => loadConfig({ ADMIN_PASSWORD_RESET: 'true' })).toThrow(/ADMIN_PASSWORD_RESET: needs ADMIN_PASSWORD/);
    expect(loadConfig({ ADMIN_PASSWORD_RESET: 'true', ADMIN_PASSWORD: 'a-new-password' }).auth.adminPasswordReset).toBe(true);
    expect(loadConfig({ ADMIN_PASSWORD_RESET: 'false' }).auth.adminPasswordReset).toBe(false);
  });
});
