import { ConfigError, Env, readInt, readString } from './env';

export interface RedisConfig {
  url: string;
  keyPrefix: string;
  db: number;
  connectTimeoutMs: number;
  tls: boolean;
}

export function loadRedisConfig(env: Env = process.env): RedisConfig {
  const url = readString(env, 'REDIS_URL', 'redis://localhost:6379');
  if (!/^rediss?:\/\//.test(url)) throw new ConfigError('REDIS_URL', 'must start with redis:// or rediss://');
  const keyPrefix = readString(env, 'REDIS_KEY_PREFIX', 'educonnect:');
  if (!keyPrefix.endsWith(':')) throw new ConfigError('REDIS_KEY_PREFIX', 'must end with ":"');
  return {
    url,
    keyPrefix,
    db: readInt(env, 'REDIS_DB', 0, 0, 15),
    connectTimeoutMs: readInt(env, 'REDIS_CONNECT_TIMEOUT_MS', 5000, 100, 60000),
    tls: url.startsWith('rediss://'),
  };
}

export const redisConfig = loadRedisConfig();
