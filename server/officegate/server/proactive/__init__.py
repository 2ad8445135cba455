"""Proactive messages: notices on the visitor's channel, driven by journey events."""
