// Request-rate runs with autocannon's programmatic API.
import autocannon from 'autocannon';
import { log } from './stats.mjs';

/** One autocannon run; returns requests/s (mean of per-second samples), latency percentiles (ms) and errors. */
export async function load(label, { url, connections, duration, method = 'GET', headers = {}, body, expectStatus = 200 }) {
  log(`  ${label}: ${connections} connections for ${duration} s`);
  const result = await autocannon({ url, connections, duration, method, headers, body, pipelining: 1 });
  const ok = result[`${Math.floor(expectStatus / 100)}xx`] ?? 0;
  const errors = result.errors + result.timeouts + result.non2xx;
  return {
    rps: result.requests.average,
    okPerSecond: ok / (result.duration || duration),
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors,
    total: result.requests.total,
  };
}

/** The small-upload load both benchmarks use: raw-body POSTs of `body` at 16 connections, as the native API takes them. */
export function smallUploadRequest(url, headers, body) {
  return {
    url,
    connections: 16,
    method: 'POST',
    body,
    expectStatus: 201,
    headers: { ...headers, 'Content-Type': 'application/octet-stream', 'x-molgenis-filename': 'small.bin' },
  };
}
