"""alerts domain: things staff must look at (offline doors, forced doors, lockdowns)."""
