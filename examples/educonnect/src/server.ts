import { createApp } from './app';
import { appConfig } from './config/app';

const app = createApp();

const server = app.listen(appConfig.port, appConfig.host, () => {
  console.info(`EduConnect API listening on http://${appConfig.host}:${appConfig.port} (${appConfig.env})`);
});

function shutdown(signal: string): void {
  console.info(`${signal} received, closing server`);
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(1), 10_000).unref();
}

process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));
