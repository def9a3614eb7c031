"""Dashboards and demo data."""
