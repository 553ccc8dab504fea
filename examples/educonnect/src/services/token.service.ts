import { createHmac, timingSafeEqual } from 'crypto';
import { AuthenticationError } from '../utils/errors';

export interface TokenClaims {
  sub: string;
  role: string;
  sid?: string;
  iat: number;
  exp: number;
}

export interface TokenOptions {
  secret: string;
  issuer: string;
  accessTtlSeconds: number;
}

function base64url(input: Buffer | string): string {
  return Buffer.from(input).toString('base64').replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
}

function fromBase64url(input: string): string {
  return Buffer.from(input.replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('utf8');
}

/** Minimal HS256 JWT implementation (no external dependency). */
export class TokenService {
  constructor(
    private readonly options: TokenOptions,
    private readonly nowSeconds: () => number = () => Math.floor(Date.now() / 1000),
  ) {
    if (options.secret.length < 32) throw new Error('Token secret must be at least 32 characters');
  }

  sign(subject: string, role: string, sessionId?: string, ttlSeconds = this.options.accessTtlSeconds): string {
    const iat = this.nowSeconds();
    const claims: TokenClaims & { iss: string } = { sub: subject, role, iat, exp: iat + ttlSeconds, iss: this.options.issuer };
    if (sessionId) claims.sid = sessionId;
    const header = base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
    const payload = base64url(JSON.stringify(claims));
    return `${header}.${payload}.${this.signature(`${header}.${payload}`)}`;
  }

  verify(token: string): TokenClaims {
    const parts = token.split('.');
    if (parts.length !== 3) throw new AuthenticationError('Malformed token');
    const [header, payload, signature] = parts;
    const expected = Buffer.from(this.signature(`${header}.${payload}`));
    const actual = Buffer.from(signature);
    if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) {
      throw new AuthenticationError('Invalid token signature');
    }
    let claims: TokenClaims & { iss?: string };
    try {
      claims = JSON.parse(fromBase64url(payload));
    } catch {
      throw new AuthenticationError('Malformed token payload');
    }
    if (claims.iss !== this.options.issuer) throw new AuthenticationError('Unexpected token issuer');
    if (claims.exp <= this.nowSeconds()) throw new AuthenticationError('Token expired');
    return claims;
  }

  /** Reads `Authorization: Bearer <token>`; returns null when absent. */
  static fromHeader(header: string | undefined): string | null {
    if (!header) return null;
    const [scheme, value] = header.split(' ');
    return scheme?.toLowerCase() === 'bearer' && value ? value : null;
  }

  private signature(data: string): string {
    return base64url(createHmac('sha256', this.options.secret).update(data).digest());
  }
}
