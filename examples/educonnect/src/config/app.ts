import { Env, readEnum, readInt, readString } from './env';

export const NODE_ENVS = ['development', 'test', 'staging', 'production'] as const;
export type NodeEnv = (typeof NODE_ENVS)[number];

export interface AppConfig {
  env: NodeEnv;
  port: number;
  host: string;
  corsOrigins: string[];
  requestBodyLimit: string;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
}

export function loadAppConfig(env: Env = process.env): AppConfig {
  const nodeEnv = readEnum(env, 'NODE_ENV', NODE_ENVS, 'development');
  const corsOrigins = readString(env, 'CORS_ORIGINS', nodeEnv === 'production' ? '' : '*')
    .split(',')
    .map((origin) => origin.trim())
    .filter(Boolean);
  if (nodeEnv === 'production' && corsOrigins.includes('*')) {
    throw new Error('Invalid configuration: CORS_ORIGINS cannot be "*" in production');
  }
  const bodyLimit = readString(env, 'REQUEST_BODY_LIMIT', '1mb');
  if (!/^\d+(kb|mb)$/.test(bodyLimit)) {
    throw new Error(`Invalid configuration: REQUEST_BODY_LIMIT must look like 512kb or 1mb`);
  }
  return {
    env: nodeEnv,
    port: readInt(env, 'PORT', 4000, 1, 65535),
    host: readString(env, 'HOST', '0.0.0.0'),
    corsOrigins,
    requestBodyLimit: bodyLimit,
    logLevel: readEnum(env, 'LOG_LEVEL', ['debug', 'info', 'warn', 'error'] as const, nodeEnv === 'production' ? 'info' : 'debug'),
  };
}

export const appConfig = loadAppConfig();
