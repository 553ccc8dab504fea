import { Repository } from '../repositories/types';
import { NotFoundError, ValidationError } from '../utils/errors';
import { generateId } from '../utils/ids';

export type NotificationKind = 'welcome' | 'assessment_graded' | 'community_invite' | 'content_published';
export type Channel = 'email' | 'in_app';

export interface Notification {
  id: string;
  userId: string;
  kind: NotificationKind;
  message: string;
  read: boolean;
  createdAt: string;
}

export interface Preferences {
  channels: Channel[];
  quietHours?: { startHour: number; endHour: number };
}

export interface Mailer {
  send(to: string, subject: string, text: string): Promise<void>;
}

export interface PreferenceStore {
  get(userId: string): Promise<Preferences | null>;
}

export interface DeliveryResult {
  notification: Notification;
  emailed: boolean;
  deferred: boolean;
}

const TEMPLATES: Record<NotificationKind, { subject: string; body: string }> = {
  welcome: { subject: 'Welcome to EduConnect', body: 'Hi {name}, welcome aboard!' },
  assessment_graded: { subject: 'Your assessment was graded', body: 'You scored {score}% on {title}.' },
  community_invite: { subject: 'You have been invited', body: '{inviter} invited you to join {community}.' },
  content_published: { subject: 'New content', body: '{title} was just published in {community}.' },
};

export function renderTemplate(template: string, data: Record<string, string | number>): string {
  return template.replace(/\{(\w+)\}/g, (_match, key: string) => {
    if (!(key in data)) throw new ValidationError(`Missing template value "${key}"`);
    return String(data[key]);
  });
}

export function inQuietHours(hour: number, quiet?: { startHour: number; endHour: number }): boolean {
  if (!quiet) return false;
  const { startHour, endHour } = quiet;
  // Windows such as 22 -> 7 wrap around midnight.
  return startHour <= endHour ? hour >= startHour && hour < endHour : hour >= startHour || hour < endHour;
}

export class NotificationService {
  constructor(
    private readonly notifications: Repository<Notification>,
    private readonly mailer: Mailer,
    private readonly preferences: PreferenceStore,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async notify(user: { id: string; email: string }, kind: NotificationKind, data: Record<string, string | number>): Promise<DeliveryResult> {
    const template = TEMPLATES[kind];
    const message = renderTemplate(template.body, data);
    const prefs = (await this.preferences.get(user.id)) ?? { channels: ['email', 'in_app'] };
    const notification = await this.notifications.save({
      id: generateId('ntf'),
      userId: user.id,
      kind,
      message,
      read: false,
      createdAt: this.now().toISOString(),
    });

    let emailed = false;
    let deferred = false;
    if (prefs.channels.includes('email')) {
      if (inQuietHours(this.now().getUTCHours(), prefs.quietHours)) {
        deferred = true;
      } else {
        await this.mailer.send(user.email, template.subject, message);
        emailed = true;
      }
    }
    return { notification, emailed, deferred };
  }

  async markRead(id: string, userId: string): Promise<Notification> {
    const notification = await this.notifications.findById(id);
    if (!notification || notification.userId !== userId) throw new NotFoundError('Notification', id);
    notification.read = true;
    return this.notifications.save(notification);
  }

  async unread(userId: string): Promise<Notification[]> {
    const items = await this.notifications.findAll({ userId, read: false });
    return items.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  }
}
