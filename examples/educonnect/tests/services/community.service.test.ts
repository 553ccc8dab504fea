import { InMemoryRepository } from '../../src/repositories/memory';
import { Community, CommunityService } from '../../src/services/community.service';
import { ConflictError, ForbiddenError, ValidationError } from '../../src/utils/errors';

describe('CommunityService', () => {
  let service: CommunityService;

  beforeEach(() => {
    service = new CommunityService(new InMemoryRepository<Community>());
  });

  it('creates a community owned by its creator', async () => {
    const community = await service.create('usr_owner', { name: 'Algebra Study Group' });

    expect(community.slug).toBe('algebra-study-group');
    expect(community.memberIds).toEqual(['usr_owner']);
    expect(community.visibility).toBe('public');
  });

  it('rejects a second community with the same name', async () => {
    await service.create('usr_owner', { name: 'Algebra Study Group' });
    await expect(service.create('usr_other', { name: 'algebra study group' })).rejects.toBeInstanceOf(ConflictError);
  });

  it('requires a valid invite code to join a private community', async () => {
    const community = await service.create('usr_owner', { name: 'Staff Room', visibility: 'private' });
    await expect(service.join(community.id, 'usr_1')).rejects.toBeInstanceOf(ForbiddenError);

    const code = await service.createInvite(community.id, 'usr_owner');
    const joined = await service.join(community.id, 'usr_1', code);

    expect(joined.memberIds).toContain('usr_1');
    // Invite codes are single use.
    await expect(service.join(community.id, 'usr_2', code)).rejects.toBeInstanceOf(ForbiddenError);
  });

  it('does not let the owner leave', async () => {
    const community = await service.create('usr_owner', { name: 'Physics Lab' });
    await expect(service.leave(community.id, 'usr_owner')).rejects.toBeInstanceOf(ValidationError);
  });
});
