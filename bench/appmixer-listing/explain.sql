-- The queries the listing builder sends (src/files/listing/), with EXPLAIN ANALYZE timings. User 1 owns 100k files.
\timing on
\echo '1. user page: filter filename:~invoice, sort uploadDate:-1, limit 100'
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) SELECT * FROM file_meta f
 WHERE f.owner_id = '00000000-0000-0000-0000-000000000001' AND f.filename ILIKE '%invoice%'
 ORDER BY f.created_at DESC, f.id DESC LIMIT 100 OFFSET 0;
\echo '2. user count: filename:~invoice'
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) SELECT COUNT(*) FROM file_meta f
 WHERE f.owner_id = '00000000-0000-0000-0000-000000000001' AND f.filename ILIKE '%invoice%';
\echo '3. user count: everything'
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) SELECT COUNT(*) FROM file_meta f WHERE f.owner_id = '00000000-0000-0000-0000-000000000001';
\echo '4. user page: length:>1000000, sort length:-1'
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) SELECT * FROM file_meta f
 WHERE f.owner_id = '00000000-0000-0000-0000-000000000001' AND f.size > 1000000
 ORDER BY f.size DESC, f.id DESC LIMIT 100 OFFSET 0;
\echo '5. admin page: no filter, newest first, offset 10000'
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) SELECT * FROM file_meta f ORDER BY f.created_at DESC, f.id DESC LIMIT 100 OFFSET 10000;
\echo '6. admin page: selective substring filename:~invoice-12345, sorted by filename'
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) SELECT * FROM file_meta f WHERE f.filename ILIKE '%invoice-12345%'
 ORDER BY f.filename ASC, f.id ASC LIMIT 100;
\echo '7. admin page: broad substring filename:~invoice, newest first'
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) SELECT * FROM file_meta f WHERE f.filename ILIKE '%invoice%'
 ORDER BY f.created_at DESC, f.id DESC LIMIT 100;
\echo '8. admin count: everything; and filename:~invoice'
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) SELECT COUNT(*) FROM file_meta f;
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) SELECT COUNT(*) FROM file_meta f WHERE f.filename ILIKE '%invoice%';
\echo '9. user page, uploadDate range: uploadDate:>=2025-06-01, sort uploadDate:1'
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) SELECT * FROM file_meta f
 WHERE f.owner_id = '00000000-0000-0000-0000-000000000001' AND f.created_at >= '2025-06-01'
 ORDER BY f.created_at ASC, f.id ASC LIMIT 100;
