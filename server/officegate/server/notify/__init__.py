"""Notify."""
