"""Evidence screens."""
