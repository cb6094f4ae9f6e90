import 'reflect-metadata';
import { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import request from 'supertest';
import { AppModule } from '../../src/app.module.js';
import { configureApp } from '../../src/app.setup.js';
import { AppConfig } from '../../src/config/app-config.js';
import { loadConfig } from '../../src/config/load-config.js';
import { bodyOf, TokenResponse, User } from './http.js';
import { OpenApiDocument, OpenApiValidator, RecordedResponse, recordResponses } from './openapi-validator.js';
import { startS3Server } from './s3-server.js';
import { testLogger } from './test-logger.js';

export const ADMIN = { username: 'admin', password: 'admin-password' };

/**
 * A real Stowage on a free port, against a real PostgreSQL: a fresh database on TEST_DATABASE_URL's server when
 * that is set, else the embedded default in a temp DATA_DIR. Storage follows TEST_STORAGE_DRIVER (default local).
 */
export interface TestApp {
  app: INestApplication;
  config: AppConfig;
  /** supertest bound to the running server */
  http: () => ReturnType<typeof request>;
  /** base URL, for clients other than supertest */
  url: string;
  adminToken: string;
  /** A new user with these roles, and a token for them. */
  createUser(roles: string[], username?: string): Promise<{ id: string; username: string; password: string; token: string }>;
  login(username: string, password: string): Promise<string>;
  /** The environment this app was booted from (database, storage, DATA_DIR): siblings and service processes share it. */
  testEnv: TestEnv;
  /** Stops the app, keeping DATA_DIR and the database, and starts it again on them (with `overrides` on top). */
  restart(overrides?: Record<string, string | undefined>): Promise<TestApp>;
  /**
   * A second instance on the same database, storage and DATA_DIR (as two replicas behind a load balancer), with
   * `overrides` on top. Needs a real PostgreSQL: start the first app with `{ realDatabase: true }`. Closing a sibling
   * stops it only; closing the first app drops what they share.
   */
  startSibling(overrides?: Record<string, string | undefined>): Promise<TestApp>;
  /**
   * With `{ validateResponses: true }`: every response this app (and its siblings) sent, checked against its own
   * OpenAPI document; `violations` lists what the document does not describe.
   */
  openapi?: OpenApiValidator;
  close(): Promise<void>;
}

/** What a test app runs on; made by prepareTestEnv, released by its `cleanup`. */
export interface TestEnv {
  env: Record<string, string | undefined>;
  dataDir: string;
  /** Whether env.DATABASE_URL is set (a real PostgreSQL server), so that several instances can share it. */
  sharedDatabase: boolean;
  /** Drops the database, stops the s3rver started for it, removes DATA_DIR. */
  cleanup(): Promise<void>;
}

export interface TestEnvOptions {
  /**
   * A fresh database on a real PostgreSQL server even on the embedded leg (TEST_DATABASE_URL's server, else
   * TEST_PG_SERVER_URL, else the machine's 127.0.0.1:5432): for tests of several instances or processes.
   */
  realDatabase?: boolean;
  /** Check every response against the app's OpenAPI document (TestApp.openapi). */
  validateResponses?: boolean;
}

/** The Redis for tests of shared counters: the machine's, unless TEST_REDIS_URL names another. */
export const testRedisUrl = (): string => process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** The PostgreSQL server for tests that need one shared by several instances. */
export const realPostgresServerUrl = (): string =>
  process.env.TEST_DATABASE_URL ?? process.env.TEST_PG_SERVER_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

async function createTestDatabase(serverUrl: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `stowage_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const client = new pg.Client({ connectionString: serverUrl });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}

/** A fresh DATA_DIR, database and (on the S3 leg) bucket for one test app or service process, with `overrides` on top. */
export async function prepareTestEnv(overrides: Record<string, string | undefined> = {}, options: TestEnvOptions = {}): Promise<TestEnv> {
  const dataDir = await mkdtemp(join(tmpdir(), 'stowage-test-'));
  const env: Record<string, string | undefined> = {
    NODE_ENV: 'test',
    LOG_LEVEL: 'warn',
    DATA_DIR: dataDir,
    ADMIN_USERNAME: ADMIN.username,
    ADMIN_PASSWORD: ADMIN.password,
    JWT_SECRET: randomBytes(32).toString('hex'),
    // Redis is shared by every test (and helper) on the machine: each test env keeps its keys apart. Only used
    // where a test sets REDIS_URL (testRedisUrl()).
    REDIS_KEY_PREFIX: `stowage-test-${randomBytes(6).toString('hex')}:`,
    STORAGE_DRIVER: process.env.TEST_STORAGE_DRIVER,
    S3_ENDPOINT: process.env.S3_ENDPOINT,
    S3_BUCKET: process.env.S3_BUCKET,
    S3_REGION: process.env.S3_REGION,
    S3_ACCESS_KEY_ID: process.env.S3_ACCESS_KEY_ID,
    S3_SECRET_ACCESS_KEY: process.env.S3_SECRET_ACCESS_KEY,
    S3_FORCE_PATH_STYLE: process.env.S3_FORCE_PATH_STYLE,
  };
  let dropDatabase: (() => Promise<void>) | undefined;
  if (process.env.TEST_DATABASE_URL || options.realDatabase) {
    const db = await createTestDatabase(realPostgresServerUrl());
    env.DATABASE_URL = db.url;
    dropDatabase = db.drop;
  }
  // The S3 driver with no S3_ENDPOINT given: each app gets its own s3rver (free port, temp dir, fresh bucket).
  let stopS3: (() => Promise<void>) | undefined;
  const driver = 'STORAGE_DRIVER' in overrides ? overrides.STORAGE_DRIVER : env.STORAGE_DRIVER;
  if (driver === 's3' && !(overrides.S3_ENDPOINT ?? env.S3_ENDPOINT)) {
    const s3 = await startS3Server(`stowage-${randomBytes(4).toString('hex')}`);
    Object.assign(env, s3.env);
    stopS3 = () => s3.close();
  }
  const merged = { ...env, ...overrides };
  return {
    env: merged,
    dataDir,
    sharedDatabase: Boolean(merged.DATABASE_URL),
    async cleanup() {
      await dropDatabase?.();
      await stopS3?.();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

async function boot(testEnv: TestEnv, owner: boolean, openapi?: OpenApiValidator | 'new'): Promise<TestApp> {
  const config = loadConfig(testEnv.env);
  const app = await NestFactory.create<NestExpressApplication>(AppModule.register(config), {
    bodyParser: false,
    abortOnError: false,
    logger: (testEnv.env.LOG_LEVEL ?? 'warn') === 'silent' ? false : testLogger,
  });
  // Responses finished before the document is read (none but in a slow start) wait for the validator.
  let validator = openapi === 'new' ? undefined : openapi;
  const early: RecordedResponse[] = [];
  if (openapi) app.use(recordResponses((response) => (validator ? validator.check(response) : early.push(response))));
  configureApp(app, config);
  await app.listen(0, '127.0.0.1');
  const url = await app.getUrl();
  const server = app.getHttpServer();
  const http = () => request(server);
  if (openapi === 'new') {
    validator = new OpenApiValidator(bodyOf<OpenApiDocument>(await http().get('/api/docs-json').expect(200)));
    for (const response of early.splice(0)) validator.check(response);
  }

  const login = async (username: string, password: string) => {
    const res = await http().post('/api/auth/login').send({ username, password });
    if (res.status !== 200) throw new Error(`login as ${username} failed: ${res.status} ${res.text}`);
    return bodyOf<TokenResponse>(res).token;
  };
  const adminToken = await login(ADMIN.username, testEnv.env.ADMIN_PASSWORD ?? ADMIN.password);
  let closed = false;
  const siblings: TestApp[] = [];
  const stop = async () => {
    if (closed) return;
    closed = true;
    await Promise.all(siblings.map((sibling) => sibling.close()));
    await app.close();
  };

  return {
    app,
    config,
    http,
    url: url.replace('[::1]', '127.0.0.1'),
    adminToken,
    login,
    async createUser(roles, username = `user-${randomBytes(4).toString('hex')}`) {
      const password = 'password-' + randomBytes(4).toString('hex');
      const res = await http().post('/api/users').set('Authorization', `Bearer ${adminToken}`).send({ username, password, roles });
      if (res.status !== 201) throw new Error(`creating ${username} failed: ${res.status} ${res.text}`);
      return { id: bodyOf<User>(res).id, username, password, token: await login(username, password) };
    },
    testEnv,
    openapi: validator,
    async restart(overrides = {}) {
      await stop();
      return boot({ ...testEnv, env: { ...testEnv.env, ...overrides } }, owner, validator);
    },
    async startSibling(overrides = {}) {
      if (!testEnv.sharedDatabase) throw new Error('startSibling needs a real PostgreSQL: start the first app with { realDatabase: true }');
      const sibling = await boot({ ...testEnv, env: { ...testEnv.env, ...overrides } }, false, validator);
      siblings.push(sibling);
      return sibling;
    },
    async close() {
      await stop();
      if (owner) await testEnv.cleanup();
    },
  };
}

/** Boots a fresh app; `overrides` are environment variables (e.g. `{ MAX_UPLOAD_BYTES: '1024' }`). */
export async function startTestApp(overrides: Record<string, string | undefined> = {}, options: TestEnvOptions = {}): Promise<TestApp> {
  return boot(await prepareTestEnv(overrides, options), true, options.validateResponses ? 'new' : undefined);
}
