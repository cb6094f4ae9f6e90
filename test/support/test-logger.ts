import { ConsoleLogger, Logger } from '@nestjs/common';
import { inspect } from 'node:util';

/** Patterns of the log lines the running tests provoke on purpose (see `quietLogs`). */
const expected: RegExp[] = [];

/**
 * Nest's console logger for test apps, errors and warnings only. A line matching a pattern given to `quietLogs` is
 * dropped: it is the failure the test provokes, and its stack trace would bury the ones that matter. Every other
 * error and warning is printed as usual.
 */
class TestLogger extends ConsoleLogger {
  error(message: unknown, ...params: unknown[]): void {
    if (!isExpected(message, params)) super.error(message, ...params);
  }

  warn(message: unknown, ...params: unknown[]): void {
    if (!isExpected(message, params)) super.warn(message, ...params);
  }
}

function isExpected(message: unknown, params: unknown[]): boolean {
  if (expected.length === 0) return false;
  const text = [message, ...params].map((part) => (typeof part === 'string' ? part : inspect(part, { depth: 4 }))).join('\n');
  return expected.some((pattern) => pattern.test(text));
}

/** The logger every test app boots with (Nest's `Logger` is process-wide, so siblings and restarts share it). */
export const testLogger = new TestLogger({ logLevels: ['error', 'warn'] });
// Also for what a spec runs outside an app (an EmbeddedDatabase of its own), before or after any app boots.
Logger.overrideLogger(testLogger);

/**
 * Runs `work` with the error and warning lines that match `pattern` kept out of the output: for a test that makes the
 * service fail on purpose (a broken disk, a database that is down). Make the pattern name the failure, e.g. the
 * error code in "GET /v1/file/x failed: INTERNAL", so that anything else still shows.
 */
export async function quietLogs<T>(pattern: RegExp, work: () => Promise<T>): Promise<T> {
  expected.push(pattern);
  try {
    return await work();
  } finally {
    expected.splice(expected.indexOf(pattern), 1);
  }
}
