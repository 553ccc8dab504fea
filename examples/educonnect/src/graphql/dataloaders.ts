import { communityService, userService } from '../container';
import { Community } from '../services/community.service';
import { PublicUser } from '../services/user.service';

export type BatchFn<K, V> = (keys: readonly K[]) => Promise<(V | Error)[]>;

/**
 * A tiny DataLoader: collects every `load()` made in the same tick, calls
 * the batch function once, and caches results for the life of a request.
 */
export class BatchLoader<K, V> {
  private queue: { key: K; resolve: (value: V) => void; reject: (error: Error) => void }[] = [];
  private readonly cache = new Map<K, Promise<V>>();

  constructor(private readonly batchFn: BatchFn<K, V>, private readonly maxBatchSize = 100) {}

  load(key: K): Promise<V> {
    const cached = this.cache.get(key);
    if (cached) return cached;
    const promise = new Promise<V>((resolve, reject) => {
      this.queue.push({ key, resolve, reject });
      if (this.queue.length === 1) process.nextTick(() => this.dispatch());
    });
    this.cache.set(key, promise);
    return promise;
  }

  loadMany(keys: K[]): Promise<V[]> {
    return Promise.all(keys.map((key) => this.load(key)));
  }

  clear(key: K): void {
    this.cache.delete(key);
  }

  private async dispatch(): Promise<void> {
    const pending = this.queue;
    this.queue = [];
    for (let start = 0; start < pending.length; start += this.maxBatchSize) {
      const batch = pending.slice(start, start + this.maxBatchSize);
      try {
        const results = await this.batchFn(batch.map((entry) => entry.key));
        if (results.length !== batch.length) {
          throw new Error(`Batch function returned ${results.length} results for ${batch.length} keys`);
        }
        batch.forEach((entry, i) => {
          const result = results[i];
          if (result instanceof Error) entry.reject(result);
          else entry.resolve(result);
        });
      } catch (error) {
        batch.forEach((entry) => {
          this.cache.delete(entry.key);
          entry.reject(error as Error);
        });
      }
    }
  }
}

export interface Loaders {
  userById: BatchLoader<string, PublicUser>;
  communityById: BatchLoader<string, Community>;
}

async function settle<T>(work: Promise<T>): Promise<T | Error> {
  try {
    return await work;
  } catch (error) {
    return error as Error;
  }
}

/** One set of loaders per request, so the cache never leaks between users. */
export function createLoaders(): Loaders {
  return {
    userById: new BatchLoader((ids) => Promise.all(ids.map((id) => settle(userService.getById(id))))),
    communityById: new BatchLoader((ids) => Promise.all(ids.map((id) => settle(communityService.get(id))))),
  };
}
