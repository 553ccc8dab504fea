import { randomBytes } from 'crypto';

/** Short, URL-safe, prefixed identifiers such as `usr_3f9a1c2b7d4e`. */
export function generateId(prefix: string): string {
  return `${prefix}_${randomBytes(6).toString('hex')}`;
}

/** Turns a display name into a lowercase, dash-separated slug. */
export function slugify(value: string): string {
  return value
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 64);
}
