import { ConfigError, Env, readInt, readString } from './env';

export interface AuthConfig {
  jwtSecret: string;
  jwtIssuer: string;
  accessTokenTtlSeconds: number;
  sessionIdleTimeoutSeconds: number;
  sessionAbsoluteTimeoutSeconds: number;
  maxSessionsPerUser: number;
  bcryptRounds: number;
}

const DEV_SECRET = 'educonnect-development-secret-change-me-please';

export function loadAuthConfig(env: Env = process.env): AuthConfig {
  const isProduction = env.NODE_ENV === 'production';
  const jwtSecret = readString(env, 'JWT_SECRET', isProduction ? undefined : DEV_SECRET);
  if (jwtSecret.length < 32) throw new ConfigError('JWT_SECRET', 'must be at least 32 characters');
  if (isProduction && jwtSecret === DEV_SECRET) throw new ConfigError('JWT_SECRET', 'must be changed in production');

  const idle = readInt(env, 'SESSION_IDLE_TIMEOUT', 30 * 60, 60);
  const absolute = readInt(env, 'SESSION_ABSOLUTE_TIMEOUT', 12 * 60 * 60, 60);
  if (absolute < idle) throw new ConfigError('SESSION_ABSOLUTE_TIMEOUT', 'must be >= SESSION_IDLE_TIMEOUT');

  return {
    jwtSecret,
    jwtIssuer: readString(env, 'JWT_ISSUER', 'educonnect'),
    accessTokenTtlSeconds: readInt(env, 'JWT_ACCESS_TTL', 15 * 60, 60, 24 * 60 * 60),
    sessionIdleTimeoutSeconds: idle,
    sessionAbsoluteTimeoutSeconds: absolute,
    maxSessionsPerUser: readInt(env, 'MAX_SESSIONS_PER_USER', 5, 1, 50),
    bcryptRounds: readInt(env, 'BCRYPT_ROUNDS', 12, 4, 15),
  };
}

export const authConfig = loadAuthConfig();
