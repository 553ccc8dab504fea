import { Repository } from '../repositories/types';
import { ConflictError, NotFoundError, ValidationError } from '../utils/errors';
import { generateId } from '../utils/ids';

export type UserRole = 'student' | 'instructor' | 'admin';

export interface User {
  id: string;
  email: string;
  displayName: string;
  role: UserRole;
  passwordHash: string;
  active: boolean;
  createdAt: string;
}

export type PublicUser = Omit<User, 'passwordHash'>;

export interface CreateUserInput {
  email: string;
  displayName: string;
  password: string;
  role?: UserRole;
}

export interface PasswordHasher {
  hash(plain: string): Promise<string>;
  verify(plain: string, hash: string): Promise<boolean>;
}

const EMAIL_PATTERN = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const ROLES: UserRole[] = ['student', 'instructor', 'admin'];

export function validatePassword(password: string): string[] {
  const problems: string[] = [];
  if (password.length < 10) problems.push('must be at least 10 characters');
  if (!/[A-Z]/.test(password)) problems.push('must contain an uppercase letter');
  if (!/[a-z]/.test(password)) problems.push('must contain a lowercase letter');
  if (!/[0-9]/.test(password)) problems.push('must contain a digit');
  return problems;
}

export function toPublicUser(user: User): PublicUser {
  const { passwordHash: _omit, ...rest } = user;
  return rest;
}

export class UserService {
  constructor(
    private readonly users: Repository<User>,
    private readonly hasher: PasswordHasher,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async register(input: CreateUserInput): Promise<PublicUser> {
    const email = input.email.trim().toLowerCase();
    if (!EMAIL_PATTERN.test(email)) throw new ValidationError('Invalid email address', 'email');
    const displayName = input.displayName.trim();
    if (displayName.length < 2 || displayName.length > 60) {
      throw new ValidationError('Display name must be 2-60 characters', 'displayName');
    }
    const role = input.role ?? 'student';
    if (!ROLES.includes(role)) throw new ValidationError(`Unknown role ${role}`, 'role');
    const problems = validatePassword(input.password);
    if (problems.length > 0) {
      throw new ValidationError(`Password ${problems.join(', ')}`, 'password');
    }
    if (await this.findByEmail(email)) throw new ConflictError(`${email} is already registered`);

    const user: User = {
      id: generateId('usr'),
      email,
      displayName,
      role,
      passwordHash: await this.hasher.hash(input.password),
      active: true,
      createdAt: this.now().toISOString(),
    };
    return toPublicUser(await this.users.save(user));
  }

  async findByEmail(email: string): Promise<User | null> {
    const [match] = await this.users.findAll({ email: email.trim().toLowerCase() });
    return match ?? null;
  }

  async getById(id: string): Promise<PublicUser> {
    const user = await this.users.findById(id);
    if (!user) throw new NotFoundError('User', id);
    return toPublicUser(user);
  }

  async updateProfile(id: string, changes: { displayName?: string }): Promise<PublicUser> {
    const user = await this.users.findById(id);
    if (!user) throw new NotFoundError('User', id);
    if (changes.displayName !== undefined) {
      const name = changes.displayName.trim();
      if (name.length < 2 || name.length > 60) {
        throw new ValidationError('Display name must be 2-60 characters', 'displayName');
      }
      user.displayName = name;
    }
    return toPublicUser(await this.users.save(user));
  }

  async deactivate(id: string): Promise<PublicUser> {
    const user = await this.users.findById(id);
    if (!user) throw new NotFoundError('User', id);
    user.active = false;
    return toPublicUser(await this.users.save(user));
  }

  async listByRole(role: UserRole): Promise<PublicUser[]> {
    const users = await this.users.findAll({ role, active: true });
    return users.map(toPublicUser).sort((a, b) => a.displayName.localeCompare(b.displayName));
  }
}
