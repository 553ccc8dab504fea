import { Router } from 'express';
import { notificationService } from '../container';
import { asyncHandler } from '../middleware/asyncHandler';
import { Identity, requireAuth } from '../middleware/authenticate';

export const router = Router();

router.use(requireAuth);

router.get(
  '/',
  asyncHandler(async (_req, res) => {
    const identity = res.locals.identity as Identity;
    const unread = await notificationService.unread(identity.userId);
    res.json({ count: unread.length, items: unread });
  }),
);

router.post(
  '/:id/read',
  asyncHandler(async (req, res) => {
    const identity = res.locals.identity as Identity;
    res.json(await notificationService.markRead(req.params.id, identity.userId));
  }),
);

export default router;
