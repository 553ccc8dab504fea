import { Repository } from '../repositories/types';
import { ForbiddenError, NotFoundError, ValidationError } from '../utils/errors';
import { generateId, slugify } from '../utils/ids';

export type ContentStatus = 'draft' | 'published' | 'archived';

export interface ContentItem {
  id: string;
  communityId: string;
  authorId: string;
  title: string;
  slug: string;
  body: string;
  tags: string[];
  status: ContentStatus;
  readingMinutes: number;
  publishedAt?: string;
}

export interface AssetStorage {
  exists(key: string): Promise<boolean>;
}

const WORDS_PER_MINUTE = 200;
const MAX_TAGS = 8;

export function estimateReadingMinutes(body: string): number {
  const words = body.trim().split(/\s+/).filter(Boolean).length;
  return Math.max(1, Math.ceil(words / WORDS_PER_MINUTE));
}

export function normalizeTags(tags: string[]): string[] {
  const cleaned = tags.map((tag) => slugify(tag)).filter((tag) => tag.length > 0);
  return [...new Set(cleaned)].slice(0, MAX_TAGS);
}

export class ContentService {
  constructor(
    private readonly items: Repository<ContentItem>,
    private readonly storage: AssetStorage,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async createDraft(authorId: string, communityId: string, input: { title: string; body: string; tags?: string[] }): Promise<ContentItem> {
    const title = input.title.trim();
    if (title.length < 5) throw new ValidationError('Title must be at least 5 characters', 'title');
    return this.items.save({
      id: generateId('cnt'),
      communityId,
      authorId,
      title,
      slug: slugify(title),
      body: input.body,
      tags: normalizeTags(input.tags ?? []),
      status: 'draft',
      readingMinutes: estimateReadingMinutes(input.body),
    });
  }

  async publish(id: string, userId: string): Promise<ContentItem> {
    const item = await this.get(id);
    if (item.authorId !== userId) throw new ForbiddenError('Only the author can publish');
    if (item.status === 'archived') throw new ValidationError('Archived content cannot be published');
    if (item.body.trim().length < 50) throw new ValidationError('Body is too short to publish', 'body');
    const assets = [...item.body.matchAll(/!\[[^\]]*\]\(asset:([^)]+)\)/g)].map((m) => m[1]);
    for (const key of assets) {
      if (!(await this.storage.exists(key))) throw new ValidationError(`Missing asset ${key}`, 'body');
    }
    item.status = 'published';
    item.publishedAt = item.publishedAt ?? this.now().toISOString();
    return this.items.save(item);
  }

  async archive(id: string): Promise<ContentItem> {
    const item = await this.get(id);
    item.status = 'archived';
    return this.items.save(item);
  }

  async get(id: string): Promise<ContentItem> {
    const item = await this.items.findById(id);
    if (!item) throw new NotFoundError('Content', id);
    return item;
  }

  async listPublished(communityId: string, tag?: string): Promise<ContentItem[]> {
    const items = await this.items.findAll({ communityId, status: 'published' });
    return items
      .filter((item) => !tag || item.tags.includes(slugify(tag)))
      .sort((a, b) => (b.publishedAt ?? '').localeCompare(a.publishedAt ?? ''));
  }
}
