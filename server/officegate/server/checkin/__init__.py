"""Check-in: the lobby QR poster the visitor scans, the check-in that gives the pass its
security zones, approval of a visitor held by the watch list, and check-out.

Owns: CheckIn rows and poster codes (models, poster), pass zone changes (passes).
Depends on: visits, sites. Publishes: checked_in, held_for_approval, checked_out.
"""
