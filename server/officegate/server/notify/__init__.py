"""Host notifications: who is told of a visitor's step and how (e-mail through apprise,
Slack/Teams/any apprise target, Web Push with VAPID, the in-app live feed), with
acknowledgement and a fallback contact.

Owns: NotifyTarget and Notice rows (models), the sender thread (sender), the live feed
(feed), message texts (messages).
"""
