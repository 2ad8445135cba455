"""Conversations: one timeline per visitor, across web chat, e-mail, LINE and WhatsApp."""
