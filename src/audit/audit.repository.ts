import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { deleteInSlices } from '../database/delete-in-slices.js';
import { InsertBatcher } from '../database/insert-batcher.js';
import { preparedQuery } from '../database/prepared-query.js';
import { AuditEntry, AuditFilter, NewAuditEntry } from './audit-entry.js';

interface AuditRow {
  id: string;
  at: Date;
  actor_id: string | null;
  actor_name: string | null;
  client_address: string | null;
  action: string;
  file_id: string | null;
  target: string | null;
  outcome: string;
  error_code: string | null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const toEntry = (row: AuditRow): AuditEntry => ({
  id: row.id,
  at: row.at,
  actorId: row.actor_id,
  actorName: row.actor_name,
  clientAddress: row.client_address,
  action: row.action as AuditEntry['action'],
  fileId: row.file_id,
  target: row.target,
  outcome: row.outcome as AuditEntry['outcome'],
  errorCode: row.error_code,
});

/**
 * One INSERT of many entries (the arrays unnest in step), its parameters numbered from `$firstParam`: on its own, or
 * as a CTE of another statement, so that an entry commits with the change it records (see FilesRepository).
 */
export function auditInsert(entries: readonly NewAuditEntry[], firstParam: number): { sql: string; params: unknown[] } {
  const column = <T>(pick: (entry: NewAuditEntry) => T) => entries.map(pick);
  const p = (i: number) => `$${firstParam + i}`;
  return {
    sql: `INSERT INTO audit_log (actor_id, actor_name, client_address, action, file_id, target, outcome, error_code)
       SELECT * FROM unnest(${p(0)}::uuid[], ${p(1)}::text[], ${p(2)}::text[], ${p(3)}::varchar[], ${p(4)}::varchar[], ${p(5)}::text[], ${p(6)}::varchar[], ${p(7)}::varchar[])`,
    params: [
      column((e) => e.actorId),
      column((e) => e.actorName),
      column((e) => e.clientAddress),
      column((e) => e.action),
      column((e) => e.fileId),
      column((e) => e.target),
      column((e) => e.outcome),
      column((e) => e.errorCode),
    ],
  };
}

/** Queries on the audit trail, and nothing else. */
@Injectable()
export class AuditRepository {
  /** Entries of concurrent requests share one INSERT and one commit, as file rows do (see InsertBatcher). */
  private readonly batcher = new InsertBatcher((entries: NewAuditEntry[]) => this.insertAll(entries));

  constructor(private readonly db: DataSource) {}

  insert(entry: NewAuditEntry): Promise<void> {
    return this.batcher.insert(entry);
  }

  private async insertAll(entries: NewAuditEntry[]): Promise<void[]> {
    const insert = auditInsert(entries, 1);
    await preparedQuery(this.db, 'stowage_audit_insert_many', insert.sql, insert.params);
    return entries.map(() => undefined);
  }

  /** Newest first; `actor` matches the user id (a UUID) or the name. Every value is a bound parameter. */
  async list(filter: AuditFilter, limit: number, offset: number): Promise<[AuditEntry[], number]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (sql: (p: string) => string, value: unknown) => {
      params.push(value);
      where.push(sql(`$${params.length}`));
    };
    if (filter.actor !== undefined) {
      // A UUID may be an id or (unusually) a name; anything else can only be a name.
      if (UUID.test(filter.actor)) add((p) => `(actor_id = ${p}::uuid OR actor_name = ${p}::text)`, filter.actor);
      else add((p) => `actor_name = ${p}`, filter.actor);
    }
    if (filter.action !== undefined) add((p) => `action = ${p}`, filter.action);
    if (filter.fileId !== undefined) add((p) => `file_id = ${p}`, filter.fileId);
    if (filter.from !== undefined) add((p) => `at >= ${p}`, filter.from);
    if (filter.to !== undefined) add((p) => `at < ${p}`, filter.to);
    const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const [rows, counted] = await Promise.all([
      this.db.query<AuditRow[]>(
        `SELECT id::text, at, actor_id, actor_name, client_address, action, file_id, target, outcome, error_code FROM audit_log ${clause}
         ORDER BY at DESC, id DESC LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
        [...params, limit, offset],
      ),
      this.db.query<{ total: number }[]>(`SELECT count(*)::int AS total FROM audit_log ${clause}`, params),
    ]);
    return [rows.map(toEntry), counted[0].total];
  }

  /** Removes entries older than `before` (in slices); answers how many. */
  pruneBefore(before: Date): Promise<number> {
    return deleteInSlices(this.db, 'audit_log', 'at < $1', [before]);
  }
}
