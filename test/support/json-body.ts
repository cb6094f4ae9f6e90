/** The JSON fields the auth tests read from answers, in whichever dialect's shape (all optional in practice). */
export interface Answer {
  id: string;
  username: string;
  roles: string[];
  permissions: string[];
  owner: string;
  token: string;
  description: string;
  scopes: string[];
  expiresAt: string | null;
  lastUsedAt: string | null;
  items: { id: string; username: string; scopes: string[]; description: string; lastUsedAt: string | null }[];
  total: number;
  code: string;
  detail: string;
  message: string;
  error: string;
  status: number;
}

/** supertest's `res.body`, typed as what the test expects to read from it. */
export const body = <T = Answer>(res: { body: unknown }): T => res.body as T;
