import { ConfigError, Env, readBool, readEnum, readInt, readString } from './env';

export type EmailTransport = 'smtp' | 'console';

export interface EmailConfig {
  transport: EmailTransport;
  from: string;
  smtpHost?: string;
  smtpPort: number;
  smtpSecure: boolean;
  smtpUser?: string;
  smtpPassword?: string;
}

export function loadEmailConfig(env: Env = process.env): EmailConfig {
  const transport = readEnum(env, 'EMAIL_TRANSPORT', ['smtp', 'console'] as const, 'console');
  const from = readString(env, 'EMAIL_FROM', 'EduConnect <no-reply@educonnect.local>');
  if (!/<?[^\s@<]+@[^\s@>]+>?$/.test(from)) throw new ConfigError('EMAIL_FROM', 'must contain an email address');

  const config: EmailConfig = {
    transport,
    from,
    smtpPort: readInt(env, 'SMTP_PORT', 587, 1, 65535),
    smtpSecure: readBool(env, 'SMTP_SECURE', false),
  };
  if (transport === 'smtp') {
    config.smtpHost = readString(env, 'SMTP_HOST');
    config.smtpUser = env.SMTP_USER;
    config.smtpPassword = env.SMTP_PASSWORD;
    if (config.smtpUser && !config.smtpPassword) {
      throw new ConfigError('SMTP_PASSWORD', 'is required when SMTP_USER is set');
    }
  }
  return config;
}

export const emailConfig = loadEmailConfig();
