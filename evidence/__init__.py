"""Evidence, its files and versions, claims on criteria, comments; upload, extraction, search."""
