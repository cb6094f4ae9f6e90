import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { VerifiedJwts } from './verified-jwts.js';

describe('VerifiedJwts', () => {
  afterEach(() => {
    jest.useRealTimers();
  });

  it('remembers a token until the second of its exp, and by its exact text only', () => {
    jest.useFakeTimers({ now: 1_000_000 });
    const verified = new VerifiedJwts();
    verified.remember('a.b.c', 'user-1', 1_010);
    expect(verified.userIdOf('a.b.c')).toBe('user-1');
    expect(verified.userIdOf('a.b.C')).toBeUndefined();
    jest.setSystemTime(1_009_999);
    expect(verified.userIdOf('a.b.c')).toBe('user-1');
    jest.setSystemTime(1_010_000);
    expect(verified.userIdOf('a.b.c')).toBeUndefined();
  });

  it('does not remember a token without a numeric expiry, and rechecks long-lived ones after 5 minutes', () => {
    jest.useFakeTimers({ now: 0 });
    const verified = new VerifiedJwts();
    verified.remember('no.exp.here', 'user-1', undefined);
    verified.remember('string.exp.here', 'user-1', '999999');
    verified.remember('long.lived.token', 'user-2', 365 * 24 * 3600);
    expect(verified.userIdOf('no.exp.here')).toBeUndefined();
    expect(verified.userIdOf('string.exp.here')).toBeUndefined();
    expect(verified.userIdOf('long.lived.token')).toBe('user-2');
    jest.setSystemTime(5 * 60 * 1000);
    expect(verified.userIdOf('long.lived.token')).toBeUndefined();
  });
});
