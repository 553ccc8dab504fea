import { Router } from 'express';
import { authService, notificationService } from '../container';
import { asyncHandler } from '../middleware/asyncHandler';
import { TokenService } from '../services/token.service';
import { AuthenticationError, ValidationError } from '../utils/errors';

export const router = Router();

router.post(
  '/login',
  asyncHandler(async (req, res) => {
    const { email, password } = req.body ?? {};
    if (typeof email !== 'string' || typeof password !== 'string') {
      throw new ValidationError('email and password are required');
    }
    const result = await authService.login(email, password, req.header('user-agent'));
    res.json(result);
  }),
);

router.post(
  '/refresh',
  asyncHandler(async (req, res) => {
    const token = TokenService.fromHeader(req.header('authorization'));
    if (!token) throw new AuthenticationError();
    res.json({ accessToken: await authService.refresh(token) });
  }),
);

router.post(
  '/logout',
  asyncHandler(async (req, res) => {
    const token = TokenService.fromHeader(req.header('authorization'));
    if (!token) throw new AuthenticationError();
    const revoked = await authService.logout(token, req.query.everywhere === 'true');
    res.json({ revoked });
  }),
);

router.post(
  '/welcome',
  asyncHandler(async (req, res) => {
    const { userId, email, name } = req.body ?? {};
    if (!userId || !email) throw new ValidationError('userId and email are required');
    const result = await notificationService.notify({ id: userId, email }, 'welcome', { name: name ?? email });
    res.status(202).json({ emailed: result.emailed, deferred: result.deferred });
  }),
);

export default router;
