"""Privacy: retention per site (one job erases and trims), the visitor's rights from the pass
page (see, download, erase), staff requests for a visitor, the privacy notice and consent.

Owns: RetentionPolicy, PrivacyRequest, Consent (models), erasure across every domain's
tables (erasure), the retention steps and job (retention, jobs), log redaction (logs).
Depends on: visits, messaging, arrival, notify, checkin, meetings, vending, access, audit.
"""
