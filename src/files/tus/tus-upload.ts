/** A resumable (tus) upload, as stored in tus_uploads. */
export interface TusUpload {
  /** The id in `/api/uploads/<id>`, made by the server; also the storage key of the finished file's object. */
  id: string;
  /** Null once the owner's account is deleted: nobody can resume it, the sweeper removes it at expiry. */
  ownerId: string | null;
  filename: string;
  contentType: string;
  /** Upload-Length: the upload is complete once this many bytes are in. */
  size: number;
  /** Upload-Metadata as the client sent it (decoded), answered back on HEAD. */
  metadata: Record<string, string | null>;
  /** Set once the upload has become a file. */
  fileId: string | null;
  createdAt: Date;
  expiresAt: Date;
}

/** What a creation request was admitted as, before the upload has an id. */
export interface AdmittedUpload {
  filename: string;
  contentType: string;
  size: number;
}

/** Upload ids are storage keys (`newStorageKey`): 32 lowercase hex characters. */
export const TUS_UPLOAD_ID = /^[0-9a-f]{32}$/;
