import express, { Express } from 'express';
import { appConfig } from './config/app';
import { errorHandler, notFound } from './middleware/errorHandler';
import { router as analyticsRouter } from './routes/analytics.routes';
import { router as assessmentsRouter } from './routes/assessments.routes';
import { router as authRouter } from './routes/auth.routes';
import { router as communitiesRouter } from './routes/communities.routes';
import { router as contentRouter } from './routes/content.routes';
import { router as notificationsRouter } from './routes/notifications.routes';
import { router as usersRouter } from './routes/users.routes';

export function createApp(): Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(express.json({ limit: appConfig.requestBodyLimit }));

  app.use((req, res, next) => {
    const origin = req.header('origin');
    if (origin && (appConfig.corsOrigins.includes('*') || appConfig.corsOrigins.includes(origin))) {
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Vary', 'Origin');
    }
    next();
  });

  app.get('/health', (_req, res) => {
    res.json({ status: 'ok', env: appConfig.env, uptime: Math.round(process.uptime()) });
  });

  app.use('/api/auth', authRouter);
  app.use('/api/users', usersRouter);
  app.use('/api/communities', communitiesRouter);
  app.use('/api/assessments', assessmentsRouter);
  app.use('/api/content', contentRouter);
  app.use('/api/notifications', notificationsRouter);
  app.use('/api/analytics', analyticsRouter);

  app.use(notFound);
  app.use(errorHandler);
  return app;
}
