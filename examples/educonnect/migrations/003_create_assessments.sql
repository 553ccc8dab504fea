CREATE TABLE IF NOT EXISTS assessments (
  id                  TEXT PRIMARY KEY,
  community_id        TEXT NOT NULL REFERENCES communities (id) ON DELETE CASCADE,
  title               TEXT NOT NULL,
  questions           JSONB NOT NULL,
  passing_score       NUMERIC(5, 2) NOT NULL,
  due_at              TIMESTAMPTZ,
  late_penalty_per_day NUMERIC(5, 2) NOT NULL DEFAULT 0
);
