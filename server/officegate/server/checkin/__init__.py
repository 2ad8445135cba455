"""Checkin."""
