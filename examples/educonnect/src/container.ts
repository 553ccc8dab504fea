import { authConfig } from './config/auth';
import { InMemoryRepository } from './repositories/memory';
import {
  ConsoleMailer,
  MemoryAssetStorage,
  MemoryEventLog,
  MemoryLoginAttempts,
  MemoryPreferences,
  MemorySessionStore,
} from './repositories/stores';
import { AnalyticsService } from './services/analytics.service';
import { Assessment, AssessmentService } from './services/assessment.service';
import { AuthService } from './services/auth.service';
import { Community, CommunityService } from './services/community.service';
import { ContentItem, ContentService } from './services/content.service';
import { Notification, NotificationService } from './services/notification.service';
import { PermissionService } from './services/permission.service';
import { SessionService } from './services/session.service';
import { TokenService } from './services/token.service';
import { User, UserService } from './services/user.service';
import { ScryptHasher } from './utils/password';

/** Composition root: the single place where services get their dependencies. */
const hasher = new ScryptHasher();
export const eventLog = new MemoryEventLog();

export const userService = new UserService(new InMemoryRepository<User>(), hasher);
export const communityService = new CommunityService(new InMemoryRepository<Community>());
export const assessmentService = new AssessmentService(new InMemoryRepository<Assessment>());
export const contentService = new ContentService(new InMemoryRepository<ContentItem>(), new MemoryAssetStorage());
export const notificationService = new NotificationService(
  new InMemoryRepository<Notification>(),
  new ConsoleMailer(),
  new MemoryPreferences(),
);
export const analyticsService = new AnalyticsService(eventLog);
export const permissionService = new PermissionService();
export const tokenService = new TokenService({
  secret: authConfig.jwtSecret,
  issuer: authConfig.jwtIssuer,
  accessTtlSeconds: authConfig.accessTokenTtlSeconds,
});
export const sessionService = new SessionService(new MemorySessionStore(), {
  idleTimeoutSeconds: authConfig.sessionIdleTimeoutSeconds,
  absoluteTimeoutSeconds: authConfig.sessionAbsoluteTimeoutSeconds,
  maxSessionsPerUser: authConfig.maxSessionsPerUser,
});
export const authService = new AuthService(userService, hasher, tokenService, sessionService, new MemoryLoginAttempts());
