import { Upload } from 'tus-js-client';
import { errorMessage } from './api';

export type UploadStatus = 'uploading' | 'waiting' | 'done' | 'failed';

export interface UploadState {
  key: string;
  name: string;
  size: number;
  sent: number;
  status: UploadStatus;
  error?: string;
}

/** Large enough for few requests on big files, small enough that a dropped connection loses little. */
const CHUNK_BYTES = 5 * 1024 * 1024;

/**
 * One file sent with tus to /api/uploads (the session cookie authenticates it). A failed request is retried; when
 * the browser is offline, tus-js-client gives up at once, so the upload waits for the `online` event and starts
 * again: tus asks the service how much arrived (HEAD) and sends only the rest.
 */
export function startUpload(file: File, key: string, onChange: (state: UploadState) => void, onDone: () => void): () => void {
  let state: UploadState = { key, name: file.name, size: file.size, sent: 0, status: 'uploading' };
  const update = (changes: Partial<UploadState>) => {
    state = { ...state, ...changes };
    onChange(state);
  };
  const resumeWhenOnline = () => {
    window.removeEventListener('online', resumeWhenOnline);
    update({ status: 'uploading', error: undefined });
    upload.start();
  };
  const upload = new Upload(file, {
    endpoint: '/api/uploads',
    chunkSize: CHUNK_BYTES,
    // As docs/tus.md advises: long enough to outlast a connection that died silently.
    retryDelays: [0, 1000, 3000, 10000, 30000, 60000, 120000],
    metadata: { filename: file.name, filetype: file.type || 'application/octet-stream' },
    // The service keeps unfinished uploads; a reload starts afresh rather than guessing at another tab's upload.
    storeFingerprintForResuming: false,
    onProgress: (sent) => update({ sent }),
    onSuccess: () => {
      update({ sent: file.size, status: 'done' });
      onDone();
    },
    onError: (error) => {
      if (!navigator.onLine) {
        update({ status: 'waiting', error: 'Connection lost: the upload resumes when the network is back.' });
        window.addEventListener('online', resumeWhenOnline);
        return;
      }
      const response = (error as { originalResponse?: { getStatus(): number; getBody(): string } | null }).originalResponse;
      update({ status: 'failed', error: response ? errorMessage(response.getStatus(), response.getBody() ?? '') : error.message });
    },
  });
  upload.start();
  return () => {
    window.removeEventListener('online', resumeWhenOnline);
    void upload.abort(true);
  };
}
