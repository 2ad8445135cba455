"""Access events: every decision a gate, door or vending machine reported, stored once per
event id; the staff access log, anti-passback across gates and copied-code detection.

Owns: AccessEvent rows (models), the log API and CSV (routes), passback and replay checks.
Depends on: devices, visits. Fed by: bridge (device events over MQTT).
"""
