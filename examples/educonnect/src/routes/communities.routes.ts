import { Router } from 'express';
import { communityService, eventLog } from '../container';
import { asyncHandler } from '../middleware/asyncHandler';
import { Identity, requireAuth } from '../middleware/authenticate';

export const router = Router();

router.get(
  '/',
  asyncHandler(async (req, res) => {
    const search = typeof req.query.q === 'string' ? req.query.q : undefined;
    const communities = await communityService.listPublic(search);
    res.json(communities.map(({ inviteCodes: _codes, ...community }) => community));
  }),
);

router.post(
  '/',
  requireAuth,
  asyncHandler(async (req, res) => {
    const identity = res.locals.identity as Identity;
    const community = await communityService.create(identity.userId, req.body ?? {});
    res.status(201).json(community);
  }),
);

router.get(
  '/:id',
  asyncHandler(async (req, res) => {
    const community = await communityService.get(req.params.id);
    res.json({ ...community, inviteCodes: undefined, memberCount: community.memberIds.length });
  }),
);

router.post(
  '/:id/invites',
  requireAuth,
  asyncHandler(async (req, res) => {
    const identity = res.locals.identity as Identity;
    res.status(201).json({ code: await communityService.createInvite(req.params.id, identity.userId) });
  }),
);

router.post(
  '/:id/members',
  requireAuth,
  asyncHandler(async (req, res) => {
    const identity = res.locals.identity as Identity;
    const community = await communityService.join(req.params.id, identity.userId, req.body?.inviteCode);
    eventLog.record({ userId: identity.userId, type: 'community_post', occurredAt: new Date().toISOString(), communityId: community.id });
    res.json({ memberCount: community.memberIds.length });
  }),
);

router.delete(
  '/:id/members/me',
  requireAuth,
  asyncHandler(async (req, res) => {
    const identity = res.locals.identity as Identity;
    await communityService.leave(req.params.id, identity.userId);
    res.status(204).end();
  }),
);

export default router;
