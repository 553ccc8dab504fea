import { assessmentService, communityService, contentService, userService } from '../container';
import { Identity } from '../middleware/authenticate';
import { Answer } from '../services/assessment.service';
import { Community, Visibility } from '../services/community.service';
import { ContentItem } from '../services/content.service';
import { AuthenticationError, ValidationError } from '../utils/errors';
import { Loaders } from './dataloaders';

export interface GraphQLContext {
  identity?: Identity;
  loaders: Loaders;
}

type Args = Record<string, unknown>;

function requireIdentity(ctx: GraphQLContext): Identity {
  if (!ctx.identity) throw new AuthenticationError();
  return ctx.identity;
}

export const resolvers = {
  Query: {
    me: (_parent: unknown, _args: Args, ctx: GraphQLContext) =>
      ctx.identity ? ctx.loaders.userById.load(ctx.identity.userId) : null,
    user: (_parent: unknown, args: { id: string }, ctx: GraphQLContext) => ctx.loaders.userById.load(args.id),
    communities: (_parent: unknown, args: { search?: string }) => communityService.listPublic(args.search),
    community: (_parent: unknown, args: { id: string }, ctx: GraphQLContext) => ctx.loaders.communityById.load(args.id),
    content: (_parent: unknown, args: { communityId: string; tag?: string }) =>
      contentService.listPublished(args.communityId, args.tag),
  },
  Mutation: {
    createCommunity: (
      _parent: unknown,
      args: { name: string; description?: string; visibility?: string },
      ctx: GraphQLContext,
    ) => {
      const identity = requireIdentity(ctx);
      if (args.visibility && args.visibility !== 'public' && args.visibility !== 'private') {
        throw new ValidationError('visibility must be public or private', 'visibility');
      }
      return communityService.create(identity.userId, {
        name: args.name,
        description: args.description,
        visibility: args.visibility as Visibility | undefined,
      });
    },
    joinCommunity: async (_parent: unknown, args: { id: string; inviteCode?: string }, ctx: GraphQLContext) => {
      const identity = requireIdentity(ctx);
      const community = await communityService.join(args.id, identity.userId, args.inviteCode);
      ctx.loaders.communityById.clear(args.id);
      return community;
    },
    submitAssessment: (_parent: unknown, args: { id: string; answers: string }, ctx: GraphQLContext) => {
      requireIdentity(ctx);
      let answers: Record<string, Answer>;
      try {
        answers = JSON.parse(args.answers);
      } catch {
        throw new ValidationError('answers must be a JSON object', 'answers');
      }
      return assessmentService.grade(args.id, answers);
    },
  },
  Community: {
    owner: (parent: Community, _args: Args, ctx: GraphQLContext) => ctx.loaders.userById.load(parent.ownerId),
    members: (parent: Community, _args: Args, ctx: GraphQLContext) => ctx.loaders.userById.loadMany(parent.memberIds),
    memberCount: (parent: Community) => parent.memberIds.length,
  },
  ContentItem: {
    author: (parent: ContentItem) => userService.getById(parent.authorId).catch(() => null),
  },
};
