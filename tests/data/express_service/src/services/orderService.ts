import { Order, OrderStatus, canTransition, orderTotal } from '../domain/order';
import { OrderRepository } from '../repositories/orderRepository';
import { OrderValidator } from '../validation/orderValidator';

export class OrderError extends Error {
  constructor(message: string, readonly status: number) {
    super(message);
    this.name = 'OrderError';
  }
}

export interface Clock {
  now(): Date;
}

export class OrderService {
  private sequence = 0;

  constructor(
    private readonly orders: OrderRepository,
    private readonly validator: OrderValidator,
    private readonly clock: Clock = { now: () => new Date() },
  ) {}

  async place(input: unknown): Promise<Order & { totalCents: number }> {
    const checked = this.validator.validate(input);
    if (!checked.ok) throw new OrderError(checked.errors.join('; '), 400);
    this.sequence += 1;
    const order: Order = {
      id: `ord-${this.sequence}`,
      customerId: checked.value.customerId,
      lines: checked.value.lines,
      status: 'pending',
      createdAt: this.clock.now().toISOString(),
    };
    await this.orders.put(order);
    return { ...order, totalCents: orderTotal(order) };
  }

  async find(id: string): Promise<Order> {
    const order = await this.orders.get(id);
    if (!order) throw new OrderError(`order ${id} not found`, 404);
    return order;
  }

  async move(id: string, to: OrderStatus): Promise<Order> {
    const order = await this.find(id);
    if (!canTransition(order.status, to)) throw new OrderError(`cannot go from ${order.status} to ${to}`, 409);
    return this.orders.put({ ...order, status: to });
  }

  async openTotal(customerId: string): Promise<number> {
    const open = await this.orders.byCustomer(customerId, 'pending');
    return open.reduce((sum, order) => sum + orderTotal(order), 0);
  }
}
