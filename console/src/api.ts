/** The console's calls to the service: same origin, signed in by the session cookie the browser sends by itself. */

export interface Me {
  id: string;
  username: string;
  roles: string[];
  permissions: string[];
}

export interface FileItem {
  id: string;
  filename: string;
  contentType: string;
  size: number;
  createdAt: string;
  owner: string | null;
  shared?: boolean;
}

export interface Page<T> {
  items: T[];
  total: number;
  limit: number;
  offset: number;
}

export interface Grant {
  id: string;
  username?: string;
  role?: string;
  permission: 'READ' | 'WRITE';
}

export interface ApiToken {
  id: string;
  description: string;
  scopes: string[];
  expiresAt: string | null;
  createdAt: string;
  lastUsedAt: string | null;
}

export interface UserItem {
  id: string;
  username: string;
  roles: string[];
  createdAt: string;
  quotaBytes: number | null;
  quotaFiles: number | null;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * What went wrong, in the API's own words: problem JSON's `detail` (native), `message` (Appmixer), `error` (Hasura),
 * or a plain-text body (tus); the status only when the body says nothing.
 */
export function errorMessage(status: number, body: string): string {
  const text = body.trim();
  if (text.startsWith('{')) {
    try {
      const parsed = JSON.parse(text) as Record<string, unknown>;
      for (const key of ['detail', 'message', 'error', 'title']) {
        const value = parsed[key];
        if (typeof value === 'string' && value.trim() !== '') return value;
      }
    } catch {
      // Not JSON after all: show it as text.
    }
  }
  if (text !== '' && text.length <= 500 && !text.startsWith('<')) return text;
  if (status === 0) return 'The service cannot be reached: check the network connection.';
  return `The service answered ${status}.`;
}

export async function request<T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      credentials: 'same-origin',
      headers: body === undefined ? headers : { ...headers, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, errorMessage(0, ''));
  }
  if (!res.ok) throw new ApiError(res.status, errorMessage(res.status, await res.text()));
  if (res.status === 204) return undefined as T;
  return (await res.json()) as T;
}

export const api = {
  me: () => request<Me>('GET', '/api/auth/me'),
  signIn: (username: string, password: string) => request<unknown>('POST', '/api/auth/session', { username, password }),
  /** An identity provider's access token (or one of POST /api/auth/login's), exchanged once for the session cookie. */
  signInWithToken: (token: string) => request<unknown>('POST', '/api/auth/session/token', undefined, { Authorization: `Bearer ${token}` }),
  signOut: () => request<void>('DELETE', '/api/auth/session'),
  files: (query: string) => request<Page<FileItem>>('GET', `/api/files?${query}`),
  deleteFile: (id: string) => request<void>('DELETE', `/api/files/${encodeURIComponent(id)}`),
  grants: (id: string) => request<Grant[] | Page<Grant>>('GET', `/api/files/${encodeURIComponent(id)}/permissions`),
  share: (id: string, grant: { username?: string; role?: string; permission: string }) =>
    request<Grant>('POST', `/api/files/${encodeURIComponent(id)}/permissions`, grant),
  revoke: (id: string, grantId: string) =>
    request<void>('DELETE', `/api/files/${encodeURIComponent(id)}/permissions/${encodeURIComponent(grantId)}`),
  tokens: () => request<Page<ApiToken>>('GET', '/api/tokens?limit=100'),
  createToken: (description: string, scopes: string[]) =>
    request<ApiToken & { token: string }>('POST', '/api/tokens', { description, scopes }),
  revokeToken: (id: string) => request<void>('DELETE', `/api/tokens/${encodeURIComponent(id)}`),
  users: (offset: number) => request<Page<UserItem>>('GET', `/api/users?limit=50&offset=${offset}`),
  createUser: (username: string, password: string, roles: string[]) =>
    request<UserItem>('POST', '/api/users', { username, password, roles }),
  deleteUser: (id: string) => request<void>('DELETE', `/api/users/${encodeURIComponent(id)}`),
  setQuota: (id: string, quota: { quotaBytes: number | null; quotaFiles: number | null }) =>
    request<UserItem>('PATCH', `/api/users/${encodeURIComponent(id)}`, quota),
};

export const downloadUrl = (id: string): string => `/api/files/${encodeURIComponent(id)}?alt=media`;
