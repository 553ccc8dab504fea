import { MemorySessionStore } from '../../src/repositories/stores';
import { SessionService } from '../../src/services/session.service';

describe('SessionService', () => {
  let now: number;
  let service: SessionService;

  beforeEach(() => {
    now = Date.now();
    service = new SessionService(
      new MemorySessionStore(),
      { idleTimeoutSeconds: 1800, absoluteTimeoutSeconds: 3600, maxSessionsPerUser: 2 },
      () => now,
    );
  });

  it('creates and touches a session', async () => {
    const session = await service.create('usr_1', 'jest');
    now += 60_000;

    const touched = await service.touch(session.id, 'usr_1');

    expect(touched?.lastSeenAt).toBe(now);
    expect(touched?.userAgent).toBe('jest');
  });

  it('expires a session after the absolute timeout', async () => {
    const session = await service.create('usr_1');
    now += 3601 * 1000;

    expect(await service.touch(session.id, 'usr_1')).toBeNull();
  });

  it('evicts the oldest session when the per-user limit is reached', async () => {
    const first = await service.create('usr_1');
    now += 1000;
    await service.create('usr_1');
    now += 1000;
    await service.create('usr_1');

    const ids = (await service.listForUser('usr_1')).map((s) => s.id);

    expect(ids).toHaveLength(2);
    expect(ids).not.toContain(first.id);
  });
});
