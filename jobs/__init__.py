"""Background jobs (huey) with their state and progress kept in the database for the web layer."""
