"""Emails the academy sends on its own: reminders, set-password links, certificates; and the log of them."""
