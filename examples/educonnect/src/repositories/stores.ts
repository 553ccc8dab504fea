import { ActivityEvent, EventSource } from '../services/analytics.service';
import { LoginAttemptStore } from '../services/auth.service';
import { AssetStorage } from '../services/content.service';
import { Mailer, PreferenceStore, Preferences } from '../services/notification.service';
import { SessionStore } from '../services/session.service';

/** Map-backed stand-ins for Redis, S3, SMTP and the event pipeline, used
 *  when the process runs without external infrastructure. */
export class MemorySessionStore implements SessionStore {
  private readonly data = new Map<string, { value: string; expiresAt: number }>();

  async get(key: string): Promise<string | null> {
    const entry = this.data.get(key);
    if (!entry) return null;
    if (entry.expiresAt <= Date.now()) {
      this.data.delete(key);
      return null;
    }
    return entry.value;
  }

  async set(key: string, value: string, ttlSeconds: number): Promise<void> {
    this.data.set(key, { value, expiresAt: Date.now() + ttlSeconds * 1000 });
  }

  async del(key: string): Promise<void> {
    this.data.delete(key);
  }

  async keys(prefix: string): Promise<string[]> {
    return [...this.data.keys()].filter((key) => key.startsWith(prefix));
  }
}

export class MemoryLoginAttempts implements LoginAttemptStore {
  private readonly attempts = new Map<string, { count: number; lastAt: number }>();

  async failures(email: string): Promise<{ count: number; lastAt: number }> {
    return this.attempts.get(email) ?? { count: 0, lastAt: 0 };
  }

  async recordFailure(email: string, at: number): Promise<void> {
    const current = await this.failures(email);
    this.attempts.set(email, { count: current.count + 1, lastAt: at });
  }

  async reset(email: string): Promise<void> {
    this.attempts.delete(email);
  }
}

export class ConsoleMailer implements Mailer {
  async send(to: string, subject: string, text: string): Promise<void> {
    console.info(`[mail] to=${to} subject="${subject}" ${text}`);
  }
}

export class MemoryPreferences implements PreferenceStore {
  constructor(private readonly prefs = new Map<string, Preferences>()) {}

  async get(userId: string): Promise<Preferences | null> {
    return this.prefs.get(userId) ?? null;
  }
}

export class MemoryAssetStorage implements AssetStorage {
  constructor(private readonly keys = new Set<string>()) {}

  async exists(key: string): Promise<boolean> {
    return this.keys.has(key);
  }
}

export class MemoryEventLog implements EventSource {
  private readonly events: ActivityEvent[] = [];

  record(event: ActivityEvent): void {
    this.events.push(event);
  }

  async eventsBetween(from: Date, to: Date): Promise<ActivityEvent[]> {
    return this.events.filter((e) => {
      const at = Date.parse(e.occurredAt);
      return at >= from.getTime() && at < to.getTime();
    });
  }
}
