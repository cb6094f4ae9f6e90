import { AsyncLocalStorage } from 'node:async_hooks';
import { Principal } from '../../auth/principal.js';
import { AdmittedUpload } from './tus-upload.js';

/** What a tus request carries into the store, which @tus/server calls without the HTTP request. */
export interface TusRequestContext {
  /** The authenticated caller (absent on OPTIONS, which is public). */
  principal?: Principal;
  /** POST: what the controller admitted the new upload as. */
  admitted?: AdmittedUpload;
  /** Set by the store once the upload is (or has just become) a file: answered as Stowage-File-Id. */
  fileId?: string;
}

export const tusRequests = new AsyncLocalStorage<TusRequestContext>();

/** The context of the tus request being served; the store is only ever called inside one. */
export function currentTusRequest(): TusRequestContext {
  const context = tusRequests.getStore();
  if (!context) throw new Error('tus store called outside a request');
  return context;
}
