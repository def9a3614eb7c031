"""Search: extraction, analysis, the index, queries and the search screens."""
