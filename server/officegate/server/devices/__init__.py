"""Devices: gates, doors and vending machines of a site, their door profiles (zone, mode,
hours, fail mode), remote commands (unlock, lockdown) and health (heartbeats).

Owns: Device rows (models), door profiles (profiles), the staff devices page (pages).
"""
