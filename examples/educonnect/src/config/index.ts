export { appConfig } from './app';
export { authConfig } from './auth';
export { databaseConfig } from './database';
export { emailConfig } from './email';
export { redisConfig } from './redis';
