/** PostgreSQL error codes (SQLSTATE) the services react to; see the PostgreSQL manual, appendix A. */
const PgErrorCode = {
  UniqueViolation: '23505',
} as const;

/** Whether `error` (as thrown by the pg driver through TypeORM) is a unique-constraint violation. */
export const isUniqueViolation = (error: unknown): boolean =>
  typeof error === 'object' && error !== null && (error as { code?: unknown }).code === PgErrorCode.UniqueViolation;
