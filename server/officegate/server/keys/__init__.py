"""Signing keys: the site's Ed25519/ES256 pass keys, their rotation and retirement, and
the key set the edges trust.

Owns: SigningKey rows (models) and the key files (service).
"""
