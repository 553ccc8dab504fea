import { Router } from 'express';
import { analyticsService, permissionService } from '../container';
import { asyncHandler } from '../middleware/asyncHandler';
import { Identity, requireAuth } from '../middleware/authenticate';
import { ValidationError } from '../utils/errors';

export const router = Router();

function parseDate(value: unknown, field: string): Date {
  const date = new Date(String(value));
  if (Number.isNaN(date.getTime())) throw new ValidationError(`${field} must be an ISO date`, field);
  return date;
}

router.get(
  '/engagement',
  requireAuth,
  asyncHandler(async (req, res) => {
    const identity = res.locals.identity as Identity;
    permissionService.assert({ id: identity.userId, role: identity.role }, 'moderate', 'community');
    const from = parseDate(req.query.from, 'from');
    const to = parseDate(req.query.to ?? new Date().toISOString(), 'to');
    res.json(await analyticsService.engagement(from, to));
  }),
);

export default router;
