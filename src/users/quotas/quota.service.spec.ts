import { describe, expect, it } from '@jest/globals';
import { Principal } from '../../auth/principal.js';
import { DomainError } from '../../common/errors/domain-error.js';
import { ErrorCode } from '../../common/errors/error-code.js';
import { AppConfig } from '../../config/app-config.js';
import { User } from '../user.entity.js';
import { UsersService } from '../users.service.js';
import { QuotaService } from './quota.service.js';
import { Usage, UserUsageRepository } from './user-usage.repository.js';

const principal = new Principal('u1', 'alice', ['editor']);

/** A QuotaService over hand-written fakes: one user with `overrides`, `usage`, and the QUOTA_* `defaults`. */
function quotaService(options: {
  defaults?: { bytesPerUser?: number; filesPerUser?: number };
  overrides?: Partial<Pick<User, 'quotaBytes' | 'quotaFiles'>>;
  usage?: Usage;
}) {
  const lookups = { usage: 0 };
  const user = { id: 'u1', quotaBytes: null, quotaFiles: null, ...options.overrides } as User;
  const users = { recentById: () => user, findById: () => Promise.resolve(user) } as unknown as UsersService;
  const usage = {
    of: () => {
      lookups.usage++;
      return Promise.resolve(options.usage ?? { bytes: 0, files: 0 });
    },
  } as unknown as UserUsageRepository;
  const config = { quotas: options.defaults ?? {} } as AppConfig;
  return { service: new QuotaService(users, usage, config), lookups };
}

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  return promise.then(
    () => undefined,
    (error: unknown) => (error instanceof DomainError ? error.code : String(error)),
  );
}

describe('QuotaService', () => {
  it('without any limit, allows everything without looking usage up', async () => {
    const { service, lookups } = quotaService({});
    const allowance = await service.assertCanStore(principal, { declaredBytes: 10 ** 12 });
    expect(allowance.cap(1000)).toBe(1000);
    expect(lookups.usage).toBe(0);
  });

  it('refuses one file too many, and declared bytes beyond what is left, before anything is read', async () => {
    expect(
      await codeOf(quotaService({ defaults: { filesPerUser: 2 }, usage: { bytes: 0, files: 2 } }).service.assertCanStore(principal)),
    ).toBe(ErrorCode.QuotaExceeded);
    const { service } = quotaService({ defaults: { bytesPerUser: 1000 }, usage: { bytes: 600, files: 1 } });
    expect(await codeOf(service.assertCanStore(principal, { declaredBytes: 401 }))).toBe(ErrorCode.QuotaExceeded);
    expect(await codeOf(service.assertCanStore(principal, { declaredBytes: 400 }))).toBeUndefined();
  });

  it('counts the bytes an upload already stored (pendingBytes), and asks for them only under a byte limit', async () => {
    let asked = 0;
    const pendingBytes = () => {
      asked++;
      return Promise.resolve(300);
    };
    const limited = quotaService({ defaults: { bytesPerUser: 1000 }, usage: { bytes: 600, files: 1 } }).service;
    expect((await limited.assertCanStore(principal, { pendingBytes })).remainingBytes).toBe(100);
    expect(asked).toBe(1);
    await quotaService({ defaults: { filesPerUser: 10 } }).service.assertCanStore(principal, { pendingBytes });
    expect(asked).toBe(1);
  });

  it('a user override replaces the default; null keeps the default', async () => {
    const { service } = quotaService({ defaults: { bytesPerUser: 1000, filesPerUser: 5 }, overrides: { quotaBytes: 50 } });
    expect(await service.limitsOf('u1')).toEqual({ bytes: 50, files: 5 });
    expect(service.limitsFor(null)).toEqual({ bytes: 1000, files: 5 });
  });

  it('caps a write at the tighter limit and turns PAYLOAD_TOO_LARGE into QUOTA_EXCEEDED only when the quota was tighter', async () => {
    const { service } = quotaService({ defaults: { bytesPerUser: 1000 }, usage: { bytes: 900, files: 0 } });
    const tooLarge = new DomainError(ErrorCode.PayloadTooLarge, 'too large');
    const underQuota = await service.assertCanStore(principal);
    expect(underQuota.cap(10_000)).toBe(100);
    expect((underQuota.translate(tooLarge) as DomainError).code).toBe(ErrorCode.QuotaExceeded);
    const other = new Error('disk on fire');
    expect(underQuota.translate(other)).toBe(other);

    const underMaxUpload = await service.assertCanStore(principal);
    expect(underMaxUpload.cap(50)).toBe(50);
    expect(underMaxUpload.translate(tooLarge)).toBe(tooLarge);
  });

  it('above the quota already (it was lowered), only an empty file fits', async () => {
    const { service } = quotaService({ defaults: { bytesPerUser: 100 }, usage: { bytes: 500, files: 1 } });
    expect(await codeOf(service.assertCanStore(principal, { declaredBytes: 1 }))).toBe(ErrorCode.QuotaExceeded);
    expect((await service.assertCanStore(principal, { declaredBytes: 0 })).cap(1000)).toBe(0);
  });
});
