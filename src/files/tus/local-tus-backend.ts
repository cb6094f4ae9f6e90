import type { Upload } from '@tus/server';
import { mkdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { LocalStorageProvider } from '../../storage/local/local-storage.provider.js';
import { assertStorageKey } from '../../storage/storage-key.js';
import { SyncedFileStore } from './synced-file-store.js';
import { TusBackend } from './tus-backend.js';
import { TusStateStore } from './tus-state-store.js';

/**
 * @tus/file-store, with Stowage's own PATCH write (SyncedFileStore), under the local provider's root
 * (`DATA_DIR/files/tus/<id>`, shared by instances on one machine), its upload info in PostgreSQL. A finished upload is
 * renamed into the object tree: same filesystem, no copy.
 */
export class LocalTusBackend extends TusBackend {
  readonly store: SyncedFileStore;

  private constructor(
    private readonly storage: LocalStorageProvider,
    private readonly directory: string,
    configstore: TusStateStore<Upload>,
  ) {
    super();
    this.store = new SyncedFileStore({ directory, configstore }, (id) => this.pathOf(id));
  }

  static async create(storage: LocalStorageProvider, directory: string, configstore: TusStateStore<Upload>): Promise<LocalTusBackend> {
    await mkdir(directory, { recursive: true });
    return new LocalTusBackend(storage, directory, configstore);
  }

  // SyncedFileStore.write makes every PATCH durable before it returns, failed ones included.
  async sync(): Promise<void> {}

  async assemble(id: string): Promise<void> {
    const path = this.pathOf(id);
    if (!(await stat(path).catch(() => null))) return;
    await this.storage.adopt(id, path);
  }

  async discardIncoming(id: string): Promise<void> {
    await rm(this.pathOf(id), { force: true });
  }

  async cleanUp(): Promise<void> {}

  private pathOf(id: string): string {
    assertStorageKey(id);
    return join(this.directory, id);
  }
}
