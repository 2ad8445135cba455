"""On site now: who is in the building (checked in, not yet out) and the evacuation roll call.

Owns: RollCall rows (models), the list and roll-call API (routes).
"""
