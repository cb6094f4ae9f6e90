/** Pure helpers of the console's UI logic (tested with Vitest). */

export type SortField = 'filename' | 'contentType' | 'size' | 'createdAt' | 'owner';
export interface SortState {
  field: SortField;
  direction: 1 | -1;
}

/** Clicking a column: the same one flips its direction, another one starts ascending (newest first for dates). */
export function nextSort(current: SortState, field: SortField): SortState {
  if (current.field === field) return { field, direction: current.direction === 1 ? -1 : 1 };
  return { field, direction: field === 'createdAt' ? -1 : 1 };
}

/**
 * The listing API's query for one page: a name search is `filename:~text` (a substring match), the sort one key (the
 * service breaks ties by id, so pages never overlap).
 */
export function listQuery(search: string, sort: SortState, page: number, pageSize: number): string {
  const params = new URLSearchParams();
  const text = search.trim();
  if (text !== '') params.set('filter', `filename:~${text}`);
  params.set('sort', `${sort.field}:${sort.direction}`);
  params.set('limit', String(pageSize));
  params.set('offset', String(page * pageSize));
  return params.toString();
}

const UNITS = ['B', 'KB', 'MB', 'GB', 'TB'];

/** 1536 → "1.5 KB" (powers of 1024, as file managers show). */
export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value < 10 ? value.toFixed(1) : Math.round(value)} ${UNITS[unit]}`;
}

export const formatDate = (iso: string): string => new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });

export const ROLES = ['admin', 'editor', 'viewer'] as const;

/** The share dialog's one field: a role's name shares with that role, anything else names a user. */
export function grantTarget(value: string): { role: string } | { username: string } {
  const text = value.trim();
  return (ROLES as readonly string[]).includes(text) ? { role: text } : { username: text };
}

/** "x of y" pages, 1-based for people. */
export function pageLabel(page: number, pageSize: number, total: number): string {
  const pages = Math.max(1, Math.ceil(total / pageSize));
  return `Page ${Math.min(page + 1, pages)} of ${pages}`;
}

/** A quota field: empty means "the default" (null), else a whole number. */
export function parseQuota(value: string): number | null | undefined {
  const text = value.trim();
  if (text === '') return null;
  return /^\d{1,15}$/.test(text) ? Number(text) : undefined;
}
