"""Full-text search over EduConnect content."""
