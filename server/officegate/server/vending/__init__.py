"""Drinks: the free drink a visit is entitled to, offered when a gate is passed near a
machine, ordered on the pass page and served when the pass QR is shown; machines' stock.

Owns: machines, slots, orders and the drink policy (models), the MQTT link started by the
runtime (link), the pass-page drink API and staff pages (routes), visitor Web Push
(visitor_push). Reacts to: gate_passed, drink_offered.
"""
