import { authService } from '../container';
import { TokenService } from '../services/token.service';
import { UserRole } from '../services/user.service';
import { AuthenticationError } from '../utils/errors';
import { asyncHandler } from './asyncHandler';

export interface Identity {
  userId: string;
  role: UserRole;
  sessionId?: string;
}

/** Verifies the bearer token and stores the caller in `res.locals.identity`. */
export const requireAuth = asyncHandler(async (req, res, next) => {
  const token = TokenService.fromHeader(req.header('authorization'));
  if (!token) throw new AuthenticationError();
  const identity = await authService.authenticate(token);
  res.locals.identity = identity as Identity;
  next();
});
