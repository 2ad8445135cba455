"""One invitation path: every way a visitor is added goes through invitations.service."""
