import { describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DomainError } from '../common/errors/domain-error.js';
import { DigestStream } from './digest-stream.js';

const sink = () => new Writable({ write: (_c, _e, cb) => cb() });

describe('DigestStream', () => {
  it('counts and hashes what flows through, chunk boundaries notwithstanding', async () => {
    const parts = [Buffer.from('hello '), Buffer.from('wor'), Buffer.from('ld')];
    const digest = new DigestStream();
    await pipeline(Readable.from(parts), digest, sink());
    expect(await digest.result()).toEqual({
      size: 11,
      sha256: createHash('sha256').update('hello world').digest('hex'),
      md5: createHash('md5').update('hello world').digest('hex'),
    });
  });

  it('fails with PAYLOAD_TOO_LARGE once the limit is passed, not at it', async () => {
    await expect(pipeline(Readable.from([Buffer.alloc(10)]), new DigestStream(10), sink())).resolves.toBeUndefined();
    const failure = pipeline(Readable.from([Buffer.alloc(6), Buffer.alloc(6)]), new DigestStream(10), sink());
    await expect(failure).rejects.toBeInstanceOf(DomainError);
    await expect(failure).rejects.toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
  });
});
