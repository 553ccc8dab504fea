import { OrderLine } from '../domain/order';

export interface NewOrder {
  customerId: string;
  lines: OrderLine[];
}

export type Validation<T> = { ok: true; value: T } | { ok: false; errors: string[] };

/** Hand-written schema check for order payloads (no schema library). */
export class OrderValidator {
  constructor(private readonly maxLines = 20) {}

  validate(input: unknown): Validation<NewOrder> {
    const errors: string[] = [];
    if (typeof input !== 'object' || input === null) return { ok: false, errors: ['body must be an object'] };
    const body = input as Record<string, unknown>;
    if (typeof body.customerId !== 'string' || body.customerId.length === 0) errors.push('customerId is required');
    if (!Array.isArray(body.lines) || body.lines.length === 0) {
      errors.push('lines must be a non-empty array');
    } else if (body.lines.length > this.maxLines) {
      errors.push(`at most ${this.maxLines} lines`);
    } else {
      body.lines.forEach((line: any, i: number) => {
        if (typeof line?.sku !== 'string' || !/^[A-Z]{3}-\d{3}$/.test(line.sku)) errors.push(`lines[${i}].sku is invalid`);
        if (!Number.isInteger(line?.quantity) || line.quantity < 1) errors.push(`lines[${i}].quantity must be >= 1`);
        if (!Number.isInteger(line?.unitPriceCents) || line.unitPriceCents < 0) errors.push(`lines[${i}].unitPriceCents must be >= 0`);
      });
    }
    return errors.length ? { ok: false, errors } : { ok: true, value: body as unknown as NewOrder };
  }
}
