"""The audit log: every staff and admin action, append-only and chained by hash."""
