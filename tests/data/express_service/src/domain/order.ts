export type OrderStatus = 'pending' | 'paid' | 'shipped' | 'cancelled';

export interface OrderLine {
  sku: string;
  quantity: number;
  unitPriceCents: number;
}

export interface Order {
  id: string;
  customerId: string;
  lines: OrderLine[];
  status: OrderStatus;
  createdAt: string;
}

export function orderTotal(order: Pick<Order, 'lines'>): number {
  return order.lines.reduce((sum, line) => sum + line.quantity * line.unitPriceCents, 0);
}

export function canTransition(from: OrderStatus, to: OrderStatus): boolean {
  switch (from) {
    case 'pending':
      return to === 'paid' || to === 'cancelled';
    case 'paid':
      return to === 'shipped' || to === 'cancelled';
    default:
      return false;
  }
}
