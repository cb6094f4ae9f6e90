/** Minimal typing of the huge-uploader browser client (npm), as the e2e tests drive it. */
declare module 'huge-uploader' {
  export interface HugeUploaderParams {
    endpoint: string;
    file: File;
    headers?: Record<string, string>;
    postParams?: Record<string, string>;
    /** In MB (1,000,000 bytes). */
    chunkSize?: number;
    retries?: number;
    /** In seconds. */
    delayBeforeRetry?: number;
  }
  export default class HugeUploader {
    constructor(params: HugeUploaderParams);
    on(event: 'finish' | 'error' | 'progress' | 'fileRetry' | 'online' | 'offline', listener: (event: Event) => void): void;
    togglePause(): void;
  }
}
