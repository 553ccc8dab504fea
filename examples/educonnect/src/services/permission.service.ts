import { ForbiddenError } from '../utils/errors';
import { UserRole } from './user.service';

export type Action = 'read' | 'create' | 'update' | 'delete' | 'grade' | 'moderate';
export type Resource = 'community' | 'content' | 'assessment' | 'user' | 'notification';

export interface Actor {
  id: string;
  role: UserRole;
}

export interface Ownable {
  ownerId?: string;
  authorId?: string;
  userId?: string;
}

export type RoleMatrix = Record<UserRole, Partial<Record<Resource, Action[]>>>;

export const DEFAULT_MATRIX: RoleMatrix = {
  student: {
    community: ['read', 'create'],
    content: ['read', 'create'],
    assessment: ['read'],
    notification: ['read', 'update'],
    user: ['read'],
  },
  instructor: {
    community: ['read', 'create', 'update', 'moderate'],
    content: ['read', 'create', 'update', 'moderate'],
    assessment: ['read', 'create', 'update', 'grade'],
    notification: ['read', 'update'],
    user: ['read'],
  },
  admin: {
    community: ['read', 'create', 'update', 'delete', 'moderate'],
    content: ['read', 'create', 'update', 'delete', 'moderate'],
    assessment: ['read', 'create', 'update', 'delete', 'grade'],
    notification: ['read', 'create', 'update', 'delete'],
    user: ['read', 'create', 'update', 'delete'],
  },
};

/** Owners may always update or delete their own records. */
const OWNER_ACTIONS: Action[] = ['read', 'update', 'delete'];

export class PermissionService {
  constructor(private readonly matrix: RoleMatrix = DEFAULT_MATRIX) {}

  can(actor: Actor, action: Action, resource: Resource, target?: Ownable): boolean {
    const allowed = this.matrix[actor.role]?.[resource] ?? [];
    if (allowed.includes(action)) return true;
    if (target && OWNER_ACTIONS.includes(action)) {
      const owner = target.ownerId ?? target.authorId ?? target.userId;
      return owner === actor.id;
    }
    return false;
  }

  assert(actor: Actor, action: Action, resource: Resource, target?: Ownable): void {
    if (!this.can(actor, action, resource, target)) {
      throw new ForbiddenError(`${actor.role} may not ${action} ${resource}`);
    }
  }

  allowedActions(actor: Actor, resource: Resource): Action[] {
    return [...(this.matrix[actor.role]?.[resource] ?? [])].sort();
  }
}
