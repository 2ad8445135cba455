"""Room occupancy: who went in, when a meeting really started and ended, no-shows."""
