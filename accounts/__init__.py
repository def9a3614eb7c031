"""Users, roles, login, and the one authorization policy."""
