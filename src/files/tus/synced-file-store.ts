import { FileStore } from '@tus/file-store';
import type { Configstore } from '@tus/file-store';
import { open } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { FileSink } from '../../storage/local/file-sink.js';

/**
 * @tus/file-store with Stowage's own PATCH write: through a `FileSink` (the local driver's coalesced writes) instead
 * of a plain write stream, and durable before it returns, whether the body ended or failed midway, so that no offset
 * tus answers runs ahead of the disk. Errors are the file system's own (ENOSPC answers 507), not a generic tus 500.
 */
export class SyncedFileStore extends FileStore {
  constructor(
    options: { directory: string; configstore: Configstore },
    private readonly pathOf: (id: string) => string,
  ) {
    super(options);
  }

  override async write(readable: Readable, id: string, offset: number): Promise<number> {
    const file = await open(this.pathOf(id), 'r+');
    const sink = new FileSink(file, offset);
    let received = 0;
    try {
      // Not destroyed when the loop fails: that would end tus' pipeline with an AbortError before this error arrives.
      for await (const chunk of readable.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>) {
        received += chunk.length;
        const writing = sink.write(chunk);
        if (writing) await writing;
      }
      await sink.finish();
      return offset + received;
    } catch (error) {
      // What did reach the file is what the next HEAD reports: make it durable too.
      await sink.settled();
      await file.sync().catch(() => {});
      throw error;
    } finally {
      await sink.settled();
      await file.close();
    }
  }
}
