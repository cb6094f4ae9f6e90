// The tus pair's bare side: @tus/server with @tus/file-store on node:http, nothing else (no auth, no database, no
// hashing). Usage: node bench/tus-floor.mjs <dir> <port>   (prints "listening <port>" once ready)
import { FileStore } from '@tus/file-store';
import { Server } from '@tus/server';
import { createServer } from 'node:http';

const [directory, port = '0'] = process.argv.slice(2);
const tus = new Server({ path: '/files', datastore: new FileStore({ directory }) });
createServer((req, res) => tus.handle(req, res)).listen(Number(port), '127.0.0.1', function () {
  console.log(`listening ${this.address().port}`);
});
