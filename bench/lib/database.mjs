// The service's database, seen from the benchmark: a fresh one on a PostgreSQL server for --pg, the embedded
// one's URL otherwise, and fast seeding of file rows with SQL.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { log } from './stats.mjs';

export async function withClient(url, fn) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

function withDatabase(serverUrl, name) {
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** A fresh database on the server of `serverUrl`; returns its URL and a function that drops it. */
export async function createFreshDatabase(serverUrl) {
  const name = `stowage_bench_${Date.now()}`;
  await withClient(serverUrl, (c) => c.query(`CREATE DATABASE ${name}`));
  return {
    url: withDatabase(serverUrl, name),
    drop: () => withClient(serverUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)),
  };
}

/** The URL of the embedded PostgreSQL a service runs on DATA_DIR (port from postmaster.pid, password beside it). */
export function embeddedDatabaseUrl(dataDir) {
  const port = readFileSync(join(dataDir, 'pg', 'postmaster.pid'), 'utf8')
    .split('\n')[3]
    .trim();
  const password = readFileSync(join(dataDir, '.embedded-pg-password'), 'utf8').trim();
  return `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/stowage`;
}

export async function serverVersion(url) {
  return withClient(url, async (c) => (await c.query('SHOW server_version')).rows[0].server_version);
}

/**
 * Inserts `rows` file rows owned by the admin, in batches (with progress). Filenames are hex-like with no 'x',
 * except one row in 100 that ends in '-x': the filter `filename:~x` matches 1 %. Upload dates spread over a year.
 *
 * First it removes the rows the upload scenarios left (their bytes stay in the scratch folder). Tens of thousands
 * of them, all named `small.bin` and all newer than any seeded row, sat on top of the newest-first index that the
 * filtered page walks, so the page's latency grew with how fast the 4 KiB uploads had been. The listing measures
 * the data set the issue describes. After the bulk load, VACUUM ANALYZE, as one would run after any bulk load,
 * so that autovacuum does not catch up during the measurement.
 */
export async function seedFileRows(url, rows) {
  const batch = 100_000;
  await withClient(url, async (c) => {
    const { rowCount } = await c.query('DELETE FROM file_meta');
    if (rowCount) log(`  removed ${rowCount.toLocaleString('en-US')} rows left by the upload scenarios`);
    const { rows: admins } = await c.query(`SELECT id FROM users WHERE username = 'admin'`);
    for (let from = 1; from <= rows; from += batch) {
      const to = Math.min(rows, from + batch - 1);
      await c.query(
        `INSERT INTO file_meta (id, filename, content_type, size, sha256, md5, storage_key, owner_id, created_at)
         SELECT 'seed' || g, 'file-' || translate(substr(md5(g::text), 1, 12), 'abcdef', 'qrstuv')
                  || CASE WHEN g % 100 = 0 THEN '-x' ELSE '' END || '.bin',
                'application/octet-stream', g % 100000, md5(g::text) || md5(g::text), md5(g::text), 'seed-key-' || g, $1,
                now() - (g % 31536000) * interval '1 second'
         FROM generate_series($2::int, $3::int) AS g`,
        [admins[0].id, from, to],
      );
      log(`  seeded ${to.toLocaleString('en-US')} of ${rows.toLocaleString('en-US')} rows`);
    }
    await c.query('VACUUM (ANALYZE) file_meta');
  });
}
