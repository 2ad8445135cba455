"""keys domain."""
