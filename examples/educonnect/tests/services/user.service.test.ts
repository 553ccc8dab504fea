import { InMemoryRepository } from '../../src/repositories/memory';
import { PasswordHasher, User, UserService, validatePassword } from '../../src/services/user.service';
import { ConflictError, NotFoundError, ValidationError } from '../../src/utils/errors';

const fakeHasher: PasswordHasher = {
  hash: async (plain) => `hashed:${plain}`,
  verify: async (plain, hash) => hash === `hashed:${plain}`,
};

describe('UserService', () => {
  let repo: InMemoryRepository<User>;
  let service: UserService;

  beforeEach(() => {
    repo = new InMemoryRepository<User>();
    service = new UserService(repo, fakeHasher, () => new Date('2024-09-01T12:00:00Z'));
  });

  it('registers a student with a normalised email and hashed password', async () => {
    const user = await service.register({ email: ' Ada@Example.COM ', displayName: 'Ada', password: 'Str0ngPassword' });

    expect(user.email).toBe('ada@example.com');
    expect(user.role).toBe('student');
    expect(user).not.toHaveProperty('passwordHash');
    const stored = await repo.findById(user.id);
    expect(stored?.passwordHash).toBe('hashed:Str0ngPassword');
  });

  it('rejects a duplicate email', async () => {
    await service.register({ email: 'ada@example.com', displayName: 'Ada', password: 'Str0ngPassword' });
    await expect(
      service.register({ email: 'ADA@example.com', displayName: 'Ada L', password: 'Str0ngPassword' }),
    ).rejects.toBeInstanceOf(ConflictError);
  });

  it('rejects an invalid email', async () => {
    await expect(
      service.register({ email: 'not-an-email', displayName: 'Ada', password: 'Str0ngPassword' }),
    ).rejects.toBeInstanceOf(ValidationError);
  });

  it('lists active users of a role sorted by name', async () => {
    const zoe = await service.register({ email: 'zoe@example.com', displayName: 'Zoe', password: 'Str0ngPassword', role: 'instructor' });
    await service.register({ email: 'bob@example.com', displayName: 'Bob', password: 'Str0ngPassword', role: 'instructor' });
    await service.register({ email: 'sam@example.com', displayName: 'Sam', password: 'Str0ngPassword' });
    await service.updateProfile(zoe.id, { displayName: '  Amy  ' });

    const instructors = await service.listByRole('instructor');

    expect(instructors.map((u) => u.displayName)).toEqual(['Amy', 'Bob']);
  });

  it('throws NotFoundError for an unknown user', async () => {
    await expect(service.getById('usr_missing')).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe('validatePassword', () => {
  it('lists every rule a weak password breaks', () => {
    expect(validatePassword('short')).toEqual([
      'must be at least 10 characters',
      'must contain an uppercase letter',
      'must contain a digit',
    ]);
  });

  it('accepts a strong password', () => {
    expect(validatePassword('Correct1HorseBattery')).toEqual([]);
  });
});
