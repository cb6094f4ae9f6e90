// An S3 test server (s3rver) in its own process, so that neither side of the S3 pair shares its event loop.
// Usage: node bench/s3-server.mjs <dir> <port> [bucket]   (prints "listening <port>" once ready)
import S3rver from 's3rver';

const [directory, port = '0', bucket = 'bench'] = process.argv.slice(2);
const s3rver = new S3rver({ address: '127.0.0.1', port: Number(port), silent: true, directory, configureBuckets: [{ name: bucket }] });
const address = await s3rver.run();
console.log(`listening ${address.port}`);
