import type { Request, Response } from 'express';

/** The console's session cookie. */
export const SESSION_COOKIE = 'stowage_session';

/** The session cookie's value, if the request carries one (parsed here: one cookie does not need cookie-parser). */
export function sessionCookieOf(req: Request): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === SESSION_COOKIE) {
      const value = part.slice(eq + 1).trim();
      return value === '' ? undefined : value;
    }
  }
  return undefined;
}

/** httpOnly (no script reads it), SameSite=Strict (no other site sends it), Secure unless in development. */
export function setSessionCookie(res: Response, value: string, maxAgeSeconds: number, secure: boolean): void {
  const attributes = [`${SESSION_COOKIE}=${value}`, 'Path=/', 'HttpOnly', 'SameSite=Strict', `Max-Age=${maxAgeSeconds}`];
  if (secure) attributes.push('Secure');
  res.append('Set-Cookie', attributes.join('; '));
}

export const clearSessionCookie = (res: Response, secure: boolean): void => setSessionCookie(res, '', 0, secure);

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * CSRF defence for cookie-authenticated requests, beside SameSite=Strict: an unsafe method must come from a page of
 * this service's own origin, as the browser states it in Origin (else Referer). Our own origin is the scheme and
 * Host the request arrived with; under TRUST_PROXY, X-Forwarded-Proto / X-Forwarded-Host (Express resolves both).
 * Answers why the request is refused, or undefined when it may go on.
 */
export function crossSiteRefusal(req: Request): string | undefined {
  if (SAFE_METHODS.has(req.method)) return undefined;
  const own = `${req.protocol}://${req.host}`.toLowerCase();
  const origin = req.headers.origin;
  const claimed = typeof origin === 'string' && origin !== 'null' ? origin : originOf(req.headers.referer);
  if (claimed === undefined) {
    return 'A request signed in with the session cookie must carry Origin or Referer (CSRF protection); send a token instead.';
  }
  if (claimed.toLowerCase() !== own) {
    return `Cross-site request refused: Origin ${claimed} is not this service's ${own} (CSRF protection).`;
  }
  return undefined;
}

function originOf(referer: string | undefined): string | undefined {
  if (!referer) return undefined;
  try {
    return new URL(referer).origin;
  } catch {
    return undefined;
  }
}
