// What the metrics hook adds to one request, measured on its own: the middleware (a 'close' listener, two clock
// reads) and the counter and histogram updates, driven by synthetic requests in a loop, against the same loop
// without it. CPU µs per request (user + system of this process), best of several rounds: on a busy machine the
// A/B of whole requests (bench/cpu-per-request.mjs) moves by more than this whole cost.
//
//   npm run build && node bench/metrics-overhead.mjs [--requests 200000] [--rounds 7]
import { EventEmitter } from 'node:events';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const dist = resolve(dirname(fileURLToPath(import.meta.url)), '..', process.env.STOWAGE_DIST ?? 'dist');
const { loadConfig } = await import(`${dist}/src/config/load-config.js`);
const { MetricsService } = await import(`${dist}/src/metrics/metrics.service.js`);
const { httpMetricsMiddleware } = await import(`${dist}/src/metrics/http-metrics.middleware.js`);

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : Number(process.argv[i + 1]);
};
const requests = arg('requests', 200_000);
const rounds = arg('rounds', 7);

const metrics = new MetricsService(loadConfig({ METRICS_TOKEN: 'bench-metrics-token-0123456789' }));
const hook = httpMetricsMiddleware(metrics);
const routes = ['/api/files/:id', '/api/files', '/files', '/v1/file/:fileId'];
const next = () => {};

/** One synthetic request: a response object that ends, with or without the hook in front. */
function run(withHook) {
  const start = process.cpuUsage();
  for (let i = 0; i < requests; i++) {
    const req = { method: 'GET', route: { path: routes[i & 3] } };
    const res = new EventEmitter();
    res.statusCode = i % 50 === 0 ? 404 : 200;
    if (withHook) hook(req, res, next);
    res.emit('close');
  }
  const used = process.cpuUsage(start);
  return (used.user + used.system) / requests;
}

const best = { without: Infinity, with: Infinity };
for (let round = 0; round < rounds; round++) {
  best.without = Math.min(best.without, run(false));
  best.with = Math.min(best.with, run(true));
}
const fmt = (n) => n.toFixed(2);
console.log(`${requests} synthetic requests × ${rounds} rounds, best round, CPU µs per request:`);
console.log(`  without the hook ${fmt(best.without)}, with it ${fmt(best.with)}: the hook costs ${fmt(best.with - best.without)} µs`);
