import { Router, Request, Response, NextFunction } from 'express';
import { MapOrderRepository } from '../repositories/orderRepository';
import { OrderError, OrderService } from '../services/orderService';
import { OrderValidator } from '../validation/orderValidator';

const service = new OrderService(new MapOrderRepository(), new OrderValidator());

function handle(work: (req: Request, res: Response) => Promise<void>) {
  return (req: Request, res: Response, next: NextFunction) => {
    work(req, res).catch((error: unknown) => {
      if (error instanceof OrderError) res.status(error.status).json({ error: error.message });
      else next(error);
    });
  };
}

export const router = Router();

router.post('/orders', handle(async (req, res) => {
  res.status(201).json(await service.place(req.body));
}));

router.get('/orders/:id', handle(async (req, res) => {
  res.json(await service.find(req.params.id));
}));

router.post('/orders/:id/status', handle(async (req, res) => {
  const to = req.body?.status;
  if (typeof to !== 'string') {
    res.status(400).json({ error: 'status is required' });
    return;
  }
  res.json(await service.move(req.params.id, to as never));
}));

router.get('/customers/:customerId/open-total', handle(async (req, res) => {
  res.json({ totalCents: await service.openTotal(req.params.customerId) });
}));
