import { describe, expect, it } from '@jest/globals';
import { createHmac } from 'node:crypto';
import { retryDelayMs } from './webhook-dispatcher.js';
import { signatureHeader, verifySignature } from './webhook-signature.js';

describe('Stowage-Signature', () => {
  const secret = 'a-secret-of-enough-length';
  const body = '{"type":"file.created"}';

  it('is t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">', () => {
    const expected = createHmac('sha256', secret).update(`1700000000.${body}`).digest('hex');
    expect(signatureHeader(secret, body, 1700000000)).toBe(`t=1700000000,v1=${expected}`);
  });

  it('verifies its own signature, and nothing changed or stale', () => {
    const now = 1700000000_000;
    const header = signatureHeader(secret, body, now / 1000);
    expect(verifySignature(secret, body, header, 300, now)).toBe(true);
    expect(verifySignature(secret, body + ' ', header, 300, now)).toBe(false);
    expect(verifySignature('another-secret-entirely', body, header, 300, now)).toBe(false);
    expect(verifySignature(secret, body, header, 300, now + 301_000)).toBe(false);
    expect(verifySignature(secret, body, 'garbage', 300, now)).toBe(false);
  });
});

describe('retryDelayMs', () => {
  it('doubles from the base after each failure, up to an hour', () => {
    expect([1, 2, 3, 4].map((attempts) => retryDelayMs(10_000, attempts))).toEqual([10_000, 20_000, 40_000, 80_000]);
    expect(retryDelayMs(10_000, 30)).toBe(3_600_000);
  });
});
