/** Shared repository contracts. Postgres-backed implementations live in the
 *  data service; the API process only depends on these interfaces. */
export interface Repository<T extends { id: string }> {
  findById(id: string): Promise<T | null>;
  findAll(filter?: Partial<T>): Promise<T[]>;
  save(entity: T): Promise<T>;
  delete(id: string): Promise<boolean>;
}
