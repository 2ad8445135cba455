"""Onsite."""
