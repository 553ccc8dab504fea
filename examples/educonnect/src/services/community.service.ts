import { Repository } from '../repositories/types';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../utils/errors';
import { generateId, slugify } from '../utils/ids';

export type Visibility = 'public' | 'private';

export interface Community {
  id: string;
  slug: string;
  name: string;
  description: string;
  visibility: Visibility;
  ownerId: string;
  memberIds: string[];
  maxMembers: number;
  inviteCodes: string[];
}

export interface CreateCommunityInput {
  name: string;
  description?: string;
  visibility?: Visibility;
  maxMembers?: number;
}

export class CommunityService {
  constructor(private readonly communities: Repository<Community>) {}

  async create(ownerId: string, input: CreateCommunityInput): Promise<Community> {
    const name = input.name.trim();
    if (name.length < 3) throw new ValidationError('Community name is too short', 'name');
    const maxMembers = input.maxMembers ?? 500;
    if (!Number.isInteger(maxMembers) || maxMembers < 2 || maxMembers > 10000) {
      throw new ValidationError('maxMembers must be between 2 and 10000', 'maxMembers');
    }
    const slug = slugify(name);
    const existing = await this.communities.findAll({ slug });
    if (existing.length > 0) throw new ConflictError(`A community called "${name}" already exists`);

    return this.communities.save({
      id: generateId('com'),
      slug,
      name,
      description: (input.description ?? '').trim(),
      visibility: input.visibility ?? 'public',
      ownerId,
      memberIds: [ownerId],
      maxMembers,
      inviteCodes: [],
    });
  }

  async get(id: string): Promise<Community> {
    const community = await this.communities.findById(id);
    if (!community) throw new NotFoundError('Community', id);
    return community;
  }

  async createInvite(id: string, requesterId: string): Promise<string> {
    const community = await this.get(id);
    if (community.ownerId !== requesterId) throw new ForbiddenError('Only the owner can invite');
    const code = generateId('inv').slice(4);
    community.inviteCodes.push(code);
    await this.communities.save(community);
    return code;
  }

  async join(id: string, userId: string, inviteCode?: string): Promise<Community> {
    const community = await this.get(id);
    if (community.memberIds.includes(userId)) return community;
    if (community.memberIds.length >= community.maxMembers) {
      throw new ConflictError('Community is full');
    }
    if (community.visibility === 'private') {
      if (!inviteCode || !community.inviteCodes.includes(inviteCode)) {
        throw new ForbiddenError('A valid invite code is required');
      }
      community.inviteCodes = community.inviteCodes.filter((code) => code !== inviteCode);
    }
    community.memberIds.push(userId);
    return this.communities.save(community);
  }

  async leave(id: string, userId: string): Promise<Community> {
    const community = await this.get(id);
    if (community.ownerId === userId) {
      throw new ValidationError('The owner must transfer ownership before leaving');
    }
    community.memberIds = community.memberIds.filter((member) => member !== userId);
    return this.communities.save(community);
  }

  async listPublic(search?: string): Promise<Community[]> {
    const all = await this.communities.findAll({ visibility: 'public' });
    const term = search?.trim().toLowerCase();
    return all
      .filter((c) => !term || c.name.toLowerCase().includes(term) || c.description.toLowerCase().includes(term))
      .sort((a, b) => b.memberIds.length - a.memberIds.length);
  }
}
