"""The audit log: every staff and admin action (who, when, from where, what, before and
after), append-only and chained by hash so an edited, removed or cut-off entry is found.

Owns: AuditEntry and the chain's head (models), appending and verifying (service, chain),
the admin page, API and CSV (routes), ``officegate audit verify`` (cli).
Depends on: auth. Used by: every domain whose routes staff or admins call.
"""
