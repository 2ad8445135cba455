"""Alerts: what staff must look at (a door offline, forced or held open, a lockdown).

Owns: Alert rows (models) and raising/clearing them (service). Fed by: bridge, devices.
"""
