import { Router } from 'express';
import { permissionService, userService } from '../container';
import { asyncHandler } from '../middleware/asyncHandler';
import { Identity, requireAuth } from '../middleware/authenticate';
import { UserRole } from '../services/user.service';
import { ValidationError } from '../utils/errors';

export const router = Router();

router.post(
  '/',
  asyncHandler(async (req, res) => {
    const { email, displayName, password } = req.body ?? {};
    if (typeof email !== 'string' || typeof displayName !== 'string' || typeof password !== 'string') {
      throw new ValidationError('email, displayName and password are required');
    }
    const user = await userService.register({ email, displayName, password });
    res.status(201).json(user);
  }),
);

router.get(
  '/me',
  requireAuth,
  asyncHandler(async (_req, res) => {
    const identity = res.locals.identity as Identity;
    res.json(await userService.getById(identity.userId));
  }),
);

router.get(
  '/',
  requireAuth,
  asyncHandler(async (req, res) => {
    const role = (req.query.role as UserRole | undefined) ?? 'instructor';
    res.json(await userService.listByRole(role));
  }),
);

router.get(
  '/:id',
  requireAuth,
  asyncHandler(async (req, res) => {
    res.json(await userService.getById(req.params.id));
  }),
);

router.patch(
  '/:id',
  requireAuth,
  asyncHandler(async (req, res) => {
    const identity = res.locals.identity as Identity;
    permissionService.assert({ id: identity.userId, role: identity.role }, 'update', 'user', { userId: req.params.id });
    res.json(await userService.updateProfile(req.params.id, { displayName: req.body?.displayName }));
  }),
);

router.delete(
  '/:id',
  requireAuth,
  asyncHandler(async (req, res) => {
    const identity = res.locals.identity as Identity;
    permissionService.assert({ id: identity.userId, role: identity.role }, 'delete', 'user', { userId: req.params.id });
    await userService.deactivate(req.params.id);
    res.status(204).end();
  }),
);

export default router;
