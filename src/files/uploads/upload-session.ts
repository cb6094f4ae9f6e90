/** A chunked upload, as stored in upload_sessions: unfinished, or (until it expires) complete. */
export interface UploadSession {
  id: string;
  ownerId: string;
  /** The id the client sends in `uploader-file-id`: its own (huge-uploader) or the server-made file id; per owner. */
  uploadId: string;
  /** The id the file will have once complete. */
  fileId: string;
  filename: string;
  contentType: string;
  chunksTotal: number;
  /** 0 once chunk 0 arrived, 1 once chunk `chunksTotal` arrived, null while it cannot be told yet. */
  numberingBase: 0 | 1 | null;
  chunkSize: number | null;
  /** 'complete': the file `fileId` was made; the row stays until it expires, so a resent part finds that file. */
  state: 'open' | 'assembling' | 'complete';
  /** Set when the session is claimed for assembly: where the whole file is being written. */
  assembledKey: string | null;
  createdAt: Date;
  expiresAt: Date;
}

export interface UploadChunk {
  number: number;
  storageKey: string;
  size: number;
  sha256: string;
}

export type NewUploadSession = Pick<
  UploadSession,
  'ownerId' | 'uploadId' | 'fileId' | 'filename' | 'contentType' | 'chunksTotal' | 'chunkSize'
> & {
  expirySeconds: number;
};

/** What recording one chunk came to. */
export type ChunkRecord =
  | { kind: 'gone' }
  | { kind: 'closed' }
  /** The file was committed meanwhile (a resend racing the assembly): the caller answers with it. */
  | { kind: 'complete'; session: UploadSession }
  | { kind: 'out-of-range'; base: 0 | 1 }
  /** The number was already there: `sameBytes` tells an idempotent resend from a conflicting one. */
  | { kind: 'duplicate'; sameBytes: boolean; session: UploadSession; received: number; bytes: number }
  /** Stored; `claimed` when this call completed the set and won the right to assemble it. */
  | { kind: 'recorded'; claimed: boolean; session: UploadSession; received: number; bytes: number };
