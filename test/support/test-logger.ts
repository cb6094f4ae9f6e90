import { ConsoleLogger, Logger } from '@nestjs/common';
import { inspect } from 'node:util';

/** Patterns of the log lines the running tests provoke on purpose (see `quietLogs`). */
const expected: RegExp[] = [];

export interface LogLine {
  level: 'error' | 'warn';
  text: string;
}

/** The lists `captureLogs` is filling: every error and warning goes to each, instead of the output. */
const recorders: LogLine[][] = [];

/**
 * Nest's console logger for test apps, errors and warnings only. A line matching a pattern given to `quietLogs` is
 * dropped: it is the failure the test provokes, and its stack trace would bury the ones that matter. Every other
 * error and warning is printed as usual.
 */
class TestLogger extends ConsoleLogger {
  error(message: unknown, ...params: unknown[]): void {
    if (!recorded('error', message, params) && !isExpected(message, params)) super.error(message, ...params);
  }

  warn(message: unknown, ...params: unknown[]): void {
    if (!recorded('warn', message, params) && !isExpected(message, params)) super.warn(message, ...params);
  }
}

const textOf = (message: unknown, params: unknown[]): string =>
  [message, ...params].map((part) => (typeof part === 'string' ? part : inspect(part, { depth: 4 }))).join('\n');

function recorded(level: LogLine['level'], message: unknown, params: unknown[]): boolean {
  if (recorders.length === 0) return false;
  const text = textOf(message, params);
  for (const lines of recorders) lines.push({ level, text });
  return true;
}

function isExpected(message: unknown, params: unknown[]): boolean {
  if (expected.length === 0) return false;
  const text = textOf(message, params);
  return expected.some((pattern) => pattern.test(text));
}

/**
 * Runs `work` and returns every error and warning line logged meanwhile (by any app of the test process), instead of
 * printing them: for a test about what the service logs. `work` sees the lines as they come (to wait for one). Lines logged after `work` settles are not caught.
 */
export async function captureLogs(work: (lines: readonly LogLine[]) => Promise<unknown>): Promise<LogLine[]> {
  const lines: LogLine[] = [];
  recorders.push(lines);
  try {
    await work(lines);
    return lines;
  } finally {
    recorders.splice(recorders.indexOf(lines), 1);
  }
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
