"""The MQTT bridge between the server and the edges: publishes each site's trusted keys,
revocations and each door's config (retained), ingests device events exactly once in effect
(batched array inserts, ordered acknowledgements), watches for offline doors, and speaks
Home Assistant discovery.

Owns no tables of its own; writes access events, device health and alerts.
Started by: runtime.py (start_bridge).
"""
