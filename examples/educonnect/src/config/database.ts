import { ConfigError, Env, readBool, readInt, readString } from './env';

export interface DatabaseConfig {
  url: string;
  host: string;
  port: number;
  database: string;
  poolMin: number;
  poolMax: number;
  ssl: boolean;
  statementTimeoutMs: number;
}

export function loadDatabaseConfig(env: Env = process.env): DatabaseConfig {
  const url = readString(env, 'DATABASE_URL', 'postgres://educonnect:educonnect@localhost:5432/educonnect');
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigError('DATABASE_URL', 'is not a valid URL');
  }
  if (!['postgres:', 'postgresql:'].includes(parsed.protocol)) {
    throw new ConfigError('DATABASE_URL', 'must use the postgres:// scheme');
  }
  const poolMin = readInt(env, 'DB_POOL_MIN', 2, 0, 100);
  const poolMax = readInt(env, 'DB_POOL_MAX', 10, 1, 100);
  if (poolMin > poolMax) throw new ConfigError('DB_POOL_MIN', 'must not exceed DB_POOL_MAX');

  return {
    url,
    host: parsed.hostname,
    port: parsed.port ? Number(parsed.port) : 5432,
    database: parsed.pathname.replace(/^\//, ''),
    poolMin,
    poolMax,
    ssl: readBool(env, 'DB_SSL', env.NODE_ENV === 'production'),
    statementTimeoutMs: readInt(env, 'DB_STATEMENT_TIMEOUT_MS', 15000, 100, 600000),
  };
}

export const databaseConfig = loadDatabaseConfig();
