"""Arrival."""
