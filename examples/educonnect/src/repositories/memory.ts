import { Repository } from './types';

/**
 * In-memory repository used for local development and as the default
 * wiring in `container.ts` when no DATABASE_URL is configured.
 */
export class InMemoryRepository<T extends { id: string }> implements Repository<T> {
  private readonly items = new Map<string, T>();

  constructor(seed: T[] = []) {
    seed.forEach((item) => this.items.set(item.id, { ...item }));
  }

  async findById(id: string): Promise<T | null> {
    const found = this.items.get(id);
    return found ? { ...found } : null;
  }

  async findAll(filter: Partial<T> = {}): Promise<T[]> {
    const keys = Object.keys(filter) as (keyof T)[];
    return [...this.items.values()]
      .filter((item) => keys.every((key) => item[key] === filter[key]))
      .map((item) => ({ ...item }));
  }

  async save(entity: T): Promise<T> {
    this.items.set(entity.id, { ...entity });
    return { ...entity };
  }

  async delete(id: string): Promise<boolean> {
    return this.items.delete(id);
  }

  get size(): number {
    return this.items.size;
  }
}
