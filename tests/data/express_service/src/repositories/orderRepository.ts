import { Order, OrderStatus } from '../domain/order';

export interface OrderRepository {
  get(id: string): Promise<Order | undefined>;
  byCustomer(customerId: string, status?: OrderStatus): Promise<Order[]>;
  put(order: Order): Promise<Order>;
}

export class MapOrderRepository implements OrderRepository {
  private readonly rows = new Map<string, Order>();

  async get(id: string): Promise<Order | undefined> {
    const row = this.rows.get(id);
    return row && { ...row, lines: row.lines.map((l) => ({ ...l })) };
  }

  async byCustomer(customerId: string, status?: OrderStatus): Promise<Order[]> {
    return [...this.rows.values()].filter((o) => o.customerId === customerId && (!status || o.status === status));
  }

  async put(order: Order): Promise<Order> {
    this.rows.set(order.id, order);
    return order;
  }
}
