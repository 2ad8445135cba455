"""bridge domain."""
