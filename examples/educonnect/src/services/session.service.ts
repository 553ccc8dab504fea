import { randomBytes } from 'crypto';

export interface Session {
  id: string;
  userId: string;
  createdAt: number;
  lastSeenAt: number;
  userAgent?: string;
}

/** Key-value store with TTL; Redis in production, a Map in development. */
export interface SessionStore {
  get(key: string): Promise<string | null>;
  set(key: string, value: string, ttlSeconds: number): Promise<void>;
  del(key: string): Promise<void>;
  keys(prefix: string): Promise<string[]>;
}

export interface SessionOptions {
  idleTimeoutSeconds: number;
  absoluteTimeoutSeconds: number;
  maxSessionsPerUser: number;
}

export class SessionService {
  constructor(
    private readonly store: SessionStore,
    private readonly options: SessionOptions,
    private readonly nowMs: () => number = () => Date.now(),
  ) {}

  async create(userId: string, userAgent?: string): Promise<Session> {
    const existing = await this.listForUser(userId);
    if (existing.length >= this.options.maxSessionsPerUser) {
      // Evict the least recently used session to stay within the limit.
      const oldest = existing.sort((a, b) => a.lastSeenAt - b.lastSeenAt)[0];
      await this.revoke(oldest.id, userId);
    }
    const now = this.nowMs();
    const session: Session = { id: randomBytes(16).toString('hex'), userId, createdAt: now, lastSeenAt: now, userAgent };
    await this.store.set(this.key(userId, session.id), JSON.stringify(session), this.options.idleTimeoutSeconds);
    return session;
  }

  async touch(sessionId: string, userId: string): Promise<Session | null> {
    const raw = await this.store.get(this.key(userId, sessionId));
    if (!raw) return null;
    const session = JSON.parse(raw) as Session;
    const now = this.nowMs();
    if (now - session.createdAt > this.options.absoluteTimeoutSeconds * 1000) {
      await this.revoke(sessionId, userId);
      return null;
    }
    session.lastSeenAt = now;
    await this.store.set(this.key(userId, sessionId), JSON.stringify(session), this.options.idleTimeoutSeconds);
    return session;
  }

  async revoke(sessionId: string, userId: string): Promise<void> {
    await this.store.del(this.key(userId, sessionId));
  }

  async revokeAll(userId: string): Promise<number> {
    const keys = await this.store.keys(`session:${userId}:`);
    await Promise.all(keys.map((key) => this.store.del(key)));
    return keys.length;
  }

  async listForUser(userId: string): Promise<Session[]> {
    const keys = await this.store.keys(`session:${userId}:`);
    const values = await Promise.all(keys.map((key) => this.store.get(key)));
    return values.filter((v): v is string => v !== null).map((v) => JSON.parse(v) as Session);
  }

  private key(userId: string, sessionId: string): string {
    return `session:${userId}:${sessionId}`;
  }
}
