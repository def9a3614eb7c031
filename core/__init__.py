"""Cross-cutting web pieces: dashboard, error pages, time helpers, demo data."""
