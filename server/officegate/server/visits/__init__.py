"""Visits and passes: a host's invitation of a visitor, the signed pass it issues (COSE over
CWT claims), the pass link bound to the visitor's phone, printed passes and revocation.

Owns: Visitor, Visit and VisitorPass rows (models), the pass page (pass_page), the API
(routes). Publishes: invited, pass_opened, visit_ended.
"""
