import type { DataStore } from '@tus/server';

/**
 * The tus store of the configured storage driver (@tus/file-store or @tus/s3-store), and what Stowage needs of it
 * besides the tus protocol: durable offsets, and turning a finished upload into the storage object named by its id,
 * so that a completed upload becomes a file without its bytes being copied.
 */
export abstract class TusBackend {
  abstract readonly store: DataStore;

  /** Makes every byte received so far durable, so that no offset reported runs ahead of it. */
  abstract sync(id: string): Promise<void>;

  /** Makes the fully received upload the storage object `id`; nothing to do when that already happened. */
  abstract assemble(id: string): Promise<void>;

  /** Removes what an unfinished upload holds in the store (bytes, parts, the store's records), not the object `id`. */
  abstract discardIncoming(id: string): Promise<void>;

  /** Once the file is committed: drops what the store still keeps about the upload. */
  abstract cleanUp(id: string): Promise<void>;
}
