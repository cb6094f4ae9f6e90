import type { AuditService } from '../../audit/audit.service.js';
import { describe, expect, it } from '@jest/globals';
import { Principal } from '../../auth/principal.js';
import { StorageProvider } from '../../storage/storage-provider.js';
import { COUNT_SAMPLE_ROWS, EXACT_COUNT_LIMIT, estimateFromSample, samplePercent } from './file-count.js';
import { FileListingRepository } from './file-listing.repository.js';
import { FileListingService } from './file-listing.service.js';
import { FilterCondition } from './list-query.js';

describe('samplePercent', () => {
  it('samples about COUNT_SAMPLE_ROWS rows of a larger table', () => {
    expect(samplePercent(1_000_000)).toBeCloseTo((COUNT_SAMPLE_ROWS / 1_000_000) * 100);
    expect(samplePercent(10_000_000, 50_000)).toBeCloseTo(0.5);
  });

  it('does not sample a table of up to COUNT_SAMPLE_ROWS rows, nor one never analyzed (-1)', () => {
    expect(samplePercent(COUNT_SAMPLE_ROWS)).toBeUndefined();
    expect(samplePercent(500)).toBeUndefined();
    expect(samplePercent(-1)).toBeUndefined();
    expect(samplePercent(Number.NaN)).toBeUndefined();
  });
});

describe('estimateFromSample', () => {
  it('scales the sample up to the whole table', () => {
    expect(estimateFromSample(1010, 10, 1001)).toBe(10_100);
    expect(estimateFromSample(3, 0.5, 1)).toBe(600);
  });

  it('never answers less than the bounded exact count proved', () => {
    expect(estimateFromSample(0, 10, 1001)).toBe(1001);
    expect(estimateFromSample(50, 10, 1001)).toBe(1001);
  });
});

/**
 * A repository whose table holds `matching` visible matches among `tableRows` rows; its page sample finds
 * `percent` % of them, or `inSample` when given (a sample can be unlucky).
 */
function fakeRepository(matching: number, tableRows: number, inSample?: number) {
  const calls: string[] = [];
  const repository = {
    estimatedTableRows: () => (calls.push('estimatedTableRows'), Promise.resolve(tableRows)),
    countInSample: (_p: Principal, _f: readonly FilterCondition[], percent: number) => (
      calls.push('countInSample'),
      Promise.resolve(inSample ?? Math.round((matching * percent) / 100))
    ),
    countUpTo: (_p: Principal, _f: readonly FilterCondition[], limit: number) => (
      calls.push(`countUpTo ${limit}`),
      Promise.resolve(Math.min(matching, limit))
    ),
    count: () => (calls.push('count'), Promise.resolve(matching)),
  };
  const service = new FileListingService(repository as unknown as FileListingRepository, {} as StorageProvider, {} as AuditService);
  return { service, calls };
}

describe('FileListingService.countForPaging', () => {
  // An admin: the sample comes first (their visible set is the table).
  const alice = new Principal('0b3c7a52-6c4a-4f5e-9a1e-3f0c2d9b8e71', 'alice', ['admin']);
  const bob = new Principal('5d1f7e2a-0c3b-4a9e-8f61-2b7d4c9e0a13', 'bob', ['editor']);
  const filters: FilterCondition[] = [{ field: 'filename', op: 'contains', value: 'x' }];

  it('counts exactly on a table small enough to count quickly, however many match', async () => {
    for (const matching of [0, 3, EXACT_COUNT_LIMIT + 500]) {
      const { service, calls } = fakeRepository(matching, COUNT_SAMPLE_ROWS);
      expect(await service.countForPaging(alice, filters)).toEqual({ count: matching, exact: true });
      expect(calls).toEqual(['estimatedTableRows', 'count']);
    }
  });

  it('is exact up to EXACT_COUNT_LIMIT on a large table: a sample is not proof, a bounded count is', async () => {
    for (const matching of [0, 3, EXACT_COUNT_LIMIT]) {
      const { service, calls } = fakeRepository(matching, 50_000_000);
      expect(await service.countForPaging(alice, filters)).toEqual({ count: matching, exact: true });
      expect(calls).toEqual(['estimatedTableRows', 'countInSample', `countUpTo ${EXACT_COUNT_LIMIT + 1}`]);
    }
  });

  it('estimates from the sample alone when the sample already holds more than EXACT_COUNT_LIMIT matches', async () => {
    const { service, calls } = fakeRepository(20_000, 1_000_000);
    expect(await service.countForPaging(alice, filters)).toEqual({ count: 20_000, exact: false });
    expect(calls).toEqual(['estimatedTableRows', 'countInSample']);
  });

  it('estimates from the sample after a bounded count proved there are more than EXACT_COUNT_LIMIT', async () => {
    const { service, calls } = fakeRepository(5_000, 1_000_000);
    expect(await service.countForPaging(alice, filters)).toEqual({ count: 5_000, exact: false });
    expect(calls).toEqual(['estimatedTableRows', 'countInSample', `countUpTo ${EXACT_COUNT_LIMIT + 1}`]);
  });

  it('never estimates fewer than the bounded count found, even when the sample misses them all', async () => {
    const { service } = fakeRepository(5_000, 1_000_000, 0);
    expect(await service.countForPaging(alice, filters)).toEqual({ count: EXACT_COUNT_LIMIT + 1, exact: false });
  });

  it("counts a non-admin's files with a bounded count first: it reads only what they can see", async () => {
    const { service, calls } = fakeRepository(3, 50_000_000);
    expect(await service.countForPaging(bob, filters)).toEqual({ count: 3, exact: true });
    expect(calls).toEqual([`countUpTo ${EXACT_COUNT_LIMIT + 1}`]);
  });

  it('estimates a non-admin count over EXACT_COUNT_LIMIT from the sample, never below what was proved', async () => {
    const { service, calls } = fakeRepository(5_000, 1_000_000);
    expect(await service.countForPaging(bob, filters)).toEqual({ count: 5_000, exact: false });
    expect(calls).toEqual([`countUpTo ${EXACT_COUNT_LIMIT + 1}`, 'estimatedTableRows', 'countInSample']);
  });
});
