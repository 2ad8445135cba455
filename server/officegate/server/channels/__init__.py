"""Channels a conversation travels on: web chat, e-mail (SMTP), LINE and WhatsApp."""
