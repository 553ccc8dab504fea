import { AuthenticationError, ValidationError } from '../utils/errors';
import { SessionService } from './session.service';
import { TokenService } from './token.service';
import { PasswordHasher, PublicUser, User, toPublicUser } from './user.service';

export interface UserLookup {
  findByEmail(email: string): Promise<User | null>;
}

export interface LoginAttemptStore {
  failures(email: string): Promise<{ count: number; lastAt: number }>;
  recordFailure(email: string, at: number): Promise<void>;
  reset(email: string): Promise<void>;
}

export interface LoginResult {
  user: PublicUser;
  accessToken: string;
  sessionId: string;
}

export const MAX_FAILED_ATTEMPTS = 5;
export const LOCKOUT_MS = 15 * 60 * 1000;

export class AuthService {
  constructor(
    private readonly users: UserLookup,
    private readonly hasher: PasswordHasher,
    private readonly tokens: TokenService,
    private readonly sessions: SessionService,
    private readonly attempts: LoginAttemptStore,
    private readonly nowMs: () => number = () => Date.now(),
  ) {}

  async login(email: string, password: string, userAgent?: string): Promise<LoginResult> {
    if (!email || !password) throw new ValidationError('Email and password are required');
    const normalized = email.trim().toLowerCase();

    const { count, lastAt } = await this.attempts.failures(normalized);
    if (count >= MAX_FAILED_ATTEMPTS && this.nowMs() - lastAt < LOCKOUT_MS) {
      const minutes = Math.ceil((LOCKOUT_MS - (this.nowMs() - lastAt)) / 60000);
      throw new AuthenticationError(`Account locked, try again in ${minutes} minute(s)`);
    }

    const user = await this.users.findByEmail(normalized);
    const valid = user !== null && user.active && (await this.hasher.verify(password, user.passwordHash));
    if (!user || !valid) {
      await this.attempts.recordFailure(normalized, this.nowMs());
      throw new AuthenticationError('Invalid email or password');
    }

    await this.attempts.reset(normalized);
    const session = await this.sessions.create(user.id, userAgent);
    return {
      user: toPublicUser(user),
      accessToken: this.tokens.sign(user.id, user.role, session.id),
      sessionId: session.id,
    };
  }

  async authenticate(token: string): Promise<{ userId: string; role: string; sessionId?: string }> {
    const claims = this.tokens.verify(token);
    if (claims.sid) {
      const session = await this.sessions.touch(claims.sid, claims.sub);
      if (!session) throw new AuthenticationError('Session expired');
    }
    return { userId: claims.sub, role: claims.role, sessionId: claims.sid };
  }

  async refresh(token: string): Promise<string> {
    const identity = await this.authenticate(token);
    return this.tokens.sign(identity.userId, identity.role, identity.sessionId);
  }

  async logout(token: string, everywhere = false): Promise<number> {
    const identity = await this.authenticate(token);
    if (everywhere) return this.sessions.revokeAll(identity.userId);
    if (identity.sessionId) await this.sessions.revoke(identity.sessionId, identity.userId);
    return identity.sessionId ? 1 : 0;
  }
}
