"""Portfolios (one candidate in one certification version) and their tutors, coverage of the
criteria by evidence, readiness, and submissions: frozen, hashed snapshots sent to a jury."""
