"""Background jobs (huey) with their state and progress kept in the database, and the job page.

Below every domain package: it imports only core, accounts, extensions and config.
"""
