CREATE TABLE IF NOT EXISTS content_items (
  id              TEXT PRIMARY KEY,
  community_id    TEXT NOT NULL REFERENCES communities (id) ON DELETE CASCADE,
  author_id       TEXT NOT NULL REFERENCES users (id),
  title           TEXT NOT NULL,
  slug            TEXT NOT NULL,
  body            TEXT NOT NULL,
  tags            TEXT[] NOT NULL DEFAULT '{}',
  status          TEXT NOT NULL DEFAULT 'draft',
  reading_minutes INTEGER NOT NULL DEFAULT 1,
  published_at    TIMESTAMPTZ
);

CREATE INDEX IF NOT EXISTS content_items_community_status_idx ON content_items (community_id, status);
