"""Referentials (certifications and their criteria), portfolios, coverage and submissions."""
