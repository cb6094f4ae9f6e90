-- Seeds 1,000,000 file_meta rows (and 100 users) into a SCRATCH database, with the indexes of migrations
-- 1764000000000 + 1764000000100. Usage: createdb scratch; psql -d scratch -f seed-1m.sql; psql -d scratch -f explain.sql
DROP TABLE IF EXISTS file_meta, users;
CREATE TABLE users (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), username varchar(64) NOT NULL UNIQUE, password_hash text NOT NULL, roles text[] NOT NULL DEFAULT '{}', created_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE file_meta (id varchar(128) PRIMARY KEY, filename text NOT NULL, content_type varchar(255) NOT NULL, size bigint NOT NULL CHECK (size >= 0), sha256 char(64) NOT NULL, md5 char(32) NOT NULL, storage_key varchar(255) NOT NULL UNIQUE, owner_id uuid REFERENCES users(id) ON DELETE SET NULL, created_at timestamptz NOT NULL DEFAULT now());
-- 100 users; user 1 owns 10% of the files (100k), the rest spread evenly.
INSERT INTO users (id, username, password_hash) SELECT ('00000000-0000-0000-0000-' || lpad(to_hex(g), 12, '0'))::uuid, 'u' || g, 'x' FROM generate_series(1, 100) g;
INSERT INTO file_meta (id, filename, content_type, size, sha256, md5, storage_key, owner_id, created_at)
SELECT md5('id' || g),
       (ARRAY['invoice','report','photo','contract','notes','backup','scan','slides'])[1 + g % 8] || '-' || g || (ARRAY['.pdf','.txt','.png','.docx'])[1 + g % 4],
       (ARRAY['application/pdf','text/plain','image/png','application/vnd.openxmlformats-officedocument.wordprocessingml.document'])[1 + g % 4],
       (g::bigint * 7919) % 50000000,
       encode(sha256(('s' || g)::bytea), 'hex'), md5('m' || g), md5('k' || g),
       ('00000000-0000-0000-0000-' || lpad(to_hex(CASE WHEN g % 10 = 0 THEN 1 ELSE 2 + g % 99 END), 12, '0'))::uuid,
       timestamptz '2024-01-01' + (g || ' seconds')::interval * 60
FROM generate_series(1, 1000000) g;
CREATE INDEX file_meta_owner_created_idx ON file_meta (owner_id, created_at);
CREATE INDEX file_meta_created_idx ON file_meta (created_at, id);
CREATE INDEX file_meta_owner_size_idx ON file_meta (owner_id, size);
CREATE INDEX file_meta_owner_filename_idx ON file_meta (owner_id, filename);
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX file_meta_filename_trgm_idx ON file_meta USING gin (filename gin_trgm_ops);
VACUUM ANALYZE file_meta;
