import { exportJWK, generateKeyPair, JWK, SignJWT } from 'jose';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';

export type KeyPair = Awaited<ReturnType<typeof generateKeyPair>>;

/**
 * A JWKS endpoint on 127.0.0.1 serving the public halves of the keys a test makes, counting fetches. `failWith`
 * makes it answer that status instead (an IdP in trouble); `stop()` makes the port refuse connections.
 */
export class JwksServer {
  readonly keys: JWK[] = [];
  fetches = 0;
  failWith?: number;
  private server?: Server;
  private port?: number;

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      this.fetches++;
      if (this.failWith) {
        res.statusCode = this.failWith;
        res.end('unavailable');
        return;
      }
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify({ keys: this.keys }));
    });
    // The same port again after a stop(), so that the app's JWKS_URI stays right.
    await new Promise<void>((resolve) => this.server!.listen(this.port ?? 0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this.uri;
  }

  get uri(): string {
    return `http://127.0.0.1:${this.port}/protocol/openid-connect/certs`;
  }

  async publish(key: KeyPair, kid: string, alg: string): Promise<void> {
    this.keys.push({ ...(await exportJWK(key.publicKey)), kid, alg, use: 'sig' });
  }

  stop(): Promise<void> {
    // The app's fetch keeps its connection alive: cut it, or close() waits for it.
    const server = this.server;
    this.server = undefined;
    server?.closeAllConnections();
    return new Promise((resolve) => (server ? server.close(() => resolve()) : resolve()));
  }
}

export interface IdpTokenOptions {
  kid?: string;
  alg?: string;
  /** Extra claims; `undefined` removes a default one. */
  claims?: Record<string, unknown>;
  sub?: string;
  iss: string;
  aud: string;
  /** `null`: no `exp` at all. */
  exp?: number | string | null;
  nbf?: number;
}

/** A Keycloak-like access token: roles under realm_access.roles, the username in preferred_username. */
export function signIdpToken(key: KeyPair, options: IdpTokenOptions): Promise<string> {
  const jwt = new SignJWT({ preferred_username: 'alice', realm_access: { roles: ['editor', 'offline_access'] }, ...options.claims })
    .setProtectedHeader({ alg: options.alg ?? 'RS256', kid: options.kid ?? 'rsa-1', typ: 'JWT' })
    .setSubject(options.sub ?? '2b5c7a3e-0000-4000-8000-000000000001')
    .setIssuer(options.iss)
    .setAudience(options.aud)
    .setIssuedAt();
  if (options.exp !== null) jwt.setExpirationTime(options.exp ?? '5m');
  if (options.nbf !== undefined) jwt.setNotBefore(options.nbf);
  return jwt.sign(key.privateKey);
}
