import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { VerifiedTokens } from './verified-tokens.js';

describe('VerifiedTokens', () => {
  afterEach(() => {
    jest.useRealTimers();
  });

  it('remembers a token until the second of its exp, and by its exact text only', () => {
    jest.useFakeTimers({ now: 1_000_000 });
    const verified = new VerifiedTokens<string>();
    expect(verified.remember('a.b.c', 'user-1', 1_010)).toBe('user-1');
    expect(verified.get('a.b.c')).toBe('user-1');
    expect(verified.get('a.b.C')).toBeUndefined();
    jest.setSystemTime(1_009_999);
    expect(verified.get('a.b.c')).toBe('user-1');
    jest.setSystemTime(1_010_000);
    expect(verified.get('a.b.c')).toBeUndefined();
  });

  it('does not remember a token without a numeric expiry, and rechecks long-lived ones after 5 minutes', () => {
    jest.useFakeTimers({ now: 0 });
    const verified = new VerifiedTokens<string>();
    verified.remember('no.exp.here', 'user-1', undefined);
    verified.remember('string.exp.here', 'user-1', '999999');
    verified.remember('long.lived.token', 'user-2', 365 * 24 * 3600);
    expect(verified.get('no.exp.here')).toBeUndefined();
    expect(verified.get('string.exp.here')).toBeUndefined();
    expect(verified.get('long.lived.token')).toBe('user-2');
    jest.setSystemTime(5 * 60 * 1000);
    expect(verified.get('long.lived.token')).toBeUndefined();
  });
});
