import express from 'express';
import { router } from './http/orderRoutes';

const app = express();
app.use(express.json());
app.use(router);
app.listen(Number(process.env.PORT ?? 3000));
