import { FileStore } from '@tus/file-store';
import type { Upload } from '@tus/server';
import { mkdir, open, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { LocalStorageProvider } from '../../storage/local/local-storage.provider.js';
import { assertStorageKey } from '../../storage/storage-key.js';
import { TusBackend } from './tus-backend.js';
import { TusStateStore } from './tus-state-store.js';

/**
 * @tus/file-store under the local provider's root (`DATA_DIR/files/tus/<id>`, shared by instances on one machine),
 * its upload info in PostgreSQL. A finished upload is renamed into the object tree: same filesystem, no copy.
 */
export class LocalTusBackend extends TusBackend {
  readonly store: FileStore;

  private constructor(
    private readonly storage: LocalStorageProvider,
    private readonly directory: string,
    configstore: TusStateStore<Upload>,
  ) {
    super();
    this.store = new FileStore({ directory, configstore });
  }

  static async create(storage: LocalStorageProvider, directory: string, configstore: TusStateStore<Upload>): Promise<LocalTusBackend> {
    await mkdir(directory, { recursive: true });
    return new LocalTusBackend(storage, directory, configstore);
  }

  // @tus/file-store writes through a plain write stream and never fsyncs: do it before any offset is answered.
  async sync(id: string): Promise<void> {
    const file = await open(this.pathOf(id), 'r+').catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return null;
      throw error;
    });
    if (!file) return;
    try {
      await file.sync();
    } finally {
      await file.close();
    }
  }

  async assemble(id: string): Promise<void> {
    const path = this.pathOf(id);
    if (!(await stat(path).catch(() => null))) return;
    await this.sync(id);
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
