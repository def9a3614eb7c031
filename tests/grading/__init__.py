"""Jury: sessions, grids, deliberation, minutes, accommodations, audit."""
