/** The typed, validated configuration of one Stowage process. Built once by `loadConfig`. */
export type StorageDriver = 'local' | 's3';

export interface S3Settings {
  endpoint?: string;
  bucket: string;
  region: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  forcePathStyle: boolean;
}

export abstract class AppConfig {
  abstract readonly nodeEnv: 'development' | 'production' | 'test';
  abstract readonly http: { port: number; host: string; jsonBodyLimit: string };
  /** Root of everything kept on local disk: embedded database, local blobs, dev secrets. */
  abstract readonly dataDir: string;
  abstract readonly database: {
    /** Unset: the embedded PostgreSQL under `dataDir/pg` is used. */
    url?: string;
    migrationsRun: boolean;
    poolSize: number;
  };
  abstract readonly auth: {
    /** Unset outside production: a random secret is kept in `dataDir/.jwt-secret`. */
    jwtSecret?: string;
    jwtExpiresInSeconds: number;
    adminUsername: string;
    adminPassword?: string;
  };
  abstract readonly uploads: { maxBytes: number };
  abstract readonly storage: { driver: StorageDriver; s3?: S3Settings };
  abstract readonly log: { level: string };
}
