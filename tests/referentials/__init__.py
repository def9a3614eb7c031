"""Referentials: parsers, portable YAML, loading through the database."""
