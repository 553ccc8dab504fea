import { Router } from 'express';
import { contentService, eventLog } from '../container';
import { asyncHandler } from '../middleware/asyncHandler';
import { Identity, requireAuth } from '../middleware/authenticate';

export const router = Router();

router.get(
  '/communities/:communityId',
  asyncHandler(async (req, res) => {
    const tag = typeof req.query.tag === 'string' ? req.query.tag : undefined;
    res.json(await contentService.listPublished(req.params.communityId, tag));
  }),
);

router.get(
  '/:id',
  asyncHandler(async (req, res) => {
    const item = await contentService.get(req.params.id);
    if (item.status !== 'published') {
      res.status(404).json({ error: { code: 'NOT_FOUND', message: 'Content not found' } });
      return;
    }
    eventLog.record({ userId: 'anonymous', type: 'content_view', occurredAt: new Date().toISOString(), communityId: item.communityId });
    res.json(item);
  }),
);

router.post(
  '/',
  requireAuth,
  asyncHandler(async (req, res) => {
    const identity = res.locals.identity as Identity;
    const { communityId, title, body, tags } = req.body ?? {};
    res.status(201).json(await contentService.createDraft(identity.userId, communityId, { title, body, tags }));
  }),
);

router.post(
  '/:id/publish',
  requireAuth,
  asyncHandler(async (req, res) => {
    const identity = res.locals.identity as Identity;
    res.json(await contentService.publish(req.params.id, identity.userId));
  }),
);

router.post(
  '/:id/archive',
  requireAuth,
  asyncHandler(async (req, res) => {
    res.json(await contentService.archive(req.params.id));
  }),
);

export default router;
