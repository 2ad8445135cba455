"""visits domain."""
