export type EventType = 'login' | 'content_view' | 'assessment_submit' | 'community_post';

export interface ActivityEvent {
  userId: string;
  type: EventType;
  occurredAt: string;
  communityId?: string;
}

export interface EventSource {
  eventsBetween(from: Date, to: Date): Promise<ActivityEvent[]>;
}

export interface EngagementReport {
  activeUsers: number;
  eventsByType: Record<EventType, number>;
  topCommunities: { communityId: string; events: number }[];
  averageEventsPerUser: number;
}

const WEIGHTS: Record<EventType, number> = {
  login: 1,
  content_view: 2,
  community_post: 4,
  assessment_submit: 5,
};

export function engagementScore(events: ActivityEvent[]): number {
  return events.reduce((total, event) => total + WEIGHTS[event.type], 0);
}

export function longestStreak(days: string[]): number {
  const unique = [...new Set(days.map((d) => d.slice(0, 10)))].sort();
  let best = 0;
  let current = 0;
  let previous: number | null = null;
  for (const day of unique) {
    const time = Date.parse(`${day}T00:00:00Z`);
    current = previous !== null && time - previous === 86_400_000 ? current + 1 : 1;
    best = Math.max(best, current);
    previous = time;
  }
  return best;
}

export class AnalyticsService {
  constructor(private readonly source: EventSource) {}

  async engagement(from: Date, to: Date, topN = 3): Promise<EngagementReport> {
    if (from >= to) throw new RangeError('from must be before to');
    const events = await this.source.eventsBetween(from, to);
    const users = new Set(events.map((e) => e.userId));
    const eventsByType: Record<EventType, number> = { login: 0, content_view: 0, assessment_submit: 0, community_post: 0 };
    const perCommunity = new Map<string, number>();
    for (const event of events) {
      eventsByType[event.type] += 1;
      if (event.communityId) perCommunity.set(event.communityId, (perCommunity.get(event.communityId) ?? 0) + 1);
    }
    const topCommunities = [...perCommunity.entries()]
      .map(([communityId, count]) => ({ communityId, events: count }))
      .sort((a, b) => b.events - a.events || a.communityId.localeCompare(b.communityId))
      .slice(0, topN);
    return {
      activeUsers: users.size,
      eventsByType,
      topCommunities,
      averageEventsPerUser: users.size === 0 ? 0 : Math.round((events.length / users.size) * 100) / 100,
    };
  }

  async userStreak(userId: string, from: Date, to: Date): Promise<number> {
    const events = await this.source.eventsBetween(from, to);
    return longestStreak(events.filter((e) => e.userId === userId).map((e) => e.occurredAt));
  }

  async atRiskUsers(from: Date, to: Date, threshold = 5): Promise<string[]> {
    const events = await this.source.eventsBetween(from, to);
    const byUser = new Map<string, ActivityEvent[]>();
    events.forEach((e) => byUser.set(e.userId, [...(byUser.get(e.userId) ?? []), e]));
    return [...byUser.entries()]
      .filter(([, userEvents]) => engagementScore(userEvents) < threshold)
      .map(([userId]) => userId)
      .sort();
  }
}
